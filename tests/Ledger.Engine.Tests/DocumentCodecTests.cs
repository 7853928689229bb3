using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests;

public sealed class DocumentCodecTests
{
    private const string AwkwardMemo = "café ☕ 日本 \"quoted\" <b>&</b> it's\ttabbed\nnew line \\ done";

    [Fact]
    public async Task Every_document_the_engine_writes_encodes_to_exactly_the_bytes_of_the_serializers_own_path()
    {
        await using var ledger = TestLedger.Create();
        await WriteEveryKindOfDocumentAsync(ledger);

        var seenTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stored in await ReadWholeFeedAsync(ledger.Store))
        {
            seenTypes.Add(stored.Type);
            var (fastPath, serializerPath) = EncodeBothWays(stored);
            Assert.Equal(serializerPath, fastPath);
            Assert.Equal(stored.Body.ToArray(), fastPath);
        }

        Assert.Superset(
            new HashSet<string> { DocumentTypes.Account, DocumentTypes.Entry, DocumentTypes.Transfer, DocumentTypes.IdempotencyClaim, DocumentTypes.Refusal },
            seenTypes);
    }

    [Fact]
    public void A_memo_is_stored_as_written_escaping_only_what_json_requires()
    {
        var entry = EntryWithMemo(AwkwardMemo);

        var text = Encoding.UTF8.GetString(DocumentCodec.Encode(entry, LedgerDocumentJsonContext.Documents.EntryDocument).AsSpan());

        Assert.Contains("café ☕ 日本 \\\"quoted\\\" <b>&</b> it's\\ttabbed\\nnew line \\\\ done", text, StringComparison.Ordinal);
        Assert.Equal(AwkwardMemo, DocumentCodec.Decode(Encoding.UTF8.GetBytes(text), LedgerDocumentJsonContext.Documents.EntryDocument).Memo);
    }

    [Fact]
    public void A_document_larger_than_the_kept_buffer_encodes_whole_and_the_next_one_is_unaffected()
    {
        // Larger than any memo the domain accepts: the codec itself does not validate.
        var large = EntryWithMemo("large") with { Memo = new string('x', 100_000) };
        var small = EntryWithMemo("small");

        var largeBytes = DocumentCodec.Encode(large, LedgerDocumentJsonContext.Documents.EntryDocument);
        var smallBytes = DocumentCodec.Encode(small, LedgerDocumentJsonContext.Documents.EntryDocument);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(large, LedgerDocumentJsonContext.Documents.EntryDocument), largeBytes);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(small, LedgerDocumentJsonContext.Documents.EntryDocument), smallBytes);
    }

    private static EntryDocument EntryWithMemo(string memo)
    {
        var account = AccountState.Open(AccountId.From("acc-1"), TestLedger.App1, OwnerId.From("owner-1"), 0, null, DateTimeOffset.UnixEpoch).Value;
        var instruction = new PostingInstruction
        {
            TransactionId = TransactionId.Derive(TestLedger.App1, IdempotencyKey.From("memo"), "posting"),
            Kind = TransactionKind.Mint,
            Direction = Direction.Credit,
            Amount = Amount.From(5),
            Details = TransactionDetails.From("daily_reward", memo, "rewards"),
        };
        return EntryDocument.From(PostingRules.Decide(account, instruction, DateTimeOffset.UnixEpoch).Value.Entry);
    }

    private static async Task WriteEveryKindOfDocumentAsync(TestLedger ledger)
    {
        await ledger.OpenAsync("acc-1");
        await ledger.OpenAsync("acc-2", owner: "owner-2");
        Expect.Success(await ledger.Engine.PostTransactionAsync(
            TestLedger.App1,
            IdempotencyKey.From("mint-1"),
            new TransactionPosting(TransactionKind.Mint, AccountId.From("acc-1"), 100, null, TransactionDetails.From("daily_reward", AwkwardMemo, "rewards")),
            CancellationToken.None));
        Expect.Success(await ledger.BurnAsync("acc-1", 10, "burn-1"));
        Assert.False((await ledger.BurnAsync("acc-2", 10, "burn-too-much")).IsSuccess);
        Expect.Success(await ledger.PostOperationAsync("owner-3", "CREDIT_ADD", "post-1"));
        Expect.Success(await ledger.Engine.TransferAsync(
            TestLedger.App1,
            IdempotencyKey.From("transfer-1"),
            new TransferRequest(AccountId.From("acc-1"), AccountId.From("acc-2"), 7, TransactionDetails.From("content_unlock", AwkwardMemo, null)),
            TimeSpan.FromSeconds(5),
            CancellationToken.None));
    }

    private static async Task<List<StoredDocument>> ReadWholeFeedAsync(ILedgerStore store)
    {
        var documents = new List<StoredDocument>();
        string? continuation = null;
        for (var page = 0; page < 100; page++)
        {
            var read = await store.ReadChangesAsync(continuation, 100, CancellationToken.None);
            documents.AddRange(read.Changes);
            if (read.Changes.Count == 0)
            {
                return documents;
            }

            continuation = read.Continuation;
        }

        throw new InvalidOperationException("The feed did not end within 100 pages.");
    }

    private static (byte[] FastPath, byte[] SerializerPath) EncodeBothWays(StoredDocument stored)
    {
        var documents = LedgerDocumentJsonContext.Documents;
        return stored.Type switch
        {
            DocumentTypes.Account => Both(stored, documents.AccountDocument),
            DocumentTypes.Entry => Both(stored, documents.EntryDocument),
            DocumentTypes.Transfer => Both(stored, documents.TransferDocument),
            DocumentTypes.IdempotencyClaim => Both(stored, documents.ClaimDocument),
            DocumentTypes.Refusal => Both(stored, documents.RefusalDocument),
            DocumentTypes.CreditRefusal => Both(stored, documents.CreditRefusalDocument),
            DocumentTypes.RefundTracker => Both(stored, documents.RefundTrackerDocument),
            DocumentTypes.Snapshot => Both(stored, documents.SnapshotDocument),
            DocumentTypes.CaptureMarker => Both(stored, documents.CaptureMarkerDocument),
            _ => throw new InvalidOperationException($"No codec for '{stored.Type}'."),
        };

        static (byte[], byte[]) Both<T>(StoredDocument stored, JsonTypeInfo<T> typeInfo)
        {
            // The generated fast path exists for every document type, so this compares two paths, not one.
            Assert.NotNull(typeInfo.SerializeHandler);
            var document = DocumentCodec.Decode(stored, typeInfo);
            return (DocumentCodec.Encode(document, typeInfo).AsSpan().ToArray(), JsonSerializer.SerializeToUtf8Bytes(document, typeInfo));
        }
    }
}
