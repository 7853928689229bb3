using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Engine.Tests.Transfers;
using Ledger.Storage;
using Ledger.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Ledger.Engine.Tests;

public sealed class LedgerEngineVerifyTests
{
    private static readonly AppId App = TestLedger.App1;

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Every_kind_of_entry_is_chained_and_every_account_verifies(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await TransferKit.SetUpAsync(ledger, ["alice", "bob"], 500, "alice");
        var mint = Expect.Success(await ledger.MintAsync("bob", 50, "mint-bob"));
        Expect.Success(await ledger.BurnAsync("alice", 7, "burn-alice"));
        Expect.Success(await ledger.Engine.PostTransactionAsync(App, IdempotencyKey.From("op-alice"), new TransactionPosting(TransactionKind.Operation, AccountId.From("alice"), null, "CONTENT_CREATION", null), CancellationToken.None));
        var transfer = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "alice", "bob", 30, "t1")).Transfer;
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "alice", "bob", 20, "h1"));
        Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1", 15));
        Expect.Success(await TransferKit.RefundAsync(ledger.Engine, transfer.TransferId, "r1", 10));
        Expect.Success(await ledger.Engine.RefundMintAsync(App, IdempotencyKey.From("rm1"), AccountId.From("bob"), TransactionId.From(mint.TransactionId), new RefundRequest(5, null), CancellationToken.None));

        foreach (var account in new[] { "alice", "bob" })
        {
            var entries = await ledger.AllEntriesAsync(account);
            var verification = Expect.Success(await ledger.Engine.VerifyAccountAsync(App, AccountId.From(account), null, CancellationToken.None));

            Assert.True(verification.Complete, verification.Break?.Detail);
            Assert.Equal(entries.Count, verification.EntriesChecked);
            Assert.All(entries, entry => Assert.Matches("^[0-9a-f]{64}$", entry.Hash));
            Assert.Equal(entries[0].Hash, verification.Reached.PreviousHash);
            Assert.Equal((await ledger.AccountAsync(account)).Balance, verification.Reached.Balance);
        }
    }

    [Fact]
    public async Task An_entry_changed_in_the_store_is_named_as_a_hash_mismatch()
    {
        await using var ledger = await LedgerWithEntriesAsync(4);
        var third = await StoredEntryAsync(ledger.Store, 3);

        await ledger.Store.CommitAsync(new PartitionBatch(Partition, Rewritten(third, body => body["amount"] = 1_000)), CancellationToken.None);

        var broken = await BreakAsync(ledger.Engine);
        Assert.Equal((3L, TransactionIdOf(third), ChainBreakReasons.HashMismatch), (broken.Sequence, broken.TransactionId, broken.Reason));
    }

    [Fact]
    public async Task An_entry_removed_from_the_store_is_named_as_a_missing_sequence()
    {
        await using var ledger = await LedgerWithEntriesAsync(4);

        await ledger.Store.CommitAsync(new PartitionBatch(Partition, DocumentWrite.Delete((await StoredEntryAsync(ledger.Store, 2)).Id, DocumentTypes.Entry)), CancellationToken.None);

        var broken = await BreakAsync(ledger.Engine);
        Assert.Equal((2L, ChainBreakReasons.MissingSequence), (broken.Sequence, broken.Reason));
    }

    [Fact]
    public async Task A_long_account_is_verified_in_bounded_steps_that_resume_from_a_cursor()
    {
        await using var ledger = await LedgerWithEntriesAsync(7);
        var account = AccountId.From("alice");

        var first = Expect.Success(await ledger.Engine.VerifyAccountAsync(App, account, null, CancellationToken.None, maxEntries: 3));
        var second = Expect.Success(await ledger.Engine.VerifyAccountAsync(App, account, first.NextCursor, CancellationToken.None, maxEntries: 3));
        var last = Expect.Success(await ledger.Engine.VerifyAccountAsync(App, account, second.NextCursor, CancellationToken.None, maxEntries: 3));

        Assert.Equal((3L, 1L, 4L), (first.EntriesChecked, first.FromSequence, first.Reached.NextSequence));
        Assert.Equal((3L, 4L, 7L), (second.EntriesChecked, second.FromSequence, second.Reached.NextSequence));
        Assert.True(last.Complete);
        Assert.Equal(Expect.Success(await ledger.Engine.VerifyAccountAsync(App, account, null, CancellationToken.None)).Reached, last.Reached);
        Expect.Failure(await ledger.Engine.VerifyAccountAsync(App, account, "not-a-cursor", CancellationToken.None), ErrorCodes.InvalidField, "cursor");
    }

    [Fact]
    public async Task An_unknown_account_is_not_found()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await ledger.Engine.VerifyAccountAsync(App, AccountId.From("nobody"), null, CancellationToken.None), ErrorCodes.AccountNotFound);
    }

    [Fact]
    public async Task Rows_edited_in_the_SQLite_file_of_a_stopped_store_are_named_by_verify()
    {
        using var directory = new TemporaryDirectory();
        await PostInSqliteAsync(directory.Path, 6);

        EditFile(directory.Path, 2, body => body["amount"] = 999);
        EditFile(directory.Path, 4, body => body["memo"] = "rewritten");
        Assert.Equal((2L, ChainBreakReasons.HashMismatch), await BreakInSqliteAsync(directory.Path));

        EditFile(directory.Path, 2, body => body["amount"] = 10);
        Assert.Equal((4L, ChainBreakReasons.HashMismatch), await BreakInSqliteAsync(directory.Path));

        EditFile(directory.Path, 4, body => body["memo"] = "memo 4");
        Assert.Equal((0L, "ok"), await BreakInSqliteAsync(directory.Path));

        DeleteFromFile(directory.Path, 5);
        Assert.Equal((5L, ChainBreakReasons.MissingSequence), await BreakInSqliteAsync(directory.Path));
    }

    [Fact]
    public void Flipping_any_byte_of_any_stored_entry_breaks_verification_at_that_entry_unless_its_content_is_unchanged()
    {
        var cases =
            from count in Gen.Choose(1, 12)
            from pick in Gen.Choose(0, int.MaxValue)
            from position in Gen.Choose(0, int.MaxValue)
            from mask in Gen.Choose(1, 255)
            select (count, pick, position, mask);
        var unchanged = 0;
        Prop.ForAll(cases.ToArbitrary(), testCase =>
        {
            var (broken, sameContent) = FlipAndVerifyAsync(testCase.count, testCase.pick, testCase.position, (byte)testCase.mask).GetAwaiter().GetResult();
            unchanged += sameContent ? 1 : 0;
            return sameContent ? broken is null : broken is not null && broken.Sequence == (testCase.pick % testCase.count) + 1;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(250));

        // Re-spellings that keep the content ('+00:00' as '-00:00') are rare; the property must mostly test changes.
        Assert.True(unchanged < 25, $"{unchanged} flips left the entry's content unchanged");
    }

    private const string Partition = "app1/alice";

    private static async Task<TestLedger> LedgerWithEntriesAsync(int count)
    {
        var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        for (var index = 1; index <= count; index++)
        {
            ledger.Clock.Advance(TimeSpan.FromSeconds(1));
            Expect.Success(await ledger.Engine.PostTransactionAsync(App, IdempotencyKey.From("m" + index), new TransactionPosting(TransactionKind.Mint, AccountId.From("alice"), 10, null, TransactionDetails.From("credit_purchase", "memo " + index)), CancellationToken.None));
        }

        return ledger;
    }

    private static async Task<(ChainBreak? Break, bool SameContent)> FlipAndVerifyAsync(int count, int pick, int position, byte mask)
    {
        await using var ledger = await LedgerWithEntriesAsync(count);
        var victim = await StoredEntryAsync(ledger.Store, (pick % count) + 1);
        var body = victim.Body.ToArray();
        body[position % body.Length] ^= mask;
        await ledger.Store.CommitAsync(new PartitionBatch(Partition, DocumentWrite.Upsert(victim.Id, DocumentTypes.Entry, body, victim.SortKey)), CancellationToken.None);

        var verification = Expect.Success(await ledger.Engine.VerifyAccountAsync(App, AccountId.From("alice"), null, CancellationToken.None));
        return (verification.Break, SameContent(victim.Body.ToArray(), body));
    }

    /// <summary>Whether a changed body still reads as the very same entry (same canonical bytes, same hash).</summary>
    private static bool SameContent(byte[] original, byte[] changed)
    {
        try
        {
            var before = DocumentCodec.Decode(original, LedgerDocumentJsonContext.Documents.EntryDocument).ToEntry().Value;
            var after = DocumentCodec.Decode(changed, LedgerDocumentJsonContext.Documents.EntryDocument).ToEntry();
            return after.IsSuccess && after.Value.Hash == before.Hash && EntryChain.CanonicalBytes(after.Value).SequenceEqual(EntryChain.CanonicalBytes(before));
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static async Task<StoredDocument> StoredEntryAsync(ILedgerStore store, long sequence)
        => (await store.ReadRangeAsync(new RangeQuery(Partition, DocumentTypes.Entry, sequence, sequence, descending: false, 1), CancellationToken.None)).Single();

    private static DocumentWrite Rewritten(StoredDocument stored, Action<JsonObject> change)
    {
        var body = JsonNode.Parse(stored.Body.Span)!.AsObject();
        change(body);
        return DocumentWrite.Upsert(stored.Id, stored.Type, System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), stored.SortKey);
    }

    private static string TransactionIdOf(StoredDocument stored) => stored.Id["tx:".Length..];

    private static async Task<ChainBreak> BreakAsync(LedgerEngine engine)
    {
        var verification = Expect.Success(await engine.VerifyAccountAsync(App, AccountId.From("alice"), null, CancellationToken.None));
        Assert.NotNull(verification.Break);
        return verification.Break;
    }

    private static async Task PostInSqliteAsync(string directory, int count)
    {
        var clock = new FakeTimeProvider();
        await using var store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory }, clock);
        var engine = new LedgerEngine(store, TestLedger.Catalogs, clock);
        Expect.Success(await engine.OpenAccountAsync(App, IdempotencyKey.From("open"), new OpenAccountCommand(OwnerId.From("owner-1"), AccountId.From("alice"), 0, null), CancellationToken.None));
        for (var index = 1; index <= count; index++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            Expect.Success(await engine.PostTransactionAsync(App, IdempotencyKey.From("m" + index), new TransactionPosting(TransactionKind.Mint, AccountId.From("alice"), 10, null, TransactionDetails.From("credit_purchase", "memo " + index)), CancellationToken.None));
        }
    }

    /// <summary>Verifies alice on a store reopened on the file: the break's sequence and reason, or (0, "ok").</summary>
    private static async Task<(long Sequence, string Reason)> BreakInSqliteAsync(string directory)
    {
        var clock = new FakeTimeProvider();
        await using var store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory }, clock);
        var verification = Expect.Success(await new LedgerEngine(store, TestLedger.Catalogs, clock).VerifyAccountAsync(App, AccountId.From("alice"), null, CancellationToken.None));
        return verification.Break is { } broken ? (broken.Sequence, broken.Reason) : (0, verification.Complete ? "ok" : "incomplete");
    }

    /// <summary>Changes an entry's JSON body in ledger.db with a raw SQLite connection, as someone with the file could.</summary>
    private static void EditFile(string directory, long sequence, Action<JsonObject> change)
    {
        using var connection = OpenFile(directory);
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT body FROM documents WHERE partition = $partition AND type = 'entry' AND sort_key = $sequence";
        read.Parameters.AddWithValue("$partition", Partition);
        read.Parameters.AddWithValue("$sequence", sequence);
        var body = JsonNode.Parse((byte[])read.ExecuteScalar()!)!.AsObject();
        change(body);

        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE documents SET body = $body WHERE partition = $partition AND type = 'entry' AND sort_key = $sequence";
        write.Parameters.AddWithValue("$body", System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()));
        write.Parameters.AddWithValue("$partition", Partition);
        write.Parameters.AddWithValue("$sequence", sequence);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    private static void DeleteFromFile(string directory, long sequence)
    {
        using var connection = OpenFile(directory);
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM documents WHERE partition = $partition AND type = 'entry' AND sort_key = $sequence";
        delete.Parameters.AddWithValue("$partition", Partition);
        delete.Parameters.AddWithValue("$sequence", sequence);
        Assert.Equal(1, delete.ExecuteNonQuery());
    }

    private static SqliteConnection OpenFile(string directory)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "ledger.db"), Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
