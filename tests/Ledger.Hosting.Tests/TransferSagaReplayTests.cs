using Ledger.Domain;
using Ledger.Engine;
using Ledger.Hosting.Tests.Support;
using static Ledger.Hosting.Tests.Support.ReplayingTransferSteps;

namespace Ledger.Hosting.Tests;

/// <summary>
/// The transfer saga is written once (<see cref="TransferSaga"/>) and run by two drivers: in-process on the
/// local host, as a Durable Functions orchestration in Azure. These tests run every kind of saga through
/// the local driver and through <see cref="ReplayingTransferSteps"/>, which replays the definition episode
/// by episode as Durable Functions does (optionally losing completions, so steps run again), and check
/// that both take the definition's steps, in order, and leave the same, right ledger.
/// </summary>
public sealed class TransferSagaReplayTests
{
    public enum Driver
    {
        /// <summary><see cref="TransferSaga.DriveAsync"/> over the engine's steps, observed.</summary>
        Local,

        /// <summary>The engine's own in-process driver, as the local host's requests use it.</summary>
        InProcessDriver,

        /// <summary>Durable-style episodes and replays, each step's completion recorded the first time.</summary>
        Replay,

        /// <summary>Durable-style, each step's first completion lost: every step runs twice.</summary>
        ReplayLosingEachCompletionOnce,

        /// <summary>Durable-style, each step's completion lost three times: every step runs four times.</summary>
        ReplayLosingEachCompletionThrice,
    }

    private const string Source = "acct-src";
    private const string Destination = "acct-dst";

    private static readonly Dictionary<string, Scenario> Scenarios = new[]
    {
        new Scenario(
            "transfer",
            [Read, CreditDestination, CommitSource],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                await ledger.OpenAsync(Destination);
                return (await ledger.ReserveTransferAsync(Source, Destination, 30, "transfer-1")).TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "posted", failureCode: null);
                await AssertAccountAsync(ledger, Source, balance: 70, pending: 0);
                await AssertAccountAsync(ledger, Destination, balance: 30, pending: 0);
                await AssertPostedOnceAsync(ledger, id, debitedAccount: Source, creditedAccount: Destination, amount: 30);
            }),
        new Scenario(
            "frozen-destination",
            [Read, CreditDestination, VoidSource],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                await ledger.OpenAsync(Destination);
                var transfer = await ledger.ReserveTransferAsync(Source, Destination, 30, "transfer-frozen");
                await ledger.FreezeAsync(Destination);
                return transfer.TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "voided", ErrorCodes.AccountFrozen);
                await AssertAccountAsync(ledger, Source, balance: 100, pending: 0);
                await AssertAccountAsync(ledger, Destination, balance: 0, pending: 0);
                await AssertNothingPostedAsync(ledger, id, Source, Destination);
            }),
        new Scenario(
            "missing-destination",
            [Read, CreditDestination, VoidSource],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                return (await ledger.ReserveTransferAsync(Source, "acct-ghost", 30, "transfer-ghost")).TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "voided", ErrorCodes.AccountNotFound);
                await AssertAccountAsync(ledger, Source, balance: 100, pending: 0);
                await AssertNothingPostedAsync(ledger, id, Source);
            }),
        new Scenario(
            "pending-hold",
            [Read],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                await ledger.OpenAsync(Destination);
                return (await ledger.PlaceHoldAsync(Source, Destination, 40, "hold-pending", expiresInSeconds: 3600)).TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "reserved", failureCode: null);
                await AssertAccountAsync(ledger, Source, balance: 100, pending: 40);
                await AssertAccountAsync(ledger, Destination, balance: 0, pending: 0);
                await AssertNothingPostedAsync(ledger, id, Source, Destination);
            }),
        new Scenario(
            "expired-hold",
            [Read, ExpireHold],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                await ledger.OpenAsync(Destination);
                var hold = await ledger.PlaceHoldAsync(Source, Destination, 40, "hold-expired", expiresInSeconds: 60);
                ledger.Clock.Advance(TimeSpan.FromSeconds(61));
                return hold.TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "voided", ErrorCodes.HoldExpired);
                await AssertAccountAsync(ledger, Source, balance: 100, pending: 0);
                await AssertAccountAsync(ledger, Destination, balance: 0, pending: 0);
                await AssertNothingPostedAsync(ledger, id, Source, Destination);
            }),
        new Scenario(
            "captured-hold",
            [Read, CreditDestination, CommitSource],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                await ledger.OpenAsync(Destination);
                var hold = await ledger.PlaceHoldAsync(Source, Destination, 50, "hold-captured", expiresInSeconds: 3600);
                return (await ledger.CaptureHoldAsync(hold.TransferId, 20, "capture-1")).TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "posted", failureCode: null);
                Assert.Equal(20, result!.SettleAmount);
                await AssertAccountAsync(ledger, Source, balance: 80, pending: 0);
                await AssertAccountAsync(ledger, Destination, balance: 20, pending: 0);
                await AssertPostedOnceAsync(ledger, id, debitedAccount: Source, creditedAccount: Destination, amount: 20);
            }),
        new Scenario(
            "refund-to-frozen-account",
            [Read, CreditDestination, VoidSource],
            async ledger =>
            {
                await ledger.OpenAsync(Source, funds: 100);
                await ledger.OpenAsync(Destination);
                var original = await ledger.ReserveTransferAsync(Source, Destination, 30, "transfer-refunded");
                Assert.Equal("posted", (await TransferSaga.DriveAsync(ledger.Engine.TransferSteps, SagaLedger.Key(original.TransferId), CancellationToken.None))!.State);
                var refund = await ledger.ReserveRefundAsync(original.TransferId, 10, "refund-1");
                await ledger.FreezeAsync(Source);
                return refund.TransferId;
            },
            async (ledger, id, result) =>
            {
                AssertFinal(result, "voided", ErrorCodes.AccountFrozen);
                await AssertAccountAsync(ledger, Source, balance: 70, pending: 0);
                await AssertAccountAsync(ledger, Destination, balance: 30, pending: 0);
                await AssertNothingPostedAsync(ledger, id, Source, Destination);

                // The void gave the 10 back to the original's refund limit: all 30 can still be refunded.
                var unfrozen = await ledger.Engine.UnfreezeAsync(SagaLedger.App, AccountId.From(Source));
                Assert.True(unfrozen.IsSuccess, unfrozen.Error?.Message);
                var original = (await ledger.EntriesAsync(Destination)).Single(entry => entry.TransferId is not null).TransferId!;
                var full = await ledger.Engine.RefundTransferAsync(SagaLedger.App, IdempotencyKey.From("refund-full"), original, new RefundRequest(null, null), TimeSpan.FromSeconds(30), CancellationToken.None);
                Assert.True(full.IsSuccess, full.Error?.Message);
                Assert.Equal(30, full.Value.Transfer.Amount);
                Assert.Equal("posted", full.Value.Transfer.State);
            }),
    }.ToDictionary(scenario => scenario.Name, StringComparer.Ordinal);

    public static TheoryData<string> ScenarioNames() => [.. Scenarios.Keys];

    public static TheoryData<string, Driver> ScenariosByDriver()
    {
        var data = new TheoryData<string, Driver>();
        foreach (var name in Scenarios.Keys)
        {
            foreach (var driver in Enum.GetValues<Driver>())
            {
                data.Add(name, driver);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ScenariosByDriver))]
    public async Task Every_driver_takes_the_definitions_steps_and_leaves_the_right_ledger(string scenario, Driver driver)
    {
        var definition = Scenarios[scenario];
        await using var ledger = new SagaLedger();
        var transferId = await definition.Arrange(ledger);

        var run = await RunAsync(ledger, transferId, driver);

        if (run.Steps is not null)
        {
            Assert.Equal(definition.Steps, run.Steps);
        }

        if (run.Executions is not null)
        {
            // At least once: a step whose completion is lost runs again, and again, until one is recorded.
            var runsPerStep = LostCompletions(driver) + 1;
            Assert.Equal(definition.Steps.SelectMany(step => Enumerable.Repeat(step, runsPerStep)), run.Executions);
        }

        await definition.Check(ledger, transferId, run.Result);
        Assert.Equal(run.Result, await ledger.TransferAsync(transferId));
    }

    /// <summary>Same arrangement, same clock: the replayed orchestration leaves exactly the ledger the local driver leaves.</summary>
    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Replaying_with_repeated_steps_leaves_the_same_ledger_as_the_local_driver(string scenario)
    {
        var definition = Scenarios[scenario];
        await using var local = new SagaLedger();
        await using var replayed = new SagaLedger();
        var localId = await definition.Arrange(local);
        var replayedId = await definition.Arrange(replayed);
        Assert.Equal(localId, replayedId);

        var localRun = await RunAsync(local, localId, Driver.Local);
        var replayedRun = await RunAsync(replayed, replayedId, Driver.ReplayLosingEachCompletionOnce);

        Assert.Equal(localRun.Result, replayedRun.Result);
        Assert.Equal(localRun.Steps, replayedRun.Steps);
        foreach (var account in new[] { Source, Destination })
        {
            var localAccount = await local.Engine.GetAccountAsync(SagaLedger.App, AccountId.From(account), CancellationToken.None);
            var replayedAccount = await replayed.Engine.GetAccountAsync(SagaLedger.App, AccountId.From(account), CancellationToken.None);
            Assert.Equal(localAccount.IsSuccess, replayedAccount.IsSuccess);
            if (localAccount.IsSuccess)
            {
                Assert.Equal(localAccount.Value, replayedAccount.Value);
                Assert.Equal(await local.EntriesAsync(account), await replayed.EntriesAsync(account), EntryComparer.Instance);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Each_episode_runs_one_new_step_and_the_last_one_only_replays(string scenario)
    {
        var definition = Scenarios[scenario];
        await using var ledger = new SagaLedger();
        var transferId = await definition.Arrange(ledger);
        var steps = new ReplayingTransferSteps(ledger.Engine.TransferSteps, ledger.Clock);

        await steps.RunToCompletionAsync(SagaLedger.Key(transferId));

        var n = definition.Steps.Length;
        Assert.Equal(definition.Steps, steps.Executions);
        Assert.Equal(n + 1, steps.Episodes);
        Assert.Equal(n * (n + 1) / 2, steps.Replays);
    }

    /// <summary>
    /// The decision to expire is taken once, at the orchestration time of the episode that takes it, and
    /// every replay takes it again at that recorded time, whatever the clock says by then.
    /// </summary>
    [Fact]
    public async Task A_hold_that_expires_between_episodes_is_expired_once_and_replays_keep_that_decision()
    {
        await using var ledger = new SagaLedger();
        await ledger.OpenAsync(Source, funds: 100);
        await ledger.OpenAsync(Destination);
        var hold = await ledger.PlaceHoldAsync(Source, Destination, 40, "hold-late", expiresInSeconds: 60);
        var steps = new ReplayingTransferSteps(ledger.Engine.TransferSteps, ledger.Clock);

        // Episode 1 reads the hold before its expiry; the next episode starts after it; after that the
        // clock is set back before the expiry, so a replay that read the clock would decide differently.
        var result = await steps.RunToCompletionAsync(SagaLedger.Key(hold.TransferId), episode => ledger.Clock.Advance(TimeSpan.FromSeconds(episode == 0 ? 120 : -120)));

        Assert.Equal([Read, ExpireHold], steps.Steps);
        AssertFinal(result, "voided", ErrorCodes.HoldExpired);
        await AssertAccountAsync(ledger, Source, balance: 100, pending: 0);
        Assert.Equal(result, await ledger.TransferAsync(hold.TransferId));
    }

    [Fact]
    public async Task A_hold_read_before_its_expiry_waits_and_its_orchestration_completes_without_expiring_it()
    {
        await using var ledger = new SagaLedger();
        await ledger.OpenAsync(Source, funds: 100);
        await ledger.OpenAsync(Destination);
        var hold = await ledger.PlaceHoldAsync(Source, Destination, 40, "hold-early", expiresInSeconds: 60);
        var steps = new ReplayingTransferSteps(ledger.Engine.TransferSteps, ledger.Clock);

        // The episode that decides starts 10 s after the read, well before the expiry: the hold waits.
        var result = await steps.RunToCompletionAsync(SagaLedger.Key(hold.TransferId), _ => ledger.Clock.Advance(TimeSpan.FromSeconds(10)));

        Assert.Equal([Read], steps.Steps);
        AssertFinal(result, "reserved", failureCode: null);
        await AssertAccountAsync(ledger, Source, balance: 100, pending: 40);
    }

    [Fact]
    public async Task A_transfer_that_does_not_exist_ends_the_orchestration_after_one_read()
    {
        await using var ledger = new SagaLedger();
        var steps = new ReplayingTransferSteps(ledger.Engine.TransferSteps, ledger.Clock);

        var result = await steps.RunToCompletionAsync(SagaLedger.Key(TransferIdThatWasNeverCreated()));

        Assert.Null(result);
        Assert.Equal([Read], steps.Steps);
    }

    [Fact]
    public async Task Every_step_result_survives_the_round_trip_through_the_orchestration_history()
    {
        // Durable stores activity results as JSON; a result that does not round-trip would replay differently.
        await using var ledger = new SagaLedger();
        await ledger.OpenAsync(Source, funds: 100);
        await ledger.OpenAsync(Destination);
        var transfer = await ledger.ReserveTransferAsync(Source, Destination, 30, "transfer-json");
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);

        var credit = await ledger.Engine.TransferSteps.CreditDestinationAsync(SagaLedger.Key(transfer.TransferId), CancellationToken.None);
        var posted = await ledger.Engine.TransferSteps.CommitSourceAsync(SagaLedger.Key(transfer.TransferId), CancellationToken.None);
        var key = SagaLedger.Key(transfer.TransferId);
        var reason = new VoidReason(ErrorCodes.AccountFrozen, "frozen");

        Assert.Equal(credit, RoundTrip(credit));
        Assert.Equal(posted, RoundTrip(posted));
        Assert.Equal(transfer, RoundTrip(transfer));
        Assert.Equal(key, RoundTrip(key));
        Assert.Equal(reason, RoundTrip(reason));

        T RoundTrip<T>(T value) => System.Text.Json.JsonSerializer.Deserialize<T>(System.Text.Json.JsonSerializer.Serialize(value, options), options)!;
    }

    private static string TransferIdThatWasNeverCreated()
        => TransferId.Derive(SagaLedger.App, IdempotencyKey.From("never-requested"), "transfer", AccountId.From(Source)).Value;

    private static int LostCompletions(Driver driver) => driver switch
    {
        Driver.ReplayLosingEachCompletionOnce => 1,
        Driver.ReplayLosingEachCompletionThrice => 3,
        _ => 0,
    };

    private static async Task<SagaRun> RunAsync(SagaLedger ledger, string transferId, Driver driver)
    {
        var key = SagaLedger.Key(transferId);
        switch (driver)
        {
            case Driver.Local:
                var local = new RecordingTransferSteps(ledger.Engine.TransferSteps);
                return new SagaRun(await TransferSaga.DriveAsync(local, key, CancellationToken.None), local.Steps, null);
            case Driver.InProcessDriver:
                return new SagaRun(await ledger.Engine.InProcessDriver.RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None), null, null);
            default:
                var replaying = new ReplayingTransferSteps(ledger.Engine.TransferSteps, ledger.Clock) { LoseCompletions = LostCompletions(driver) };
                var result = await replaying.RunToCompletionAsync(key);
                return new SagaRun(result, replaying.Steps, replaying.Executions);
        }
    }

    private static void AssertFinal(TransferDocument? result, string state, string? failureCode)
    {
        Assert.NotNull(result);
        Assert.Equal(state, result.State);
        Assert.Equal(failureCode, result.FailureCode);
    }

    private static async Task AssertAccountAsync(SagaLedger ledger, string account, long balance, long pending)
    {
        var state = await ledger.AccountAsync(account);
        Assert.True(balance == state.Balance, $"{account}: balance {state.Balance}, expected {balance}.");
        Assert.True(pending == state.PendingDebits, $"{account}: pending {state.PendingDebits}, expected {pending}.");
    }

    /// <summary>One debit on the source and one credit on the destination for the transfer, however often its steps ran.</summary>
    private static async Task AssertPostedOnceAsync(SagaLedger ledger, string transferId, string debitedAccount, string creditedAccount, long amount)
    {
        var debits = (await ledger.EntriesAsync(debitedAccount)).Where(entry => entry.TransferId == transferId).ToArray();
        var credits = (await ledger.EntriesAsync(creditedAccount)).Where(entry => entry.TransferId == transferId).ToArray();
        Assert.Equal(-amount, Assert.Single(debits).Amount);
        Assert.Equal(amount, Assert.Single(credits).Amount);
    }

    private static async Task AssertNothingPostedAsync(SagaLedger ledger, string transferId, params string[] accounts)
    {
        foreach (var account in accounts)
        {
            Assert.DoesNotContain(await ledger.EntriesAsync(account), entry => entry.TransferId == transferId);
        }
    }

    private sealed record Scenario(string Name, string[] Steps, Func<SagaLedger, Task<string>> Arrange, Func<SagaLedger, string, TransferDocument?, Task> Check);

    private sealed record SagaRun(TransferDocument? Result, IReadOnlyList<string>? Steps, IReadOnlyList<string>? Executions);

    /// <summary>Entries compared by value, legs included (the record's list compares by reference).</summary>
    private sealed class EntryComparer : IEqualityComparer<EntryDocument>
    {
        public static readonly EntryComparer Instance = new();

        public bool Equals(EntryDocument? x, EntryDocument? y)
            => x is not null && y is not null && (x with { Legs = [] }) == (y with { Legs = [] }) && x.Legs.SequenceEqual(y.Legs);

        public int GetHashCode(EntryDocument obj) => obj.TransactionId.GetHashCode(StringComparison.Ordinal);
    }
}
