using System.Text.Json;
using Ledger.Storage;

namespace Ledger.Store.Cosmos;

/// <summary>
/// Reads ledger documents as the Cosmos DB change feed delivers them to a consumer outside this store
/// (the Azure Functions <c>CosmosDBTrigger</c>), so consumers see the same <see cref="StoredDocument"/>s
/// the store's own change feed gives them.
/// </summary>
public static class CosmosChangeFeedDocuments
{
    public static StoredDocument FromFeedItem(JsonElement item) => DocumentEnvelope.Read(item);

    public static IReadOnlyList<StoredDocument> FromFeedItems(IReadOnlyList<JsonElement> items)
    {
        var documents = new StoredDocument[items.Count];
        for (var index = 0; index < items.Count; index++)
        {
            documents[index] = DocumentEnvelope.Read(items[index]);
        }

        return documents;
    }
}
