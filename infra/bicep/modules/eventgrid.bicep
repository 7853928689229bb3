// Event Grid custom topic for ledger notifications (postings, transfers, low balances), published as
// CloudEvents 1.0. Access keys and SAS tokens are disabled: publishers authenticate with Microsoft Entra
// ID and need EventGrid Data Sender on this topic (roles.bicep). Subscriptions are added per consumer.

@description('Topic name: 3-50 letters, digits and hyphens.')
@minLength(3)
@maxLength(50)
param name string

param location string
param tags object

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    minimumTlsVersionAllowed: '1.2'
  }
}

output name string = topic.name
output id string = topic.id
output endpoint string = topic.properties.endpoint
