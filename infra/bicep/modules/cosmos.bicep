// Cosmos DB for NoSQL: one account, the ledger database, the ledger container (one logical partition per
// account id, partition key path /pk) and the leases container of the change-feed consumers (/id).
// Keys are disabled: the Function App reaches the data plane with its managed identity through a
// Cosmos DB SQL role assignment (roles.bicep); the containers are created here, never by the app.

@description('Account name: 3-44 lowercase letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(44)
param accountName string

param location string
param tags object

param databaseName string
param ledgerContainerName string
param leasesContainerName string

@description('true: serverless account (no provisioned throughput); false: autoscale throughput shared by the database.')
param serverless bool

@description('Autoscale ceiling in RU/s for the database (ignored when serverless). Scales between 10% of it and it.')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Continuous backup (point-in-time restore) tier.')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param backupTier string

// The one place the ledger container's indexing policy lives; the Cosmos store checks the deployed
// container against the same file. Documents carry an opaque `body`, which is never indexed.
var ledgerIndexingPolicy = loadJsonContent('../ledger-indexing-policy.json')

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: backupTier
      }
    }
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    }
  }
}

resource ledgerContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: ledgerContainerName
  properties: {
    resource: {
      id: ledgerContainerName
      partitionKey: {
        paths: [
          '/pk'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: ledgerIndexingPolicy
    }
  }
}

resource leasesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: leasesContainerName
  properties: {
    resource: {
      id: leasesContainerName
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

output accountName string = account.name
output accountId string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output ledgerContainerName string = ledgerContainer.name
output leasesContainerName string = leasesContainer.name
