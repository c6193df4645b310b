// An example parameter file for main.bicep: the order demo (samples/hello-satcar) with images in an
// Azure Container Registry. docs/deploy.md walks through building the images, creating the pull identity,
// the two-pass first deployment and uploading the Dapr resources.
//
//   export SATCAR_PEER_SECRET=$(openssl rand -hex 32)
//   export ORDERPUBLISHER_API_TOKEN=$(openssl rand -hex 32) ORDERSTORE_API_TOKEN=$(openssl rand -hex 32)
//   az deployment group create -g satcar-demo -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam
//
// The secrets are read from the environment when the file is compiled; they never appear in it.
using './main.bicep'

// Your registry's login server.
var registry = 'myregistry.azurecr.io'
var version = '0.1.0'

param namePrefix = 'hello'

param satcarImage = '${registry}/satcar:${version}'

param apps = [
  {
    appId: 'orderpublisher'
    image: '${registry}/hello-satcar-orderpublisher:${version}'
  }
  {
    appId: 'orderstore'
    image: '${registry}/hello-satcar-orderstore:${version}'
  }
]

// `az acr import` it into your registry first: Docker Hub limits anonymous pulls.
param consulImage = '${registry}/hashicorp/consul:1.22'

param registryServer = registry

// A user-assigned identity in the deployment's resource group with AcrPull on the registry.
param registryIdentityName = 'satcar-acr-pull'

// false: a plain App Service plan with VNet integration. true: an App Service Environment v3, as in the seed
// (hours to create, and costly).
param useAse = false

// The first deployment of a resource group: false, then upload the resources, then deploy again with true.
param deploySatcars = bool(readEnvironmentVariable('SATCAR_DEPLOY_SATCARS', 'true'))

param satcarPeerSecret = readEnvironmentVariable('SATCAR_PEER_SECRET')

param daprApiTokens = {
  orderpublisher: readEnvironmentVariable('ORDERPUBLISHER_API_TOKEN')
  orderstore: readEnvironmentVariable('ORDERSTORE_API_TOKEN')
}

param tags = {
  project: 'satcar'
  purpose: 'demo'
}
