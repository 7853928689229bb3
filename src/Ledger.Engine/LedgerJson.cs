using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
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
    /// <summary>Each thread keeps one writer and its buffer between documents; one grown past this is let go.</summary>
    private const int MaxRetainedBufferBytes = 64 * 1024;

    [ThreadStatic]
    private static DocumentWriter? t_writer;

    /// <summary>
    /// Encodes with the source generator's fast path: the serializer itself takes its slower general path
    /// for these options, because they carry an encoder of their own. The generated code writes values
    /// through the writer, so a writer built with that same encoder gives the very same bytes (a test
    /// compares them). Any other context takes the serializer's own path. The bytes come back immutable:
    /// both paths return an array nobody else holds, so a store can keep it without copying it.
    /// </summary>
    public static ImmutableArray<byte> Encode<T>(T document, JsonTypeInfo<T> typeInfo)
    {
        if (typeInfo.SerializeHandler is not { } serialize || !ReferenceEquals(typeInfo.Options, LedgerDocumentJsonContext.Documents.Options))
        {
            return ImmutableCollectionsMarshal.AsImmutableArray(JsonSerializer.SerializeToUtf8Bytes(document, typeInfo));
        }

        // Taken, not borrowed: an encode that ever ran inside another would build its own writer.
        var writer = t_writer ?? new DocumentWriter(typeInfo.Options);
        t_writer = null;
        var encoded = writer.Write(document, serialize);
        if (writer.Capacity <= MaxRetainedBufferBytes)
        {
            t_writer = writer;
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(encoded);
    }

    public static T Decode<T>(StoredDocument stored, JsonTypeInfo<T> typeInfo)
        => JsonSerializer.Deserialize(stored.Body.Span, typeInfo)
           ?? throw new InvalidOperationException($"Stored document '{stored.Partition}/{stored.Id}' has an empty body.");

    public static T Decode<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> typeInfo)
        => JsonSerializer.Deserialize(body, typeInfo) ?? throw new InvalidOperationException("Stored document has an empty body.");
}

/// <summary>A JSON writer over a reusable buffer: one document at a time, the result copied out exactly sized.</summary>
internal sealed class DocumentWriter
{
    private readonly ArrayBufferWriter<byte> buffer = new(1024);
    private readonly Utf8JsonWriter writer;

    public DocumentWriter(JsonSerializerOptions options)
    {
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder, MaxDepth = options.MaxDepth, SkipValidation = true });
    }

    public int Capacity => buffer.Capacity;

    public byte[] Write<T>(T document, Action<Utf8JsonWriter, T> serialize)
    {
        try
        {
            serialize(writer, document);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            writer.Reset();
            buffer.ResetWrittenCount();
        }
    }
}
