using System.Text.Json;
using Ledger.Storage;

namespace Ledger.Store.Cosmos;

/// <summary>
/// The JSON shape of a ledger document in the Cosmos DB container:
/// <c>{ "id", "pk", "type", "sortKey", "indexKey", "committedAt", "body" | "bodyBase64" }</c> plus the
/// system properties Cosmos DB adds (<c>_etag</c>, <c>_ts</c>, ...). Written with
/// <see cref="Utf8JsonWriter"/> straight into the request stream, so a body is never serialized twice.
/// </summary>
internal static class DocumentEnvelope
{
    public const string IdProperty = "id";
    public const string PartitionProperty = "pk";
    public const string TypeProperty = "type";
    public const string SortKeyProperty = "sortKey";
    public const string IndexKeyProperty = "indexKey";
    public const string CommittedAtProperty = "committedAt";
    public const string BodyProperty = "body";
    public const string BodyBase64Property = "bodyBase64";
    public const string ETagProperty = "_etag";
    public const string TimestampProperty = "_ts";

    /// <summary>The partition key path of the ledger container.</summary>
    public const string PartitionKeyPath = "/" + PartitionProperty;

    /// <summary>Fixed bytes of an envelope besides id, partition, type, keys and body; used to bound batch payloads.</summary>
    public const int EnvelopeOverheadBytes = 160;

    /// <summary>Writes the envelope of <paramref name="write"/> into a new stream positioned at its start.</summary>
    public static MemoryStream Write(string partition, DocumentWrite write, DateTimeOffset committedAt)
    {
        var stream = new MemoryStream(write.Body.Length + EnvelopeOverheadBytes + write.Id.Length + partition.Length + write.Type.Length);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString(IdProperty, write.Id);
            writer.WriteString(PartitionProperty, partition);
            writer.WriteString(TypeProperty, write.Type);

            // Absent keys are written as explicit nulls: Cosmos DB orders null before every string, and a
            // document whose property is undefined would drop out of ORDER BY results altogether.
            if (write.SortKey is { } sortKey)
            {
                writer.WriteString(SortKeyProperty, SortKeyEncoding.Encode(sortKey));
            }
            else
            {
                writer.WriteNull(SortKeyProperty);
            }

            if (write.IndexKey is { } indexKey)
            {
                writer.WriteString(IndexKeyProperty, indexKey);
            }
            else
            {
                writer.WriteNull(IndexKeyProperty);
            }

            writer.WriteString(CommittedAtProperty, committedAt.ToUniversalTime());
            WriteBody(writer, write.Body.Span);
            writer.WriteEndObject();
        }

        stream.Position = 0;
        return stream;
    }

    /// <summary>Writes the body as embedded JSON when that round-trips exactly, otherwise as base64.</summary>
    public static void WriteBody(Utf8JsonWriter writer, ReadOnlySpan<byte> body)
    {
        if (CanonicalJson.IsCanonical(body))
        {
            writer.WritePropertyName(BodyProperty);
            writer.WriteRawValue(body, skipInputValidation: true);
        }
        else
        {
            writer.WriteBase64String(BodyBase64Property, body);
        }
    }

    /// <summary>Upper bound of the envelope size of one write, before it is written.</summary>
    public static long EstimateSize(string partition, DocumentWrite write)
    {
        // Base64 grows a body by a third; escaping can at most grow a JSON body's strings six-fold, but an
        // embedded body is canonical and already escaped, so it is carried byte for byte.
        long bodyBytes = ((long)write.Body.Length + 2) / 3 * 4;
        return bodyBytes + EnvelopeOverheadBytes + (6L * (write.Id.Length + partition.Length + write.Type.Length + (write.IndexKey?.Length ?? 0)));
    }

    /// <summary>Reads one envelope as Cosmos DB returns it.</summary>
    public static StoredDocument Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("A ledger container item is not a JSON object.");
        }

        var id = RequireString(element, IdProperty, "(unknown)");
        var partition = RequireString(element, PartitionProperty, id);
        var type = RequireString(element, TypeProperty, id);
        var etag = RequireString(element, ETagProperty, id);

        long? sortKey = element.TryGetProperty(SortKeyProperty, out var sortKeyElement) && sortKeyElement.ValueKind == JsonValueKind.String
            ? SortKeyEncoding.Decode(sortKeyElement.GetString()!)
            : null;
        string? indexKey = element.TryGetProperty(IndexKeyProperty, out var indexKeyElement) && indexKeyElement.ValueKind == JsonValueKind.String
            ? indexKeyElement.GetString()
            : null;

        return new StoredDocument(partition, id, type, sortKey, indexKey, ReadBody(element, id), etag, ReadCommittedAt(element, id));
    }

    /// <summary>Reads a feed page (<c>{"Documents":[...]}</c>) of a query or of the change feed.</summary>
    public static async Task<List<StoredDocument>> ReadFeedAsync(Stream content, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(content, default, cancellationToken).ConfigureAwait(false);
        if (!document.RootElement.TryGetProperty("Documents", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidOperationException("A Cosmos DB feed response has no Documents array.");
        }

        var documents = new List<StoredDocument>(items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            documents.Add(Read(item));
        }

        return documents;
    }

    /// <summary>Reads a single item (a point read).</summary>
    public static async Task<StoredDocument> ReadItemAsync(Stream content, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(content, default, cancellationToken).ConfigureAwait(false);
        return Read(document.RootElement);
    }

    private static ReadOnlyMemory<byte> ReadBody(JsonElement element, string id)
    {
        if (element.TryGetProperty(BodyProperty, out var body))
        {
            return CanonicalJson.ToCanonicalBytes(body);
        }

        if (element.TryGetProperty(BodyBase64Property, out var base64) && base64.ValueKind == JsonValueKind.String)
        {
            return base64.GetBytesFromBase64();
        }

        throw new InvalidOperationException($"Ledger document '{id}' has neither '{BodyProperty}' nor '{BodyBase64Property}'.");
    }

    private static DateTimeOffset ReadCommittedAt(JsonElement element, string id)
    {
        if (element.TryGetProperty(CommittedAtProperty, out var committedAt) && committedAt.ValueKind == JsonValueKind.String)
        {
            if (committedAt.TryGetDateTimeOffset(out var parsed))
            {
                return parsed;
            }

            throw new InvalidOperationException($"Ledger document '{id}' has an unreadable '{CommittedAtProperty}'.");
        }

        // A document written by another tool has no committedAt; the server's own second-resolution
        // timestamp is the next best thing.
        if (element.TryGetProperty(TimestampProperty, out var timestamp) && timestamp.TryGetInt64(out var seconds))
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        throw new InvalidOperationException($"Ledger document '{id}' has neither '{CommittedAtProperty}' nor '{TimestampProperty}'.");
    }

    private static string RequireString(JsonElement element, string property, string id)
    {
        if (element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        throw new InvalidOperationException($"Ledger document '{id}' has no string '{property}'.");
    }
}
