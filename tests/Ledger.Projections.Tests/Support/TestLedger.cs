using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Ledger.Store.Sqlite;

namespace Ledger.Projections.Tests.Support;

public enum StoreKind
{
    InMemory,
    Sqlite,
}

/// <summary>
/// A real engine on a fresh store (in memory or SQLite in a temporary directory) with a manual clock, and
/// helpers that post real entries and run a consumer over the feed until it has caught up.
/// </summary>
internal sealed class TestLedger : IAsyncDisposable
{
    public static readonly AppId App1 = AppId.From("app1");
    public static readonly AppId App2 = AppId.From("app2");

    public static readonly AppCatalogs Catalogs = new(
    [
        OperationCatalog.For(App1).Fixed("CONTENT_CREATION", -5).Variable("CONTENT_ACCESS", Direction.Debit).Build(),
        OperationCatalog.For(App2).Build(),
    ]);

    private readonly TemporaryDirectory? _directory;
    private int _nonce;

    private TestLedger(ILedgerStore store, ManualClock clock, TemporaryDirectory? directory)
    {
        Store = store;
        Clock = clock;
        _directory = directory;
        Engine = new LedgerEngine(store, Catalogs, clock);
    }

    public ILedgerStore Store { get; }

    public ManualClock Clock { get; }

    public LedgerEngine Engine { get; }

    /// <summary>A directory that lives as long as the ledger, for export files.</summary>
    public string FilesDirectory => System.IO.Path.Combine(_directory!.Path, "exports");

    public static TestLedger Create(StoreKind kind = StoreKind.InMemory, Func<ILedgerStore, ILedgerStore>? wrap = null)
    {
        var clock = new ManualClock();
        var directory = new TemporaryDirectory();
        ILedgerStore store = kind == StoreKind.Sqlite
            ? new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory.Path }, clock)
            : new InMemoryLedgerStore(clock);
        return new TestLedger(wrap is null ? store : wrap(store), clock, directory);
    }

    public async Task<AccountState> OpenAsync(string accountId, string owner = "owner-1", long? lowBalanceThreshold = null, AppId? app = null, long floor = 0)
    {
        var opened = await Engine.OpenAccountAsync(
            app ?? App1,
            IdempotencyKey.From("open-" + accountId),
            new OpenAccountCommand(OwnerId.From(owner), AccountId.From(accountId), floor, lowBalanceThreshold),
            CancellationToken.None);
        Assert.True(opened.IsSuccess, opened.Error?.Message);
        return opened.Value;
    }

    /// <summary>Posts a mint (positive) or a burn (negative) with the given details; fails the test if refused.</summary>
    public async Task<EntryDocument> PostAsync(string accountId, long signedAmount, string reason = "credit_purchase", string? memo = null, string? category = null, AppId? app = null)
    {
        var kind = signedAmount >= 0 ? TransactionKind.Mint : TransactionKind.Burn;
        var posted = await Engine.PostTransactionAsync(
            app ?? App1,
            IdempotencyKey.From("post-" + Interlocked.Increment(ref _nonce).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new TransactionPosting(kind, AccountId.From(accountId), Math.Abs(signedAmount), null, TransactionDetails.From(reason, memo, category)),
            CancellationToken.None);
        Assert.True(posted.IsSuccess, posted.Error?.Message);
        return posted.Value;
    }

    /// <summary>Posts a catalog operation to an existing account.</summary>
    public async Task<EntryDocument> OperateAsync(string accountId, string operation, long? amount = null, AppId? app = null, string? category = null)
    {
        var posted = await Engine.PostTransactionAsync(
            app ?? App1,
            IdempotencyKey.From("op-" + Interlocked.Increment(ref _nonce).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new TransactionPosting(TransactionKind.Operation, AccountId.From(accountId), amount, operation, category is null ? null : TransactionDetails.From(operation.ToLowerInvariant(), null, category)),
            CancellationToken.None);
        Assert.True(posted.IsSuccess, posted.Error?.Message);
        return posted.Value;
    }

    public static ChangeFeedProcessorOptions FastOptions(int batchSize = 100) => new()
    {
        BatchSize = batchSize,
        PollInterval = TimeSpan.FromMilliseconds(5),
        RetryInitialDelay = TimeSpan.FromMilliseconds(2),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        StatusCacheDuration = TimeSpan.Zero,
    };

    /// <summary>Steps a processor for the consumer until it reaches the head of the feed; fails the test on any failed step.</summary>
    public async Task DrainAsync(IChangeConsumer consumer, int batchSize = 100)
    {
        var processor = new ChangeFeedProcessor(Store, consumer, FastOptions(batchSize), Clock);
        for (var step = 0; step < 100_000; step++)
        {
            var outcome = await processor.StepAsync(CancellationToken.None);
            if (outcome == StepOutcome.Failed)
            {
                var status = await processor.GetStatusAsync(CancellationToken.None);
                Assert.Fail($"Consumer {consumer.Name} failed: {status.LastError}");
            }

            if (outcome is StepOutcome.CaughtUp or StepOutcome.HandledToHead)
            {
                return;
            }
        }

        Assert.Fail("The consumer never caught up.");
    }

    /// <summary>Every entry of an account, oldest first, straight from the store.</summary>
    public async Task<List<EntryDocument>> EntriesAsync(string accountId, AppId? app = null)
    {
        var entries = new List<EntryDocument>();
        long after = 0;
        while (true)
        {
            var page = await Store.ReadRangeAsync(new RangeQuery(DocumentTypes.AccountPartition(app ?? App1, AccountId.From(accountId)), DocumentTypes.Entry, after + 1, null, false, 1000), CancellationToken.None);
            entries.AddRange(page.Select(stored => DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Default.EntryDocument)));
            if (page.Count < 1000)
            {
                return entries;
            }

            after = entries[^1].Sequence;
        }
    }

    public async Task<List<SnapshotDocument>> SnapshotsAsync(string accountId, AppId? app = null)
    {
        var page = await Store.ReadRangeAsync(new RangeQuery(DocumentTypes.AccountPartition(app ?? App1, AccountId.From(accountId)), DocumentTypes.Snapshot, null, null, false, 1000), CancellationToken.None);
        return page.Select(stored => DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Default.SnapshotDocument)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _directory?.Dispose();
    }
}
