// Credit ledger on Azure: Functions app (Flex Consumption, .NET isolated worker) on Cosmos DB, with
// Durable Functions on the app's storage account, Event Grid notifications and Application Insights.
// Every connection uses the app's system-assigned managed identity; no resource hands out keys.
//
//   az deployment group create --resource-group <rg> \
//     --template-file infra/bicep/main.bicep --parameters infra/bicep/main.dev.bicepparam
//
// See docs/azure.md for the whole procedure and for what each role is for.

targetScope = 'resourceGroup'

@description('Short prefix of every resource name: 3-11 lowercase letters, digits or hyphens (for example "ledgerdev"); hyphens are dropped from the storage account name.')
@minLength(3)
@maxLength(11)
param namePrefix string

@description('Region of every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Tags added to every resource.')
param tags object = {}

// ---- Cosmos DB ----

@description('"autoscale": provisioned autoscale throughput shared by the ledger database; "serverless": pay per request.')
@allowed([
  'autoscale'
  'serverless'
])
param cosmosThroughputMode string = 'autoscale'

@description('Autoscale ceiling of the ledger database in RU/s (the floor is a tenth of it). Ignored when serverless.')
@minValue(1000)
@maxValue(1000000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Continuous backup tier (point-in-time restore window).')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param cosmosBackupTier string = 'Continuous7Days'

// ---- Function App ----

@description('.NET isolated worker version in functionAppConfig.runtime.version.')
param functionsRuntimeVersion string = '10.0'

@description('Most instances the app may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for Durable Functions (transfer sagas); 1 avoids cold starts of the saga, 0 saves cost.')
@minValue(0)
@maxValue(10)
param durableAlwaysReadyInstances int = 1

@description('Turn off basic-auth publishing credentials (deployments then authenticate with Microsoft Entra ID).')
param disableBasicPublishingCredentials bool = true

@description('API key of app1, stored as the app setting Ledger__Apps__app1__ApiKeys__0. Pass it at deploy time; never commit it.')
@secure()
@minLength(16)
param app1ApiKey string

// ---- Monitoring ----

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Accept only Microsoft Entra-authenticated telemetry in Application Insights.')
param appInsightsDisableLocalAuth bool = true

// ---- Names ----

var prefix = toLower(namePrefix)
var suffix = take(uniqueString(resourceGroup().id, prefix), 8)

var names = {
  // Storage account names allow only lowercase letters and digits.
  storage: 'st${replace(prefix, '-', '')}${suffix}'
  cosmos: 'cosmos-${prefix}-${suffix}'
  topic: 'evgt-${prefix}-${suffix}'
  logAnalytics: 'log-${prefix}-${suffix}'
  appInsights: 'appi-${prefix}-${suffix}'
  plan: 'plan-${prefix}-${suffix}'
  functionApp: 'func-${prefix}-${suffix}'
}

// Fixed by the code's configuration defaults (Ledger:Cosmos:*); change them together.
var cosmosDatabaseName = 'ledger'
var cosmosLedgerContainerName = 'ledger'
var cosmosLeasesContainerName = 'leases'

var deploymentContainerName = 'app-package'

// Ledger:Exports:Blob:ContainerName. The app would create it when missing; Bicep creates it so that the
// export role in roles.bicep has its scope.
var exportsContainerName = 'exports'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    disableLocalAuth: appInsightsDisableLocalAuth
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    exportsContainerName: exportsContainerName
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    accountName: names.cosmos
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    ledgerContainerName: cosmosLedgerContainerName
    leasesContainerName: cosmosLeasesContainerName
    serverless: cosmosThroughputMode == 'serverless'
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    backupTier: cosmosBackupTier
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    name: names.topic
    location: location
    tags: tags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: names.plan
    appName: names.functionApp
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    exportsContainerName: storage.outputs.exportsContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    appInsightsEntraAuth: appInsightsDisableLocalAuth
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    cosmosLedgerContainerName: cosmos.outputs.ledgerContainerName
    cosmosLeasesContainerName: cosmos.outputs.leasesContainerName
    eventGridTopicEndpoint: eventGrid.outputs.endpoint
    app1ApiKey: app1ApiKey
    runtimeVersion: functionsRuntimeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    disableBasicPublishingCredentials: disableBasicPublishingCredentials
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.name
    exportsContainerName: storage.outputs.exportsContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    eventGridTopicName: eventGrid.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    grantMonitoringMetricsPublisher: appInsightsDisableLocalAuth
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output functionAppPrincipalId string = functionApp.outputs.principalId
output cosmosEndpoint string = cosmos.outputs.endpoint
output cosmosAccountName string = cosmos.outputs.accountName
output eventGridTopicEndpoint string = eventGrid.outputs.endpoint
output storageAccountName string = storage.outputs.name
output appInsightsName string = monitoring.outputs.appInsightsName
