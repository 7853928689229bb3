// The Functions app on the Flex Consumption plan (Linux, .NET isolated worker) with a system-assigned
// managed identity. Every connection is identity-based: storage (AzureWebJobsStorage__* for the host,
// Ledger__Exports__Blob__* for the export files), Cosmos DB (Ledger__Cosmos__*), Event Grid and
// Application Insights. The roles those need are granted in roles.bicep.
//
// Flex Consumption sets the runtime in functionAppConfig.runtime; FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE are deprecated there and deliberately absent.

param planName string
param appName string
param location string
param tags object

@description('Name of the storage account used for AzureWebJobsStorage, Durable Functions and deployments.')
param storageAccountName string

@description('Primary blob endpoint of that account, ending in a slash.')
param storageBlobEndpoint string

@description('Blob container that receives the deployment package.')
param deploymentContainerName string

@description('Blob container of the CSV export files (Ledger:Exports:Blob:ContainerName).')
param exportsContainerName string

param appInsightsConnectionString string

@description('true when Application Insights only accepts Entra-authenticated telemetry.')
param appInsightsEntraAuth bool

param cosmosEndpoint string
param cosmosDatabaseName string
param cosmosLedgerContainerName string
param cosmosLeasesContainerName string

param eventGridTopicEndpoint string

@description('API key of app1 (Ledger:Apps:app1:ApiKeys:0).')
@secure()
param app1ApiKey string

@description('.NET isolated worker version on Flex Consumption.')
param runtimeVersion string

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Always-ready instances for the durable scale group (orchestrator and activity functions); 0 turns it off.')
@minValue(0)
param durableAlwaysReadyInstances int

@description('Turn off basic (user/password) publishing credentials for FTP and SCM.')
param disableBasicPublishingCredentials bool

var alwaysReady = durableAlwaysReadyInstances > 0 ? [
  {
    name: 'durable'
    instanceCount: durableAlwaysReadyInstances
  }
] : []

// Names are the environment-variable form of the configuration keys the code reads ('__' is ':').
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
}

var appInsightsAuthSettings = appInsightsEntraAuth ? {
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
} : {}

var ledgerSettings = {
  Ledger__Store: 'Cosmos'
  Ledger__Cosmos__Endpoint: cosmosEndpoint
  Ledger__Cosmos__DatabaseName: cosmosDatabaseName
  Ledger__Cosmos__LedgerContainerName: cosmosLedgerContainerName
  Ledger__Cosmos__LeasesContainerName: cosmosLeasesContainerName
  Ledger__Cosmos__CreateIfMissing: 'false'
  // Export files in Blob Storage, reached with the app's identity, so every instance serves every file.
  Ledger__Exports__Store: 'Blob'
  Ledger__Exports__Blob__ServiceUri: storageBlobEndpoint
  Ledger__Exports__Blob__ContainerName: exportsContainerName
  Ledger__Notifications__EventGrid__Endpoint: eventGridTopicEndpoint
  Ledger__Notifications__EventGrid__UseManagedIdentity: 'true'
  Ledger__Apps__app1__ApiKeys__0: app1ApiKey
  // The app's operation catalog: the four shared operations are required, with exactly these meanings.
  Ledger__Apps__app1__Operations__DAILY_REWARD: '+1'
  Ledger__Apps__app1__Operations__SIGNUP_CREDIT: '+3'
  Ledger__Apps__app1__Operations__CREDIT_SPEND: '-1'
  Ledger__Apps__app1__Operations__CREDIT_ADD: '+10'
  Ledger__Apps__app1__Operations__CONTENT_CREATION: '-5'
  Ledger__Apps__app1__Operations__CONTENT_ACCESS: 'debit'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
    }
  }
}

// A separate config resource replaces the whole app-settings collection on every deployment, so the
// template stays the single source of truth for the settings.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, appInsightsAuthSettings, ledgerSettings)
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = if (disableBasicPublishingCredentials) {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = if (disableBasicPublishingCredentials) {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output id string = site.id
output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
