// The virtual network of a satcar deployment: one subnet for the container groups (satcars and
// Consul), one for the apps (App Service VNet integration, or the App Service Environment), one for
// private endpoints; a NAT gateway for outbound traffic (image pulls, the satcars' calls to the apps),
// and the private DNS zone in which every satcar gets a stable name.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet of the container groups (satcars, Consul). Delegated to Azure Container Instances.')
param containerSubnetPrefix string

@description('Subnet of the apps: App Service VNet integration, or the App Service Environment (at least /24).')
param appsSubnetPrefix string

@description('Subnet of the private endpoints (Redis).')
param privateEndpointSubnetPrefix string

@description('True when the apps subnet hosts an App Service Environment v3 rather than VNet integration.')
param useAse bool

@description('The private DNS zone in which satcars and Consul get their names (<app id>.<zone>).')
param privateDnsZoneName string

@description('Tags for every resource.')
param tags object

// Ports other hosts use on a satcar: the Dapr HTTP API (the links, Consul's health check) and the peer port.
var satcarHttpPort = 3500
var satcarPeerPort = 50002
var consulHttpPort = 8500

resource natPublicIp 'Microsoft.Network/publicIPAddresses@2025-05-01' = {
  name: '${namePrefix}-nat-pip'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

// Subnets here have no default outbound access; all egress leaves through this gateway, from one
// known address that the apps' access restrictions admit.
resource natGateway 'Microsoft.Network/natGateways@2025-05-01' = {
  name: '${namePrefix}-nat'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: natPublicIp.id
      }
    ]
  }
}

resource containerNsg 'Microsoft.Network/networkSecurityGroups@2025-05-01' = {
  name: '${namePrefix}-containers-nsg'
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'apps-to-satcar-api'
        properties: {
          description: 'Links in the apps call their satcar\'s Dapr HTTP API (HTTP, and gRPC as gRPC-Web).'
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: appsSubnetPrefix
          sourcePortRange: '*'
          destinationAddressPrefix: containerSubnetPrefix
          destinationPortRange: string(satcarHttpPort)
        }
      }
      {
        name: 'containers-to-containers'
        properties: {
          description: 'Satcars call each other on the peer port and Consul on its HTTP API; Consul checks each satcar\'s /v1.0/healthz.'
          priority: 110
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: containerSubnetPrefix
          sourcePortRange: '*'
          destinationAddressPrefix: containerSubnetPrefix
          destinationPortRanges: [
            string(satcarHttpPort)
            string(satcarPeerPort)
            string(consulHttpPort)
          ]
        }
      }
      {
        name: 'deny-other-vnet-inbound'
        properties: {
          description: 'Nothing else in the virtual network reaches the container groups.'
          priority: 4000
          direction: 'Inbound'
          access: 'Deny'
          protocol: '*'
          sourceAddressPrefix: 'VirtualNetwork'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: '${namePrefix}-vnet'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    // Subnets are declared here rather than as child resources, so that a second deployment does not
    // try to remove and re-create subnets that are in use.
    subnets: [
      {
        name: 'containers'
        properties: {
          addressPrefix: containerSubnetPrefix
          defaultOutboundAccess: false
          natGateway: {
            id: natGateway.id
          }
          networkSecurityGroup: {
            id: containerNsg.id
          }
          delegations: [
            {
              name: 'container-instances'
              properties: {
                serviceName: 'Microsoft.ContainerInstance/containerGroups'
              }
            }
          ]
        }
      }
      {
        name: 'apps'
        properties: {
          addressPrefix: appsSubnetPrefix
          defaultOutboundAccess: false
          natGateway: {
            id: natGateway.id
          }
          delegations: [
            {
              name: useAse ? 'app-service-environment' : 'app-service-vnet-integration'
              properties: {
                serviceName: useAse ? 'Microsoft.Web/hostingEnvironments' : 'Microsoft.Web/serverFarms'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          defaultOutboundAccess: false
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource satcarZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: privateDnsZoneName
  location: 'global'
  tags: tags
}

resource satcarZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: satcarZone
  name: '${namePrefix}-vnet'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

@description('The virtual network.')
output vnetId string = vnet.id

@description('The subnet of the container groups.')
output containerSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'containers')

@description('The subnet of the apps.')
output appsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'apps')

@description('The subnet of the private endpoints.')
output privateEndpointSubnetId string = resourceId(
  'Microsoft.Network/virtualNetworks/subnets',
  vnet.name,
  'private-endpoints'
)

@description('The public address all outbound traffic of the subnets leaves from.')
output natPublicIpAddress string = natPublicIp.properties.ipAddress!

@description('The private DNS zone of the satcars; its virtual network link is in place once this module is done.')
output privateDnsZoneName string = satcarZone.name

@description('The virtual network link of the zone, for modules that must wait for it.')
output privateDnsZoneLinkId string = satcarZoneLink.id
