// One app as a Linux container web app. Its image holds the app and satcar (deploy/docker/Dockerfile.sample);
// the image's entry point starts `satcar link --satcar-url $SATCAR_URL` beside the app, so the app finds
// its Dapr API on localhost:3500 (HTTP) and localhost:50001 (gRPC) as it would with a sidecar, while its
// satcar runs in a container group. A .NET app can instead host the link in-process
// (services.AddSatcarLink from Satcar.Link) and read the same SATCAR_URL and DAPR_API_TOKEN settings.
// Only the satcars (and the given client ranges) may call the app.

@description('Azure region.')
param location string

@description('Name of the web app (globally unique outside an ASE).')
param name string

@description('The app id; given to the app as APP_ID.')
param appId string

@description('The app\'s container image (app and satcar link).')
param image string

@description('The port the app listens on inside its container.')
param port int

@description('The app\'s health endpoint, probed by App Service.')
param healthPath string

@description('The App Service plan.')
param planId string

@description('The App Service Environment, or empty outside one.')
param aseId string

@description('The VNet integration subnet, or empty (apps in an ASE are in the network already).')
param vnetIntegrationSubnetId string

@description('The app\'s satcar, e.g. http://orderstore.satcar.internal:3500: what the link forwards to.')
param satcarUrl string

@description('The satcar\'s API token, which the link adds to every call (the image\'s entry point keeps it from the app).')
@secure()
@minLength(16)
param apiToken string

@description('Address ranges the satcars call the app from (the NAT gateway\'s address, or the container subnet inside an ASE).')
param satcarSourceRanges string[]

@description('More address ranges allowed to call the app (operators, tests); empty for none.')
param clientSourceRanges string[]

@description('Log Analytics workspace that receives the app\'s logs.')
param logAnalyticsWorkspaceId string

@description('Login server of a private registry holding the image; empty for a public image.')
param registryServer string

@description('Resource ID of a user-assigned identity with AcrPull on the registry; empty to use a user name and password.')
param registryIdentityId string

@description('Client ID of that identity.')
param registryIdentityClientId string

@description('User name for the registry when no identity is given.')
param registryUsername string

@description('Password for the registry when no identity is given.')
@secure()
param registryPassword string

@description('Tags for every resource.')
param tags object

var useRegistryIdentity = !empty(registryServer) && !empty(registryIdentityId)
var useRegistryPassword = !empty(registryServer) && empty(registryIdentityId) && !empty(registryUsername)

var satcarRules = [
  for (range, i) in satcarSourceRanges: {
    name: 'satcars-${i}'
    description: 'The satcars\' app channel'
    ipAddress: range
    action: 'Allow'
    priority: 100 + i
  }
]
var clientRules = [
  for (range, i) in clientSourceRanges: {
    name: 'clients-${i}'
    description: 'Allowed clients'
    ipAddress: range
    action: 'Allow'
    priority: 200 + i
  }
]

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'app,linux,container'
  identity: useRegistryIdentity
    ? {
        type: 'UserAssigned'
        userAssignedIdentities: {
          '${registryIdentityId}': {}
        }
      }
    : null
  properties: {
    serverFarmId: planId
    hostingEnvironmentProfile: empty(aseId)
      ? null
      : {
          id: aseId
        }
    virtualNetworkSubnetId: empty(vnetIntegrationSubnetId) ? null : vnetIntegrationSubnetId
    // All outbound traffic, the link's calls to the satcar included, goes through the virtual network.
    outboundVnetRouting: empty(vnetIntegrationSubnetId)
      ? null
      : {
          allTraffic: true
        }
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'DOCKER|${image}'
      acrUseManagedIdentityCreds: useRegistryIdentity
      acrUserManagedIdentityID: useRegistryIdentity ? registryIdentityClientId : null
      // The publisher sends orders from a background loop: the container must keep running without requests.
      alwaysOn: true
      healthCheckPath: healthPath
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      ipSecurityRestrictionsDefaultAction: 'Deny'
      ipSecurityRestrictions: concat(satcarRules, clientRules)
      // Deployment and log streaming (the scm site) keep their own rules and Entra ID sign-in.
      scmIpSecurityRestrictionsUseMain: false
      appSettings: concat(
        [
          {
            name: 'WEBSITES_PORT'
            value: string(port)
          }
          {
            name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE'
            value: 'false'
          }
          {
            name: 'APP_ID'
            value: appId
          }
          {
            // Read by the image's entry point: start `satcar link --satcar-url $SATCAR_URL` beside the app.
            name: 'SATCAR_URL'
            value: satcarUrl
          }
          {
            // Where the app finds its Dapr API: the link on localhost.
            name: 'DAPR_HTTP_PORT'
            value: '3500'
          }
          {
            name: 'DAPR_GRPC_PORT'
            value: '50001'
          }
          {
            name: 'DAPR_API_TOKEN'
            value: apiToken
          }
        ],
        useRegistryPassword
          ? [
              {
                name: 'DOCKER_REGISTRY_SERVER_URL'
                value: 'https://${registryServer}'
              }
              {
                name: 'DOCKER_REGISTRY_SERVER_USERNAME'
                value: registryUsername
              }
              {
                name: 'DOCKER_REGISTRY_SERVER_PASSWORD'
                value: registryPassword
              }
            ]
          : []
      )
    }
  }
}

resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: site
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
  }
}

@description('Name of the web app.')
output name string = site.name

@description('The app\'s host name: <name>.azurewebsites.net, or <name>.<ase>.appserviceenvironment.net in an ASE.')
output defaultHostName string = site.properties.defaultHostName
