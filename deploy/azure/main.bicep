// The seed's topology on Azure, with satcar in place of daprd and nginx (docs/deploy.md):
//
//   App Service (plain plan + VNet integration, or an internal ASE v3)       container subnet (ACI)
//   ┌───────────────────────────────────┐                                   ┌──────────────────────────────┐
//   │ web app <app>: app + satcar link  │ ── http://<app>.<zone>:3500 ──▶   │ satcar <app> (satcar run)    │
//   │   app ─▶ localhost:3500 ─▶ link   │ ◀── https://<app host> ──────     │   /components, /config from  │
//   └───────────────────────────────────┘     (app channel)                 │   Azure Files; peers :50002  │
//                                                                           │ consul (one server, demo)    │
//                                                                           └──────────────────────────────┘
//   Azure Cache for Redis (private endpoint, TLS)   Log Analytics (container and app logs)
//
// Deploy: az deployment group create -g <group> -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam

targetScope = 'resourceGroup'

@description('An app of the topology: a container web app with its satcar.')
type appDefinition = {
  @description('The Dapr app id: the satcar\'s --app-id, the app\'s name in name resolution and the satcar\'s DNS name (<appId>.<zone>). Lowercase letters, digits and hyphens.')
  @minLength(1)
  @maxLength(40)
  appId: string

  @description('The app\'s container image, holding the app and satcar for its link (deploy/docker/Dockerfile.sample for the demo).')
  image: string

  @description('The port the app listens on inside its container. Default 8080.')
  port: int?

  @description('The app\'s health endpoint, probed by App Service and by the satcar (--app-health-check-path). Default /healthz.')
  healthPath: string?
}

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Prefix of every resource name: 3-12 lowercase letters, digits or hyphens.')
@minLength(3)
@maxLength(12)
param namePrefix string

@description('The apps. Each gets a web app and a satcar.')
@minLength(1)
param apps appDefinition[]

@description('The satcar image (deploy/docker/Dockerfile), e.g. myregistry.azurecr.io/satcar:0.1.0.')
param satcarImage string

@description('The Consul image of the demo Consul server. Import it into your registry to avoid Docker Hub\'s pull limits.')
param consulImage string = 'hashicorp/consul:1.22'

@description('Run the apps in an App Service Environment v3 (internal load balancer), as the seed did. False: a plain App Service plan with VNet integration. An ASE takes hours to create and costs far more.')
param useAse bool = false

@description('SKU of the plain App Service plan (B1 or higher: VNet integration needs it).')
param appServicePlanSku string = 'B1'

@description('SKU of the IsolatedV2 plan in the ASE.')
param isolatedPlanSku string = 'I1v2'

@description('Create the satcars\' container groups. Set false for the first deployment, upload the Dapr resources to the file shares (docs/deploy.md), then deploy again with true: a satcar does not start without its Configuration file.')
param deploySatcars bool = true

@description('CPU cores of each satcar.')
@minValue(1)
param satcarCpu int = 1

@description('Memory of each satcar, in GB.')
@minValue(1)
param satcarMemoryInGB int = 1

@description('The satcars\' API tokens (DAPR_API_TOKEN), one per app id, each at least 16 characters: {"orderstore": "...", ...}. Each app\'s link adds its satcar\'s token; the app never sees it.')
@secure()
param daprApiTokens object

@description('The secret the satcars authenticate each other with (SATCAR_PEER_SECRET), at least 16 characters.')
@secure()
@minLength(16)
param satcarPeerSecret string

@description('TLS on the peer channel, optional: {"caPem": "<CA>", "satcars": {"<appId>": {"certPem": "...", "keyPem": "..."}}}, each certificate for <appId>.<privateDnsZoneName>. Empty: peer calls are plain HTTP inside the virtual network, authenticated by the peer secret.')
@secure()
param peerTls object = {}

@description('Azure Cache for Redis tier: Basic, Standard or Premium.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param redisSku string = 'Basic'

@description('Size within the Redis tier (C0-C6, P1-P5).')
@minValue(0)
@maxValue(6)
param redisCapacity int = 0

@description('host:port (TLS) of a Redis you already have, instead of creating an Azure Cache for Redis; it must be reachable from the container subnet.')
param existingRedisAddress string = ''

@description('Password of that Redis.')
@secure()
param existingRedisPassword string = ''

@description('Login server of the registry holding the images (myregistry.azurecr.io); empty when every image is public.')
param registryServer string = ''

@description('Name of a user-assigned managed identity in this resource group with AcrPull on the registry; the container groups and web apps pull with it. Empty: use registryUsername and registryPassword.')
param registryIdentityName string = ''

@description('Registry user name (an ACR token or the admin user) when no identity is given.')
param registryUsername string = ''

@description('Registry password when no identity is given.')
@secure()
param registryPassword string = ''

@description('Address ranges (CIDR) besides the satcars that may call the apps, e.g. your own address for curl; empty for none.')
param allowedClientRanges string[] = []

@description('The private DNS zone in which satcars and Consul get their names.')
param privateDnsZoneName string = 'satcar.internal'

@description('Address space of the virtual network.')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Subnet of the container groups.')
param containerSubnetPrefix string = '10.40.1.0/24'

@description('Subnet of the apps (VNet integration or the ASE).')
param appsSubnetPrefix string = '10.40.2.0/24'

@description('Subnet of the private endpoints.')
param privateEndpointSubnetPrefix string = '10.40.3.0/24'

@description('Tags for every resource.')
param tags object = {}

var suffix = take(uniqueString(resourceGroup().id, namePrefix), 6)
var componentsShareName = 'components'
var configShareName = 'config'
var createRedis = empty(existingRedisAddress)
var peerTlsEnabled = !empty(peerTls)

resource registryIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = if (!empty(registryIdentityName)) {
  name: registryIdentityName
}

var registryIdentityId = empty(registryIdentityName) ? '' : registryIdentity.id

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: '${namePrefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    namePrefix: namePrefix
    addressPrefix: vnetAddressPrefix
    containerSubnetPrefix: containerSubnetPrefix
    appsSubnetPrefix: appsSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    useAse: useAse
    privateDnsZoneName: privateDnsZoneName
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    name: take('${toLower(replace(namePrefix, '-', ''))}res${suffix}', 24)
    shareNames: [
      componentsShareName
      configShareName
    ]
    tags: tags
  }
}

module redis 'modules/redis.bicep' = if (createRedis) {
  name: 'redis'
  params: {
    location: location
    name: '${namePrefix}-redis-${suffix}'
    skuName: redisSku
    capacity: redisCapacity
    vnetId: network.outputs.vnetId
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    tags: tags
  }
}

resource cache 'Microsoft.Cache/redis@2024-11-01' existing = if (createRedis) {
  name: '${namePrefix}-redis-${suffix}'
  dependsOn: [
    redis
  ]
}

module consul 'modules/consul.bicep' = {
  name: 'consul'
  params: {
    location: location
    name: '${namePrefix}-consul'
    image: consulImage
    subnetId: network.outputs.containerSubnetId
    privateDnsZoneName: network.outputs.privateDnsZoneName
    recordName: 'consul'
    logAnalyticsWorkspaceName: workspace.name
    registryServer: startsWith(consulImage, '${registryServer}/') ? registryServer : ''
    registryIdentityId: registryIdentityId
    registryUsername: registryUsername
    registryPassword: registryPassword
    tags: tags
  }
}

module hosting 'modules/appHosting.bicep' = {
  name: 'app-hosting'
  params: {
    location: location
    namePrefix: namePrefix
    useAse: useAse
    planSku: appServicePlanSku
    isolatedPlanSku: isolatedPlanSku
    appsSubnetId: network.outputs.appsSubnetId
    vnetId: network.outputs.vnetId
    tags: tags
  }
}

module appSites 'modules/app.bicep' = [
  for app in apps: {
    name: 'app-${app.appId}'
    params: {
      location: location
      name: take('${namePrefix}-${app.appId}-${suffix}', 60)
      appId: app.appId
      image: app.image
      port: app.?port ?? 8080
      healthPath: app.?healthPath ?? '/healthz'
      planId: hosting.outputs.planId
      aseId: hosting.outputs.aseId
      vnetIntegrationSubnetId: useAse ? '' : network.outputs.appsSubnetId
      satcarUrl: 'http://${app.appId}.${privateDnsZoneName}:3500'
      apiToken: daprApiTokens[app.appId]
      // Outside an ASE the satcars reach the apps' public front end through the NAT gateway; inside an
      // internal ASE they reach its load balancer from their own subnet.
      satcarSourceRanges: useAse ? [containerSubnetPrefix] : ['${network.outputs.natPublicIpAddress}/32']
      clientSourceRanges: allowedClientRanges
      logAnalyticsWorkspaceId: workspace.id
      registryServer: registryServer
      registryIdentityId: registryIdentityId
      registryIdentityClientId: empty(registryIdentityName) ? '' : registryIdentity!.properties.clientId
      registryUsername: registryUsername
      registryPassword: registryPassword
      tags: tags
    }
  }
]

module satcars 'modules/satcar.bicep' = [
  for (app, i) in apps: if (deploySatcars) {
    name: 'satcar-${app.appId}'
    params: {
      location: location
      name: '${namePrefix}-satcar-${app.appId}'
      appId: app.appId
      appUrl: 'https://${appSites[i].outputs.defaultHostName}'
      appHealthPath: app.?healthPath ?? '/healthz'
      image: satcarImage
      cpu: satcarCpu
      memoryInGB: satcarMemoryInGB
      subnetId: network.outputs.containerSubnetId
      privateDnsZoneName: network.outputs.privateDnsZoneName
      storageAccountName: storage.outputs.name
      componentsShareName: componentsShareName
      configShareName: configShareName
      consulHost: consul.outputs.fqdn
      consulPort: consul.outputs.httpPort
      redisAddress: createRedis ? redis!.outputs.address : existingRedisAddress
      redisPassword: createRedis ? cache!.listKeys().primaryKey : existingRedisPassword
      apiToken: daprApiTokens[app.appId]
      peerSecret: satcarPeerSecret
      peerTlsCertPem: peerTlsEnabled ? peerTls.satcars[app.appId].certPem : ''
      peerTlsKeyPem: peerTlsEnabled ? peerTls.satcars[app.appId].keyPem : ''
      peerTlsCaPem: peerTlsEnabled ? peerTls.caPem : ''
      logAnalyticsWorkspaceName: workspace.name
      registryServer: registryServer
      registryIdentityId: registryIdentityId
      registryUsername: registryUsername
      registryPassword: registryPassword
      tags: tags
    }
  }
]

@description('Each app\'s satcar: app id, private address (empty until deploySatcars), DNS name and the URL its link calls.')
output satcars object[] = [
  for (app, i) in apps: {
    appId: app.appId
    privateIp: deploySatcars ? satcars[i]!.outputs.privateIp : ''
    fqdn: '${app.appId}.${privateDnsZoneName}'
    url: 'http://${app.appId}.${privateDnsZoneName}:3500'
  }
]

@description('Each app\'s URL (its satcar\'s --app-url).')
output appUrls object[] = [
  for (app, i) in apps: {
    appId: app.appId
    url: 'https://${appSites[i].outputs.defaultHostName}'
  }
]

@description('Consul\'s private address and name (its HTTP API and UI on port 8500, inside the virtual network).')
output consul object = {
  privateIp: consul.outputs.privateIp
  fqdn: consul.outputs.fqdn
}

@description('The storage account whose file shares hold the Dapr resources.')
output storageAccountName string = storage.outputs.name

@description('The file share mounted at /components.')
output componentsShareName string = componentsShareName

@description('The file share mounted at /config.')
output configShareName string = configShareName

@description('host:port of the Redis the satcars use.')
output redisAddress string = createRedis ? redis!.outputs.address : existingRedisAddress

@description('The public address of the NAT gateway: all outbound traffic of the network, the satcars\' calls to the apps included.')
output natPublicIpAddress string = network.outputs.natPublicIpAddress
