// Role assignments of the Function App's system-assigned identity. Each one is scoped to the single
// resource it is for, and each is a data-plane role: the identity can read and write data, never
// manage, re-key or delete the resources themselves.

@description('Object (principal) id of the Function App system-assigned identity.')
param principalId string

param storageAccountName string

@description('Blob container of the CSV export files, in that storage account.')
param exportsContainerName string
param appInsightsName string
param eventGridTopicName string
param cosmosAccountName string

@description('Grant Monitoring Metrics Publisher (needed when Application Insights only accepts Entra-authenticated telemetry).')
param grantMonitoringMetricsPublisher bool

// Built-in Azure role definition ids (the same in every tenant).
var storageRoles = [
  {
    // Functions host: keys, timer schedules and singleton leases in blobs; Flex deployment package;
    // Durable Functions: task hub leases and large messages. Owner rather than Contributor because it
    // is the role the Functions documentation requires for an identity-based AzureWebJobsStorage.
    roleId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
    roleName: 'Storage Blob Data Owner'
  }
  {
    // Durable Functions: control and work-item queues of the task hub.
    roleId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
    roleName: 'Storage Queue Data Contributor'
  }
  {
    // Durable Functions: History, Instances and Partitions tables of the task hub.
    roleId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    roleName: 'Storage Table Data Contributor'
  }
]

// The export files: read and write blobs of that one container. Blob Data Owner on the account covers it today;
// this assignment states what the exports need, and keeps them working if the host's storage role narrows.
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
var eventGridDataSenderRoleId = 'd5a91429-5739-47e2-a06b-3470a27159e7'

// Cosmos DB data-plane built-in role "Cosmos DB Built-in Data Contributor" (a Cosmos DB SQL role, not
// an Azure RBAC role): read/write items, queries, change feed, transactional batches; no
// container/database management.
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' existing = {
  parent: storage
  name: 'default'
}

resource exportsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' existing = {
  parent: blobService
  name: exportsContainerName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: eventGridTopicName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' existing = {
  name: cosmosAccountName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, principalId, role.roleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.roleName} for the ledger Function App'
  }
}]

resource exportsBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(exportsContainer.id, principalId, storageBlobDataContributorRoleId)
  scope: exportsContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Storage Blob Data Contributor: CSV export files of the ledger Function App'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantMonitoringMetricsPublisher) {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Monitoring Metrics Publisher: Entra-authenticated telemetry from the ledger Function App'
  }
}

resource eventGridSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, principalId, eventGridDataSenderRoleId)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSenderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'EventGrid Data Sender: ledger notifications from the Function App'
  }
}

// Scoped to the account, which holds nothing but the ledger database: the SDK and the change-feed
// processor read account metadata at the account root when they start.
resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: cosmos
  name: guid(cosmos.id, principalId, cosmosDataContributorRoleId)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    principalId: principalId
    scope: cosmos.id
  }
}
