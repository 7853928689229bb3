using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ledger.Engine;
using Ledger.Storage;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>
/// Every document type goes into the Cosmos DB envelope and comes back byte for byte, also after the
/// service has re-serialized it: Cosmos DB keeps values, not bytes, so the tests re-write the stored
/// JSON with different string escaping and with every number as a double before reading it back.
/// </summary>
public sealed class EnvelopeRoundTripTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    public static TheoryData<string, byte[]> EngineDocuments() => new()
    {
        { DocumentTypes.Account, DocumentCodec.Encode(Account(), LedgerDocumentJsonContext.Default.AccountDocument).AsSpan().ToArray() },
        { DocumentTypes.Entry, DocumentCodec.Encode(Entry("content_unlock", memo: null), LedgerDocumentJsonContext.Default.EntryDocument).AsSpan().ToArray() },
        { DocumentTypes.Transfer, DocumentCodec.Encode(Transfer("transfer", expiresAt: null), LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray() },
        { "hold", DocumentCodec.Encode(Transfer("hold", expiresAt: At.AddMinutes(15)), LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray() },
        { DocumentTypes.IdempotencyClaim, DocumentCodec.Encode(Claim(), LedgerDocumentJsonContext.Default.ClaimDocument).AsSpan().ToArray() },
        { DocumentTypes.Snapshot, DocumentCodec.Encode(Snapshot(), LedgerDocumentJsonContext.Default.SnapshotDocument).AsSpan().ToArray() },
        { DocumentTypes.CreditRefusal, DocumentCodec.Encode(Refusal(), LedgerDocumentJsonContext.Default.CreditRefusalDocument).AsSpan().ToArray() },
        { DocumentTypes.RefundTracker, DocumentCodec.Encode(Tracker(), LedgerDocumentJsonContext.Default.RefundTrackerDocument).AsSpan().ToArray() },
        { "export", Encoding.UTF8.GetBytes("{\"export_id\":\"exp-7\",\"account_id\":\"alice\",\"format\":\"csv\",\"status\":\"completed\",\"rows\":1250,\"from\":\"2025-01-01T00:00:00+00:00\",\"to\":\"2025-02-01T00:00:00+00:00\",\"blob\":\"exports/exp-7.csv\"}") },
    };

    [Theory]
    [MemberData(nameof(EngineDocuments))]
    public void Every_engine_document_is_embedded_as_a_json_object_and_round_trips_byte_for_byte(string type, byte[] body)
    {
        var (envelope, stored) = RoundTrip(type, body, sortKey: 12, indexKey: "app|owner");

        Assert.Equal(JsonValueKind.Object, envelope.GetProperty("body").ValueKind);
        Assert.Equal(Encoding.UTF8.GetString(body), Encoding.UTF8.GetString(stored.Body.Span));
        Assert.Equal((type, 12L, "app|owner", At), (stored.Type, stored.SortKey!.Value, stored.IndexKey, stored.CommittedAt));
    }

    [Fact]
    public void Engine_documents_decode_back_to_equal_values()
    {
        Assert.Equal(Account(), Decode(Account(), LedgerDocumentJsonContext.Default.AccountDocument));
        Assert.Equal(Claim(), Decode(Claim(), LedgerDocumentJsonContext.Default.ClaimDocument));
        Assert.Equal(Transfer("hold", At.AddMinutes(15)), Decode(Transfer("hold", At.AddMinutes(15)), LedgerDocumentJsonContext.Default.TransferDocument));
        Assert.Equal(Snapshot(), Decode(Snapshot(), LedgerDocumentJsonContext.Default.SnapshotDocument));
        Assert.Equal(Refusal(), Decode(Refusal(), LedgerDocumentJsonContext.Default.CreditRefusalDocument));
        Assert.Equal(Tracker(), Decode(Tracker(), LedgerDocumentJsonContext.Default.RefundTrackerDocument));
        var entry = Decode(Entry("content_unlock", "a memo"), LedgerDocumentJsonContext.Default.EntryDocument);
        Assert.Equal([("user-1", -5L), ("creator-9", 5L)], entry.Legs.Select(leg => (leg.AccountId, leg.Amount)));
        Assert.Equal(Entry("content_unlock", "a memo") with { Legs = entry.Legs }, entry);
    }

    [Fact]
    public void A_body_the_serializer_escaped_travels_as_base64_and_still_round_trips_exactly()
    {
        // System.Text.Json's default encoder writes "café ☕ & +1" with \u escapes, which Cosmos DB would not keep.
        var body = DocumentCodec.Encode(Entry("gift", "café ☕ & +1"), LedgerDocumentJsonContext.Default.EntryDocument).AsSpan().ToArray();

        var (envelope, stored) = RoundTrip(DocumentTypes.Entry, body);

        Assert.False(envelope.TryGetProperty("body", out _));
        Assert.Equal(JsonValueKind.String, envelope.GetProperty("bodyBase64").ValueKind);
        Assert.Equal(body, stored.Body.ToArray());
    }

    [Fact]
    public void Unescaped_non_ascii_text_is_embedded_and_survives_re_escaping()
    {
        var body = Encoding.UTF8.GetBytes("{\"memo\":\"café ☕ 日本\",\"amount\":3}");

        var (envelope, stored) = RoundTrip("entry", body);

        Assert.Equal(JsonValueKind.Object, envelope.GetProperty("body").ValueKind);
        Assert.Equal(body, stored.Body.ToArray());
    }

    [Theory]
    [InlineData("{\"amount\":9007199254740993}")]
    [InlineData("{\"amount\":-9223372036854775808}")]
    [InlineData("{\"ratio\":1.50}")]
    [InlineData("{\"ratio\":1e3}")]
    [InlineData("{\"ratio\":-0}")]
    [InlineData("{ \"spaced\": true }")]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("not json at all")]
    [InlineData("{\"unterminated\":")]
    [InlineData("{\"memo\":\"emoji \uD83D\uDE00 outside the basic plane\"}")]
    public void Bodies_that_cosmos_db_would_not_give_back_exactly_travel_as_base64(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);

        var (envelope, stored) = RoundTrip("entry", body);

        Assert.True(envelope.TryGetProperty("bodyBase64", out _), $"'{text}' should travel as base64.");
        Assert.Equal(text, Encoding.UTF8.GetString(stored.Body.Span));
    }

    [Theory]
    [InlineData("{\"amount\":9007199254740992,\"low\":-9007199254740992}")]
    [InlineData("{\"ratio\":1.5,\"tiny\":1E-07,\"neg\":-2.25}")]
    [InlineData("[1,2,{\"nested\":[true,false,null]}]")]
    [InlineData("{}")]
    [InlineData("{\"quote\":\"say \\\"hi\\\"\\n\"}")]
    public void Canonical_bodies_are_embedded_and_round_trip_after_numbers_become_doubles(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);

        var (envelope, stored) = RoundTrip("entry", body);

        Assert.True(envelope.TryGetProperty("body", out _), $"'{text}' should be embedded as JSON.");
        Assert.Equal(text, Encoding.UTF8.GetString(stored.Body.Span));
    }

    [Fact]
    public void Random_bytes_of_the_largest_body_round_trip()
    {
        var body = new byte[DocumentWrite.MaxBodyBytes];
        new Random(7).NextBytes(body);

        var (_, stored) = RoundTrip("blob", body);

        Assert.True(body.AsSpan().SequenceEqual(stored.Body.Span));
    }

    [Fact]
    public void A_document_without_keys_reads_back_without_them()
    {
        var (_, stored) = RoundTrip("entry", Encoding.UTF8.GetBytes("{}"), sortKey: null, indexKey: null);

        Assert.Null(stored.SortKey);
        Assert.Null(stored.IndexKey);
    }

    [Fact]
    public void An_item_written_by_another_tool_takes_its_commit_time_from_the_server_timestamp()
    {
        var item = JsonDocument.Parse("{\"id\":\"x\",\"pk\":\"p\",\"type\":\"t\",\"body\":{},\"_etag\":\"\\\"e\\\"\",\"_ts\":1741064767}").RootElement;

        var stored = DocumentEnvelope.Read(item);

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741064767), stored.CommittedAt);
    }

    [Fact]
    public void An_item_without_a_body_is_refused_loudly()
    {
        var item = JsonDocument.Parse("{\"id\":\"x\",\"pk\":\"p\",\"type\":\"t\",\"_etag\":\"e\",\"_ts\":1}").RootElement;

        Assert.Throws<InvalidOperationException>(() => DocumentEnvelope.Read(item));
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(9_007_199_254_740_993L)]
    [InlineData(long.MaxValue)]
    public void Sort_keys_round_trip_through_their_string_form(long sortKey)
    {
        Assert.Equal(sortKey, SortKeyEncoding.Decode(SortKeyEncoding.Encode(sortKey)));
    }

    [Fact]
    public void The_string_form_of_sort_keys_orders_like_the_numbers()
    {
        long[] keys = [long.MinValue, -9_007_199_254_740_993, -10, -1, 0, 1, 9, 10, 638_000_000_000_000_000, long.MaxValue];

        var byString = keys.OrderBy(SortKeyEncoding.Encode, StringComparer.Ordinal).ToArray();

        Assert.Equal(keys, byString);
    }

    private static T Decode<T>(T document, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var (_, stored) = RoundTrip("doc", DocumentCodec.Encode(document, typeInfo).AsSpan().ToArray());
        return DocumentCodec.Decode(stored, typeInfo);
    }

    /// <summary>Writes the envelope, lets "Cosmos DB" re-serialize it, and reads it back.</summary>
    private static (JsonElement Envelope, StoredDocument Stored) RoundTrip(string type, byte[] body, long? sortKey = 1, string? indexKey = null)
    {
        using var stream = DocumentEnvelope.Write("app/alice", DocumentWrite.Create("doc-1", type, body, sortKey, indexKey), At);
        var envelope = JsonDocument.Parse(stream).RootElement.Clone();
        var reserialized = AsCosmosWouldReturnIt(envelope);
        using var returned = JsonDocument.Parse(reserialized);
        var stored = DocumentEnvelope.Read(returned.RootElement);
        Assert.Equal(("app/alice", "doc-1", "\"00000000-0000-0000-0000-000000000000\""), (stored.Partition, stored.Id, stored.ETag));
        return (envelope, stored);
    }

    /// <summary>The same JSON values written differently: every string re-escaped with the default
    /// encoder, every number as a double, and the system properties added.</summary>
    private static byte[] AsCosmosWouldReturnIt(JsonElement envelope)
    {
        using var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            writer.WriteStartObject();
            foreach (var property in envelope.EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                Rewrite(property.Value, writer);
            }

            writer.WriteString("_rid", "rid==");
            writer.WriteString("_etag", "\"00000000-0000-0000-0000-000000000000\"");
            writer.WriteNumber("_ts", At.ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        return output.ToArray();
    }

    private static void Rewrite(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Rewrite(property.Value, writer);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Rewrite(item, writer);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                writer.WriteNumberValue(element.GetDouble());
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static AccountDocument Account() => new()
    {
        AccountId = "alice",
        AppId = "app",
        OwnerId = "owner-1",
        Status = "open",
        Floor = 0,
        Balance = 1_250,
        PendingDebits = 40,
        IssuanceContraBalance = -1_250,
        LastSequence = 17,
        LowBalanceThreshold = 100,
        CreatedAt = At.AddDays(-30),
        UpdatedAt = At,
        LastPostedAt = At,
    };

    private static EntryDocument Entry(string reason, string? memo) => new()
    {
        TransactionId = "tx-17",
        AccountId = "user-1",
        Sequence = 17,
        Kind = "transfer_debit",
        Operation = "CONTENT_ACCESS",
        Reason = reason,
        Memo = memo,
        Category = "content",
        Amount = -5,
        BalanceAfter = 1_245,
        Counterparty = "creator-9",
        TransferId = "tr-3",
        PostedAt = At,
        Legs = [new LegDocument("user-1", -5), new LegDocument("creator-9", 5)],
    };

    private static TransferDocument Transfer(string kind, DateTimeOffset? expiresAt) => new()
    {
        TransferId = "tr-3",
        AppId = "app",
        Kind = kind,
        From = "user-1",
        To = "creator-9",
        Amount = 5,
        State = "reserved",
        Reason = "content_unlock",
        ExpiresAt = expiresAt,
        TransactionId = "tx-tr-3",
        CreatedAt = At,
        UpdatedAt = At,
    };

    private static ClaimDocument Claim() => new()
    {
        AppId = "app",
        IdempotencyKey = "key-123",
        Fingerprint = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        CreatedAt = At,
    };

    private static SnapshotDocument Snapshot() => new() { AccountId = "alice", Sequence = 17, Balance = 1_250, AsOf = At, TakenAt = At.AddSeconds(2) };

    private static CreditRefusalDocument Refusal() => new() { TransferId = "tr-3", Code = "account_frozen", Message = "The destination account is frozen.", RefusedAt = At };

    private static RefundTrackerDocument Tracker() => new() { RefundedId = "tr-3", OriginalAmount = 5, RefundedAmount = 2 };
}
