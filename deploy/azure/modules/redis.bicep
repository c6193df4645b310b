// Azure Cache for Redis for the state store, reachable only through a private endpoint in the virtual
// network and only over TLS (port 6380). The satcars find it by its usual host name, which the
// privatelink zone linked to the network resolves to the endpoint's private address.

@description('Azure region.')
param location string

@description('Name of the cache (globally unique).')
param name string

@description('Pricing tier: Basic (no SLA, one node), Standard (replicated) or Premium.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string

@description('Size within the tier: 0-6 for Basic and Standard (C0-C6), 1-5 for Premium (P1-P5).')
@minValue(0)
@maxValue(6)
param capacity int

@description('The virtual network the private DNS zone is linked to.')
param vnetId string

@description('The subnet of the private endpoint.')
param privateEndpointSubnetId string

@description('Tags for every resource.')
param tags object

resource cache 'Microsoft.Cache/redis@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
      family: skuName == 'Premium' ? 'P' : 'C'
      capacity: capacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Disabled'
    redisVersion: '6'
  }
}

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  // The zone Azure Private Link uses for Azure Cache for Redis (Azure public cloud).
  name: 'privatelink.redis.cache.windows.net'
  location: 'global'
  tags: tags
}

resource zoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: '${name}-vnet'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2025-05-01' = {
  name: '${name}-pe'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: privateEndpointSubnetId
    }
    privateLinkServiceConnections: [
      {
        name: '${name}-pe'
        properties: {
          privateLinkServiceId: cache.id
          groupIds: [
            'redisCache'
          ]
        }
      }
    ]
  }
}

resource endpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'redis'
        properties: {
          privateDnsZoneId: zone.id
        }
      }
    ]
  }
}

@description('Name of the cache.')
output name string = cache.name

@description('host:port of the cache\'s TLS endpoint, for the state store\'s redisHost; usable once the private endpoint and its DNS record exist.')
output address string = '${cache.properties.hostName}:${cache.properties.sslPort}'

@description('The private endpoint\'s DNS record group, for modules that must wait for it.')
output endpointDnsId string = endpointDns.id
