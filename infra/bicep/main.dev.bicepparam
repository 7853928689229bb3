// Parameters of a development environment. Deploy with:
//   export LEDGER_APP1_API_KEY="$(openssl rand -base64 32)"
//   az deployment group create --resource-group rg-ledger-dev \
//     --template-file infra/bicep/main.bicep --parameters infra/bicep/main.dev.bicepparam
// The API key is read from the environment at deploy time and is never stored in this repository.
using 'main.bicep'

param namePrefix = 'ledgerdev'
param location = 'swedencentral'
param tags = {
  environment: 'dev'
  workload: 'credit-ledger'
}

// Pay per request while the app is idle most of the time.
param cosmosThroughputMode = 'serverless'
param cosmosBackupTier = 'Continuous7Days'

param maximumInstanceCount = 40
param instanceMemoryMB = 2048
// No always-ready instance in dev: a saga may wait for a cold start, which is acceptable there.
param durableAlwaysReadyInstances = 0

param logRetentionInDays = 30

param app1ApiKey = readEnvironmentVariable('LEDGER_APP1_API_KEY')
