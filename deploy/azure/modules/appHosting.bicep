// Where the apps run: a Linux App Service plan, either plain (the apps reach the virtual network through
// VNet integration) or, with useAse, in an App Service Environment v3 with an internal load balancer,
// which is the seed's setting (no HTTP/2 through its front end, hence satcars). An ASE takes a few hours
// to create and costs far more than a plain plan.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('True: an App Service Environment v3 (internal) and an IsolatedV2 plan in it. False: a plain plan.')
param useAse bool

@description('SKU of the plain plan (ignored with useAse): B1 or higher, since VNet integration needs it.')
param planSku string

@description('SKU of the plan in the App Service Environment (ignored without useAse).')
param isolatedPlanSku string

@description('The apps subnet: the ASE\'s subnet with useAse, else the VNet integration subnet.')
param appsSubnetId string

@description('The virtual network, for the ASE\'s private DNS zone.')
param vnetId string

@description('Tags for every resource.')
param tags object

resource ase 'Microsoft.Web/hostingEnvironments@2025-03-01' = if (useAse) {
  name: '${namePrefix}-ase'
  location: location
  tags: tags
  kind: 'ASEV3'
  properties: {
    virtualNetwork: {
      id: appsSubnetId
    }
    // Internal: the apps get private addresses only; the satcars reach them inside the network.
    internalLoadBalancingMode: 'Web, Publishing'
    zoneRedundant: false
  }
}

resource aseNetworking 'Microsoft.Web/hostingEnvironments/configurations@2025-03-01' existing = if (useAse) {
  parent: ase
  name: 'networking'
}

// An internal ASE's apps are named <app>.<ase>.appserviceenvironment.net and resolve only through a zone
// that points those names at the ASE's internal load balancer.
resource aseZone 'Microsoft.Network/privateDnsZones@2024-06-01' = if (useAse) {
  name: '${ase.name}.appserviceenvironment.net'
  location: 'global'
  tags: tags
}

resource aseZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = if (useAse) {
  parent: aseZone
  name: '${namePrefix}-vnet'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource aseRecords 'Microsoft.Network/privateDnsZones/A@2024-06-01' = [
  for recordName in ['*', '*.scm', '@']: if (useAse) {
    parent: aseZone
    name: recordName
    properties: {
      ttl: 300
      aRecords: [
        {
          ipv4Address: aseNetworking!.properties.internalInboundIpAddresses[0]
        }
      ]
    }
  }
]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${namePrefix}-plan'
  location: location
  tags: tags
  kind: 'linux'
  sku: useAse
    ? {
        name: isolatedPlanSku
        tier: 'IsolatedV2'
      }
    : {
        name: planSku
      }
  properties: {
    // Linux.
    reserved: true
    hostingEnvironmentProfile: useAse
      ? {
          id: ase.id
        }
      : null
  }
}

@description('The App Service plan.')
output planId string = plan.id

@description('The App Service Environment, or an empty string without one.')
output aseId string = useAse ? ase.id : ''
