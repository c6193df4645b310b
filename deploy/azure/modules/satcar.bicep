// One satcar: `satcar run` for one app in a container group on a private address of the container
// subnet (the seed's ACI "satcar"), with the Dapr resources from the file shares at /components and
// /config, and a name in the private DNS zone (<app id>.<zone>) that its link, its peers and Consul use.
// The app itself runs elsewhere (App Service) and is reached on its own URL (--app-url).

@description('Azure region.')
param location string

@description('Name of the container group.')
param name string

@description('The app id (--app-id).')
param appId string

@description('The app\'s base URL (--app-url), e.g. https://orderstore.azurewebsites.net.')
param appUrl string

@description('The path of the app\'s health endpoint (--app-health-check-path).')
param appHealthPath string

@description('The satcar image (deploy/docker/Dockerfile).')
param image string

@description('CPU cores of the container.')
@minValue(1)
param cpu int

@description('Memory of the container, in GB.')
@minValue(1)
param memoryInGB int

@description('The subnet of the container groups.')
param subnetId string

@description('The private DNS zone in which this satcar gets the record <app id>.')
param privateDnsZoneName string

@description('Storage account holding the file shares.')
param storageAccountName string

@description('The file share mounted at /components (--resources-path).')
param componentsShareName string

@description('The file share mounted at /config; the satcar reads /config/config.yaml (--config).')
param configShareName string

@description('host:port of Consul\'s HTTP API, given to the Configuration as CONSUL_HOST and CONSUL_PORT.')
param consulHost string

@description('Consul\'s HTTP API port.')
param consulPort int

@description('host:port of Redis, given to the components as REDIS_ADDRESS.')
param redisAddress string

@description('The Redis access key, given to the components as REDIS_PASSWORD.')
@secure()
param redisPassword string

@description('The satcar\'s API token (DAPR_API_TOKEN); the app\'s link adds it to every call.')
@secure()
@minLength(16)
param apiToken string

@description('The secret all satcars share to authenticate peer calls (SATCAR_PEER_SECRET), at least 16 characters.')
@secure()
@minLength(16)
param peerSecret string

@description('PEM certificate of this satcar\'s peer port, for <app id>.<zone>; empty for a peer port without TLS.')
@secure()
param peerTlsCertPem string

@description('PEM private key of that certificate.')
@secure()
param peerTlsKeyPem string

@description('PEM CA that peer certificates are checked against.')
@secure()
param peerTlsCaPem string

@description('Log Analytics workspace (in this resource group) that receives the container logs.')
param logAnalyticsWorkspaceName string

@description('Login server of a private registry holding the image; empty for a public image.')
param registryServer string

@description('Resource ID of a user-assigned identity with AcrPull on the registry; empty to use a user name and password.')
param registryIdentityId string

@description('User name for the registry when no identity is given.')
param registryUsername string

@description('Password for the registry when no identity is given.')
@secure()
param registryPassword string

@description('Tags for every resource.')
param tags object

var httpPort = 3500
var grpcPort = 50001
var peerPort = 50002
var hostAddress = '${appId}.${privateDnsZoneName}'
var peerTls = !empty(peerTlsCertPem)

var runFlags = [
  'run'
  '--app-id'
  appId
  '--app-url'
  appUrl
  '--dapr-http-port'
  string(httpPort)
  '--dapr-grpc-port'
  string(grpcPort)
  '--dapr-internal-grpc-port'
  string(peerPort)
  '--host-address'
  hostAddress
  '--resources-path'
  '/components'
  '--config'
  '/config/config.yaml'
  '--enable-app-health-check'
  '--app-health-check-path'
  appHealthPath
  '--log-as-json'
]
var peerTlsFlags = [
  '--peer-tls-cert-file'
  '/peer-tls/tls.crt'
  '--peer-tls-key-file'
  '/peer-tls/tls.key'
  '--peer-tls-ca-file'
  '/peer-tls/ca.crt'
]

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource satcar 'Microsoft.ContainerInstance/containerGroups@2025-09-01' = {
  name: name
  location: location
  tags: tags
  identity: empty(registryIdentityId)
    ? null
    : {
        type: 'UserAssigned'
        userAssignedIdentities: {
          '${registryIdentityId}': {}
        }
      }
  properties: {
    osType: 'Linux'
    sku: 'Standard'
    restartPolicy: 'Always'
    subnetIds: [
      {
        id: subnetId
      }
    ]
    // The gRPC port stays inside the group: links carry gRPC to the HTTP port as gRPC-Web.
    ipAddress: {
      type: 'Private'
      ports: [
        {
          port: httpPort
          protocol: 'TCP'
        }
        {
          port: peerPort
          protocol: 'TCP'
        }
      ]
    }
    imageRegistryCredentials: empty(registryServer)
      ? []
      : [
          empty(registryIdentityId)
            ? {
                server: registryServer
                username: registryUsername
                password: registryPassword
              }
            : {
                server: registryServer
                identity: registryIdentityId
              }
        ]
    containers: [
      {
        name: 'satcar'
        properties: {
          image: image
          // A command replaces the image's entry point, so it names dotnet and satcar.dll itself.
          command: concat(['dotnet', '/app/satcar.dll'], runFlags, peerTls ? peerTlsFlags : [])
          ports: [
            {
              port: httpPort
              protocol: 'TCP'
            }
            {
              port: peerPort
              protocol: 'TCP'
            }
          ]
          environmentVariables: [
            {
              name: 'DAPR_API_TOKEN'
              secureValue: apiToken
            }
            {
              name: 'SATCAR_PEER_SECRET'
              secureValue: peerSecret
            }
            {
              name: 'REDIS_ADDRESS'
              value: redisAddress
            }
            {
              name: 'REDIS_PASSWORD'
              secureValue: redisPassword
            }
            {
              name: 'CONSUL_HOST'
              value: consulHost
            }
            {
              name: 'CONSUL_PORT'
              value: string(consulPort)
            }
          ]
          resources: {
            requests: {
              cpu: cpu
              memoryInGB: memoryInGB
            }
          }
          volumeMounts: concat(
            [
              {
                name: 'components'
                mountPath: '/components'
                readOnly: true
              }
              {
                name: 'config'
                mountPath: '/config'
                readOnly: true
              }
            ],
            peerTls
              ? [
                  {
                    name: 'peer-tls'
                    mountPath: '/peer-tls'
                    readOnly: true
                  }
                ]
              : []
          )
          // The satcar's own health: components and name resolution up. Not /v1.0/healthz, which also
          // waits for the app, because restarting the satcar does not help an app that is down. The probe
          // runs inside the container (the image has bash but no curl), so no network rule can stop it.
          livenessProbe: {
            exec: {
              command: [
                'bash'
                '-c'
                'exec 3<>/dev/tcp/127.0.0.1/${httpPort} && printf \'GET /v1.0/healthz/outbound HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n\' >&3 && head -n 1 <&3 | grep -q \' 204 \''
              ]
            }
            initialDelaySeconds: 30
            periodSeconds: 15
            failureThreshold: 4
          }
        }
      }
    ]
    volumes: concat(
      [
        {
          name: 'components'
          azureFile: {
            shareName: componentsShareName
            storageAccountName: storage.name
            storageAccountKey: storage.listKeys().keys[0].value
            readOnly: true
          }
        }
        {
          name: 'config'
          azureFile: {
            shareName: configShareName
            storageAccountName: storage.name
            storageAccountKey: storage.listKeys().keys[0].value
            readOnly: true
          }
        }
      ],
      peerTls
        ? [
            {
              // A secret volume: files on a memory file system, their content never returned by the API.
              name: 'peer-tls'
              secret: {
                'tls.crt': base64(peerTlsCertPem)
                'tls.key': base64(peerTlsKeyPem)
                'ca.crt': base64(peerTlsCaPem)
              }
            }
          ]
        : []
    )
    diagnostics: {
      logAnalytics: {
        workspaceId: workspace.properties.customerId
        workspaceKey: workspace.listKeys().primarySharedKey
        logType: 'ContainerInstanceLogs'
      }
    }
  }
}

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  name: privateDnsZoneName
}

// Container groups in a virtual network get a private address that can change when the group is
// re-created; the name stays. Redeploying the template updates the record.
resource record 'Microsoft.Network/privateDnsZones/A@2024-06-01' = {
  parent: zone
  name: appId
  properties: {
    ttl: 30
    aRecords: [
      {
        ipv4Address: satcar.properties.ipAddress!.ip!
      }
    ]
  }
}

@description('The satcar\'s private address.')
output privateIp string = satcar.properties.ipAddress!.ip!

@description('The satcar\'s name: its --host-address, what its link and its peers use.')
output fqdn string = hostAddress

@description('The satcar\'s Dapr HTTP API, as its link calls it.')
output url string = 'http://${hostAddress}:${httpPort}'
