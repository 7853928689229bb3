using BenchmarkDotNet.Attributes;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage.InMemory;

namespace Ledger.Benchmarks;

/// <summary>
/// The domain and engine paths of a posting and a transfer: time and bytes allocated per operation. The
/// engine runs on the in-memory store, so the figures are the ledger's own cost without disk I/O; the
/// domain figures are the pure decisions alone.
/// </summary>
[MemoryDiagnoser]
public class PostingAndTransferBenchmarks
{
    private static readonly AppId App = AppId.From("app1");
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private AccountState _account = null!;
    private PostingInstruction _credit = null!;
    private TransferRecord _transfer = null!;
    private LedgerEngine _engine = null!;
    private long _sequence;

    [GlobalSetup]
    public void SetUp()
    {
        _account = AccountState.Open(AccountId.From("alice"), App, OwnerId.From("alice"), 0, null, Now).Value with { Balance = 1_000_000 };
        _credit = new PostingInstruction
        {
            TransactionId = TransactionId.Derive(App, IdempotencyKey.From("bench"), "posting"),
            Kind = TransactionKind.Operation,
            Direction = Direction.Credit,
            Amount = Amount.From(10),
            Operation = "CREDIT_ADD",
            Details = TransactionDetails.From("credit_add"),
        };
        _transfer = new TransferRecord
        {
            Id = TransferId.Derive(App, IdempotencyKey.From("bench-transfer"), "transfer", AccountId.From("alice")),
            App = App,
            Kind = TransferKind.Transfer,
            From = AccountId.From("alice"),
            To = AccountId.From("bob"),
            Amount = Amount.From(1),
            SettleAmount = Amount.From(1),
            State = TransferState.Crediting,
            Details = TransactionDetails.From("content_unlock"),
            CreatedAt = Now,
            UpdatedAt = Now,
        };

        _engine = new LedgerEngine(new InMemoryLedgerStore(TimeProvider.System), new AppCatalogs([OperationCatalog.For(App).Build()]), TimeProvider.System);
        foreach (var owner in new[] { "alice", "bob" })
        {
            _engine.OpenAccountAsync(App, IdempotencyKey.From("open-" + owner), new OpenAccountCommand(OwnerId.From(owner), AccountId.From(owner), 0, null), CancellationToken.None).GetAwaiter().GetResult();
        }

        _engine.PostTransactionAsync(App, IdempotencyKey.From("fund"), new TransactionPosting(TransactionKind.Mint, AccountId.From("alice"), Amount.MaxPerTransaction, null, TransactionDetails.From("credit_purchase")), CancellationToken.None).GetAwaiter().GetResult();
    }

    [Benchmark(Description = "domain: decide a posting")]
    public PostingDecision DecidePosting() => PostingRules.Decide(_account, _credit, Now).Value;

    [Benchmark(Description = "domain: reserve, credit, commit a transfer")]
    public LedgerEntry DecideTransfer()
    {
        var (source, reserved) = TransferRules.Reserve(_account, _transfer, Now).Value;
        var credit = (CreditOutcome.Credited)TransferRules.Credit(_account with { Id = AccountId.From("bob") }, reserved, Now);
        return TransferRules.Commit(source, reserved, Now).Debit.Sequence > 0 ? credit.Entry : throw new InvalidOperationException();
    }

    [Benchmark(Description = "engine: POST /ledger posting (in-memory store)")]
    public async Task<EntryDocument> EnginePosting()
    {
        var key = IdempotencyKey.From("p-" + Interlocked.Increment(ref _sequence));
        return (await _engine.PostOperationAsync(App, key, new OperationPosting(OwnerId.From("carol"), "CREDIT_ADD", null), CancellationToken.None)).Value;
    }

    [Benchmark(Description = "engine: two-phase transfer (in-memory store)")]
    public async Task<TransferOutcome> EngineTransfer()
    {
        var key = IdempotencyKey.From("t-" + Interlocked.Increment(ref _sequence));
        return (await _engine.TransferAsync(App, key, new TransferRequest(AccountId.From("alice"), AccountId.From("bob"), 1, TransactionDetails.From("content_unlock")), TimeSpan.FromSeconds(5), CancellationToken.None)).Value;
    }
}
