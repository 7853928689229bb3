using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Ledger.Storage;

namespace Ledger.Engine;

/// <summary>Source-generated serialization for every stored document: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(AccountDocument))]
[JsonSerializable(typeof(EntryDocument))]
[JsonSerializable(typeof(ClaimDocument))]
[JsonSerializable(typeof(TransferDocument))]
[JsonSerializable(typeof(CreditRefusalDocument))]
[JsonSerializable(typeof(RefundTrackerDocument))]
[JsonSerializable(typeof(SnapshotDocument))]
[JsonSerializable(typeof(RefusalDocument))]
[JsonSerializable(typeof(CaptureMarkerDocument))]
public sealed partial class LedgerDocumentJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context every store write uses. It escapes only what JSON requires, so non-ASCII memos are
    /// stored as written (and Cosmos DB can keep them as JSON instead of opaque bytes). Bodies are data,
    /// never embedded in HTML, so HTML-safe escaping buys nothing here.
    /// </summary>
    public static LedgerDocumentJsonContext Documents { get; } = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}

/// <summary>Turns documents into store bodies and back, in one place.</summary>
public static class DocumentCodec
{
    public static byte[] Encode<T>(T document, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(document, typeInfo);

    public static T Decode<T>(StoredDocument stored, JsonTypeInfo<T> typeInfo)
        => JsonSerializer.Deserialize(stored.Body.Span, typeInfo)
           ?? throw new InvalidOperationException($"Stored document '{stored.Partition}/{stored.Id}' has an empty body.");

    public static T Decode<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> typeInfo)
        => JsonSerializer.Deserialize(body, typeInfo) ?? throw new InvalidOperationException("Stored document has an empty body.");
}
