// Consul for the satcars' name resolution, as in the seed: ONE Consul server in a container group on a
// private address. This is a demo choice, not a production Consul: a single server (no quorum, no
// failover), no ACLs, no TLS, reachable by everything in the container subnet. Its data lives in an
// emptyDir volume, which survives a restart of the Consul process but not a re-creation of the group;
// satcars do not register again after Consul loses its state (docs/components/nameresolution.consul.md),
// so restart them after that. For production, point CONSUL_HOST at a real Consul cluster (HCP Consul or
// your own servers, with ACLs and TLS) and leave this module out.

@description('Azure region.')
param location string

@description('Name of the container group.')
param name string

@description('The Consul image, e.g. hashicorp/consul:1.22.')
param image string

@description('The subnet of the container groups.')
param subnetId string

@description('The private DNS zone that gets a record for Consul.')
param privateDnsZoneName string

@description('The name of Consul\'s record in that zone.')
param recordName string

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

var httpPort = 8500

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource consul 'Microsoft.ContainerInstance/containerGroups@2025-09-01' = {
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
    ipAddress: {
      type: 'Private'
      ports: [
        {
          port: httpPort
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
        name: 'consul'
        properties: {
          image: image
          // A command replaces the image's entry point, so it names the entry point script, which runs
          // Consul as its own user with /consul/data. One server that elects itself, its HTTP API (and UI)
          // on every interface, its cluster address on the container's private address.
          command: [
            'docker-entrypoint.sh'
            'agent'
            '-server'
            '-bootstrap-expect=1'
            '-node=${name}'
            '-client=0.0.0.0'
            '-bind={{ GetPrivateIP }}'
            '-ui'
          ]
          ports: [
            {
              port: httpPort
              protocol: 'TCP'
            }
          ]
          resources: {
            requests: {
              cpu: 1
              memoryInGB: 1
            }
          }
          volumeMounts: [
            {
              name: 'data'
              mountPath: '/consul/data'
            }
          ]
          // Inside the container (the image has curl), so no network rule can stop it.
          livenessProbe: {
            exec: {
              command: [
                'curl'
                '-fsS'
                '-o'
                '/dev/null'
                'http://127.0.0.1:${httpPort}/v1/status/leader'
              ]
            }
            initialDelaySeconds: 30
            periodSeconds: 15
            failureThreshold: 4
          }
        }
      }
    ]
    volumes: [
      {
        name: 'data'
        emptyDir: {}
      }
    ]
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

resource record 'Microsoft.Network/privateDnsZones/A@2024-06-01' = {
  parent: zone
  name: recordName
  properties: {
    ttl: 30
    aRecords: [
      {
        ipv4Address: consul.properties.ipAddress!.ip!
      }
    ]
  }
}

@description('Consul\'s private address.')
output privateIp string = consul.properties.ipAddress!.ip!

@description('Consul\'s name in the private DNS zone.')
output fqdn string = '${record.name}.${privateDnsZoneName}'

@description('Consul\'s HTTP API port.')
output httpPort int = httpPort
