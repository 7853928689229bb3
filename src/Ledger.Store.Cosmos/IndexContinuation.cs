using System.Buffers.Text;
using System.Text.Json;
using Ledger.Storage;

namespace Ledger.Store.Cosmos;

/// <summary>
/// A keyset continuation of an index query: the (index key, partition, id) of the last document
/// returned. Unlike the SDK's cross-partition ORDER BY continuation it stays small, survives SDK
/// upgrades and partition splits, and means the same on every store. Form: <see cref="Prefix"/>
/// followed by base64url JSON <c>["indexKey","partition","id"]</c>.
/// </summary>
internal sealed record IndexContinuation(string IndexKey, string Partition, string Id)
{
    public const string Prefix = "ledger-ix1.";

    public static IndexContinuation After(StoredDocument document)
        => new(document.IndexKey ?? throw new InvalidOperationException($"Document '{document.Id}' came from an index query without an index key."), document.Partition, document.Id);

    public string Serialize()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new[] { IndexKey, Partition, Id }, CosmosJsonContext.Default.StringArray);
        return Prefix + Base64Url.EncodeToString(json);
    }

    public static IndexContinuation? Parse(string? continuation)
    {
        if (continuation is null)
        {
            return null;
        }

        try
        {
            if (!continuation.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw new FormatException("Unknown continuation form.");
            }

            var parts = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(continuation.AsSpan(Prefix.Length)), CosmosJsonContext.Default.StringArray);
            if (parts is not { Length: 3 } || parts.Any(string.IsNullOrEmpty))
            {
                throw new FormatException("A continuation holds index key, partition and id.");
            }

            return new IndexContinuation(parts[0], parts[1], parts[2]);
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            throw new ArgumentException("The index-query continuation is malformed; pass back a continuation this store returned.", nameof(continuation), exception);
        }
    }
}
