using System.Text.Json.Serialization;

namespace Ledger.Store.Cosmos;

/// <summary>Source-generated System.Text.Json metadata for the store's own small documents.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(CheckpointDocument))]
internal sealed partial class CosmosJsonContext : JsonSerializerContext
{
}

/// <summary>A consumer's checkpoint in the leases container: id = consumer name, partition key /id.</summary>
internal sealed record CheckpointDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("continuation")] string Continuation,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt)
{
    public const string DocumentType = "ledger-checkpoint";
}
