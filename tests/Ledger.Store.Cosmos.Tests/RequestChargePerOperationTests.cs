using System.Diagnostics.Metrics;
using Ledger.Domain;
using Ledger.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>
/// What each ledger operation costs on Cosmos DB, measured the way production measures it: the engine runs
/// on the Cosmos store over the SDK's <see cref="Microsoft.Azure.Cosmos.Container"/> (mocked, stateful), and
/// the store's request-charge metric adds up the <c>x-ms-request-charge</c> of every response. The charges
/// come from the model in <see cref="ChargedContainer"/>, so these figures count calls priced by the model;
/// docs/cosmos.md reports them.
/// </summary>
[Collection(nameof(RequestChargeCollection))]
public sealed class RequestChargePerOperationTests(ITestOutputHelper output)
{
    private static readonly AppId App = AppId.From("app1");

    [Fact]
    public async Task A_posting_to_a_cached_account_makes_no_point_read_only_its_claim_and_its_effect()
    {
        await using var ledger = await ChargedLedger.OpenAsync();

        var warm = await ledger.MeasureAsync("mint (account cached)", () => ledger.Engine.PostTransactionAsync(App, IdempotencyKey.From("m2"), Mint("alice", 5), CancellationToken.None));

        Assert.Equal(0, warm.Calls("read"));
        Assert.Equal(2, warm.Calls("commit"));
        output.WriteLine(warm.ToString());
    }

    [Fact]
    public async Task A_repeated_posting_reads_its_claim_and_outcome_and_writes_nothing()
    {
        await using var ledger = await ChargedLedger.OpenAsync();
        await ledger.Engine.PostTransactionAsync(App, IdempotencyKey.From("m2"), Mint("alice", 5), CancellationToken.None);

        var repeat = await ledger.MeasureAsync("mint repeated", () => ledger.Engine.PostTransactionAsync(App, IdempotencyKey.From("m2"), Mint("alice", 5), CancellationToken.None));

        Assert.Equal(1, repeat.Calls("commit"));
        Assert.Equal(2, repeat.Calls("read"));
        output.WriteLine(repeat.ToString());
    }

    [Fact]
    public async Task A_transfer_and_a_hold_capture_cost_what_docs_cosmos_md_reports()
    {
        await using var ledger = await ChargedLedger.OpenAsync();

        var transfer = await ledger.MeasureAsync("transfer", () => ledger.Engine.TransferAsync(App, IdempotencyKey.From("t1"), new TransferRequest(AccountId.From("alice"), AccountId.From("bob"), 10, TransactionDetails.From("content_unlock")), TimeSpan.FromSeconds(5), CancellationToken.None));
        var hold = await ledger.MeasureAsync("hold", () => ledger.Engine.PlaceHoldAsync(App, IdempotencyKey.From("h1"), new HoldRequest(AccountId.From("alice"), AccountId.From("bob"), 10, TransactionDetails.From("live_session"), new HoldExpiry(null, 600)), CancellationToken.None));
        var holdId = hold.Result.Value.TransferId;
        var capture = await ledger.MeasureAsync("capture", () => ledger.Engine.CaptureHoldAsync(App, IdempotencyKey.From("c1"), holdId, 4, TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.True(transfer.Result.Value.Finished);
        Assert.Equal("posted", transfer.Result.Value.Transfer.State);
        Assert.True(capture.Result.Value.Finished);
        Assert.InRange(transfer.Calls("commit"), 2, 6);
        output.WriteLine(transfer.ToString());
        output.WriteLine(hold.ToString());
        output.WriteLine(capture.ToString());
        output.WriteLine(string.Join("\n", ledger.Container.ReadKeys));
    }

    private static TransactionPosting Mint(string account, long amount)
        => new(TransactionKind.Mint, AccountId.From(account), amount, null, TransactionDetails.From("credit_purchase"));

    /// <summary>An engine on the Cosmos store over a <see cref="ChargedContainer"/>, with alice funded and bob open.</summary>
    private sealed class ChargedLedger : IAsyncDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Operation, double Charge)> _charges = [];

        private ChargedLedger()
        {
            Container = new ChargedContainer();
            Store = CosmosMocks.Store(Container.Mock.Object);
            Engine = new LedgerEngine(Store, new AppCatalogs([OperationCatalog.For(App).Build()]), TimeProvider.System);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CosmosLedgerStore.MeterName && instrument.Name == CosmosLedgerStore.RequestChargeHistogramName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, charge, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "operation")
                    {
                        lock (_charges)
                        {
                            _charges.Add(((string)tag.Value!, charge));
                        }
                    }
                }
            });
            _listener.Start();
        }

        public ChargedContainer Container { get; }

        public CosmosLedgerStore Store { get; }

        public LedgerEngine Engine { get; }

        public static async Task<ChargedLedger> OpenAsync()
        {
            var ledger = new ChargedLedger();
            foreach (var account in new[] { "alice", "bob" })
            {
                Assert.True((await ledger.Engine.OpenAccountAsync(App, IdempotencyKey.From("open-" + account), new OpenAccountCommand(OwnerId.From(account), AccountId.From(account), 0, null), CancellationToken.None)).IsSuccess);
            }

            Assert.True((await ledger.Engine.PostTransactionAsync(App, IdempotencyKey.From("m1"), Mint("alice", 100), CancellationToken.None)).IsSuccess);
            return ledger;
        }

        /// <summary>Runs one operation and returns the charges its store calls reported, by call kind.</summary>
        public async Task<Measured<T>> MeasureAsync<T>(string name, Func<Task<T>> operation)
        {
            lock (_charges)
            {
                _charges.Clear();
            }

            var result = await operation();
            lock (_charges)
            {
                return new Measured<T>(name, result, [.. _charges]);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await Store.DisposeAsync();
        }
    }

    private sealed record Measured<T>(string Name, T Result, IReadOnlyList<(string Operation, double Charge)> Charges)
    {
        public int Calls(string operation) => Charges.Count(charge => charge.Operation == operation);

        public double Total => Charges.Sum(charge => charge.Charge);

        public override string ToString()
            => $"| {Name} | {Calls("read")} | {Calls("commit")} | {Calls("query")} | {Total:0.#} RU |";
    }
}


/// <summary>The charge metric is process-wide: nothing else may run while these tests listen to it.</summary>
[CollectionDefinition(nameof(RequestChargeCollection), DisableParallelization = true)]
public sealed class RequestChargeCollection;
