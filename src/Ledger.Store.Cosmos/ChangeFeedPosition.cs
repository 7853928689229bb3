using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;

namespace Ledger.Store.Cosmos;

/// <summary>
/// Where a reader stands in the change feed: a Cosmos DB continuation token, and — only when the last
/// page had to be cut — which changes after that token were already handed out.
/// </summary>
/// <remarks>
/// The change feed keeps a transactional batch together: a page can hold more items than were asked
/// for, and its continuation lies after all of them. To give a reader at most <c>maxItems</c> without
/// losing the rest, the store hands out part of the page and stays at the old token, remembering the
/// handed-out changes by a hash of their <see cref="StoredDocument.ChangeId"/>; the next read repeats
/// the same token and skips them. The plain form is Cosmos DB's own token; the cut form is
/// <see cref="Prefix"/> followed by base64url JSON <c>{"t": token or null, "d": [hashes]}</c>.
/// </remarks>
internal sealed record ChangeFeedPosition(string? CosmosToken, IReadOnlySet<string> Delivered)
{
    public const string Prefix = "ledger-cf1.";

    private const int HashBytes = 12;

    /// <summary>Most remembered changes; a page holds at most a page size plus one batch.</summary>
    private const int MaxDelivered = StoreLimits.MaxPageSize + PartitionBatch.MaxWrites;

    public static ChangeFeedPosition Beginning { get; } = new(null, new HashSet<string>(StringComparer.Ordinal));

    public ChangeFeedStartFrom StartFrom()
        => CosmosToken is null ? ChangeFeedStartFrom.Beginning() : ChangeFeedStartFrom.ContinuationToken(CosmosToken);

    public bool WasDelivered(StoredDocument change) => Delivered.Count > 0 && Delivered.Contains(Hash(change));

    public static ChangeFeedPosition Parse(string? continuation)
    {
        if (string.IsNullOrEmpty(continuation))
        {
            return Beginning;
        }

        if (!continuation.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return new ChangeFeedPosition(continuation, Beginning.Delivered);
        }

        try
        {
            var json = Base64Url.DecodeFromChars(continuation.AsSpan(Prefix.Length));
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var token = root.GetProperty("t").ValueKind == JsonValueKind.Null ? null : root.GetProperty("t").GetString();
            var delivered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var hash in root.GetProperty("d").EnumerateArray())
            {
                delivered.Add(hash.GetString() ?? throw new FormatException("A delivered-change hash is null."));
            }

            if (delivered.Count > MaxDelivered)
            {
                throw new FormatException("Too many delivered changes.");
            }

            return new ChangeFeedPosition(token, delivered);
        }
        catch (Exception exception) when (exception is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ArgumentException("The change-feed continuation is malformed; pass back a continuation this store returned.", nameof(continuation), exception);
        }
    }

    /// <summary>The position after a whole page: Cosmos DB's token, nothing remembered.</summary>
    public static string After(string cosmosToken) => cosmosToken;

    /// <summary>The position inside a cut page: the old token plus what has been handed out so far.</summary>
    public string WithDelivered(IEnumerable<StoredDocument> handedOut)
    {
        var delivered = new HashSet<string>(Delivered, StringComparer.Ordinal);
        foreach (var change in handedOut)
        {
            delivered.Add(Hash(change));
        }

        return Serialize(CosmosToken, delivered);
    }

    public string Serialize() => Delivered.Count == 0 && CosmosToken is not null ? CosmosToken : Serialize(CosmosToken, Delivered);

    private static string Serialize(string? token, IReadOnlySet<string> delivered)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("t", token);
            writer.WriteStartArray("d");
            foreach (var hash in delivered.Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(hash);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Prefix + Base64Url.EncodeToString(stream.ToArray());
    }

    private static string Hash(StoredDocument change)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(change.ChangeId), digest);
        return Base64Url.EncodeToString(digest[..HashBytes]);
    }
}
