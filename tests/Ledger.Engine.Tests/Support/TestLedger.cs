using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Ledger.Store.Sqlite;

namespace Ledger.Engine.Tests.Support;

public enum StoreKind
{
    /// <summary>The in-memory store, which commits across partitions: claims ride with effects, a transfer is one commit.</summary>
    InMemory,

    Sqlite,

    /// <summary>The in-memory store built without multi-partition commits, as Cosmos DB is: claims first, transfers by saga.</summary>
    InMemoryWithoutAtomicCommits,
}

/// <summary>
/// An engine on a fresh store with a controllable clock and two apps: <see cref="App1"/> (shared operations,
/// CONTENT_CREATION −5, CONTENT_ACCESS debit) and <see cref="App2"/> (shared operations only).
/// </summary>
internal sealed class TestLedger : IAsyncDisposable
{
    public static readonly AppId App1 = AppId.From("app1");
    public static readonly AppId App2 = AppId.From("app2");

    private readonly TemporaryDirectory? directory;

    private TestLedger(ILedgerStore store, FakeTimeProvider clock, TemporaryDirectory? directory, PartitionPipelineOptions? options)
    {
        Store = store;
        Clock = clock;
        this.directory = directory;
        Engine = NewEngine(options);
    }

    public ILedgerStore Store { get; }

    public FakeTimeProvider Clock { get; }

    public LedgerEngine Engine { get; }

    public static AppCatalogs Catalogs { get; } = new(
    [
        OperationCatalog.For(App1).Fixed("CONTENT_CREATION", -5).Variable("CONTENT_ACCESS", Direction.Debit).Build(),
        OperationCatalog.For(App2).Build(),
    ]);

    public static TestLedger Create(StoreKind kind = StoreKind.InMemory, Func<ILedgerStore, ILedgerStore>? wrap = null, PartitionPipelineOptions? options = null)
    {
        var clock = new FakeTimeProvider();
        TemporaryDirectory? directory = null;
        ILedgerStore store;
        if (kind == StoreKind.Sqlite)
        {
            directory = new TemporaryDirectory();
            store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory.Path }, clock);
        }
        else
        {
            store = new InMemoryLedgerStore(clock, commitsAcrossPartitions: kind == StoreKind.InMemory);
        }

        return new TestLedger(wrap is null ? store : wrap(store), clock, directory, options);
    }

    /// <summary>A second engine on the same store: what another process of the same ledger would be.</summary>
    public LedgerEngine NewEngine(PartitionPipelineOptions? options = null) => new(Store, Catalogs, Clock, options);

    public static string Partition(AppId app, AccountId account) => DocumentTypes.AccountPartition(app, account);

    public static TransactionDetails Reason(string reason = "credit_purchase") => TransactionDetails.From(reason);

    public async Task<AccountState> OpenAsync(string accountId, string owner = "owner-1", long floor = 0, AppId? app = null)
    {
        var opened = await Engine.OpenAccountAsync(
            app ?? App1,
            IdempotencyKey.From("open-" + accountId),
            new OpenAccountCommand(OwnerId.From(owner), AccountId.From(accountId), floor, null),
            CancellationToken.None);
        Assert.True(opened.IsSuccess, opened.Error?.Message);
        return opened.Value;
    }

    public Task<Result<EntryDocument>> MintAsync(string accountId, long amount, string nonce, AppId? app = null)
        => Engine.PostTransactionAsync(app ?? App1, IdempotencyKey.From(nonce), new TransactionPosting(TransactionKind.Mint, AccountId.From(accountId), amount, null, Reason()), CancellationToken.None);

    public Task<Result<EntryDocument>> BurnAsync(string accountId, long amount, string nonce, AppId? app = null)
        => Engine.PostTransactionAsync(app ?? App1, IdempotencyKey.From(nonce), new TransactionPosting(TransactionKind.Burn, AccountId.From(accountId), amount, null, Reason("creator_payout")), CancellationToken.None);

    public Task<Result<EntryDocument>> PostOperationAsync(string owner, string operation, string nonce, long? amount = null, AppId? app = null, LedgerEngine? engine = null)
        => (engine ?? Engine).PostOperationAsync(app ?? App1, IdempotencyKey.From(nonce), new OperationPosting(OwnerId.From(owner), operation, amount), CancellationToken.None);

    public async Task<AccountState> AccountAsync(string accountId, AppId? app = null)
    {
        var account = await Engine.GetAccountAsync(app ?? App1, AccountId.From(accountId), CancellationToken.None);
        Assert.True(account.IsSuccess, account.Error?.Message);
        return account.Value;
    }

    /// <summary>Every entry of the account, newest first, read page by page through the engine.</summary>
    public async Task<List<EntryDocument>> AllEntriesAsync(string accountId, AppId? app = null, int pageSize = LedgerEngine.MaxPageSize)
    {
        var entries = new List<EntryDocument>();
        string? cursor = null;
        do
        {
            var page = await Engine.GetEntriesAsync(app ?? App1, AccountId.From(accountId), cursor, pageSize, CancellationToken.None);
            Assert.True(page.IsSuccess, page.Error?.Message);
            entries.AddRange(page.Value.Entries);
            cursor = page.Value.NextCursor;
        }
        while (cursor is not null);

        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        directory?.Dispose();
    }
}
