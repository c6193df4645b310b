// The storage account whose file shares hold the Dapr resources every satcar reads, as in the seed:
// components (mounted at /components) and the Configuration (mounted at /config). Azure Files is the
// only shared storage Azure Container Instances can mount. The satcars re-read the components folder
// every few seconds, so a component uploaded or changed on the share takes effect without a restart.

@description('Azure region.')
param location string

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Names of the file shares to create.')
param shareNames string[]

@description('Tags for every resource.')
param tags object

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Container Instances mounts Azure Files with the account key only.
    allowSharedKeyAccess: true
    publicNetworkAccess: 'Enabled'
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource shares 'Microsoft.Storage/storageAccounts/fileServices/shares@2025-06-01' = [
  for shareName in shareNames: {
    parent: fileService
    name: shareName
    properties: {
      shareQuota: 1
      enabledProtocols: 'SMB'
    }
  }
]

@description('Name of the storage account.')
output name string = account.name
