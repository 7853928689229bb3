using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>Invariants 3 and 6 under concurrency: transfers, holds and refunds racing each other.</summary>
public abstract class TransferRaceTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Two_hundred_concurrent_transfers_of_one_out_of_a_balance_of_a_hundred_post_exactly_a_hundred(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        var destinations = Enumerable.Range(0, 10).Select(index => $"dst-{index}").ToArray();
        var issued = await TransferKit.SetUpAsync(ledger, [.. destinations, "src"], 100, "src");

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 200).Select(index => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.TransferAsync(ledger.Engine, "src", destinations[index % destinations.Length], 1, $"t{index}"))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code == ErrorCodes.InsufficientFunds, outcome.ToString()));
        var posted = outcomes.Where(outcome => outcome.Succeeded).Select(outcome => outcome.Result.Value).ToArray();
        Assert.Equal(100, posted.Length);
        Assert.All(posted, outcome => Assert.Equal("posted", outcome.Transfer.State));
        Assert.Equal(100, outcomes.Count(outcome => outcome.Code == ErrorCodes.InsufficientFunds));

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(0, report.Accounts["src"].Balance);
        Assert.Equal(0, report.Accounts["src"].PendingDebits);
        Assert.Equal(100, destinations.Sum(destination => report.Accounts[destination].Balance));
        Assert.Equal(100, report.Transfers.Count);
    }

    [Fact]
    public async Task Concurrent_transfers_out_of_one_account_through_two_engines_never_overdraw_it()
    {
        // Two engines are two processes: only the account's ETag stands between their reservations.
        await using var ledger = CreateLedger(StoreKind.InMemory);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst-0", "dst-1"], 50, "src");
        var engines = new[] { ledger.Engine, ledger.NewEngine(new PartitionPipelineOptions { MaxConflictRetries = 64 }) };

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 120).Select(index => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.TransferAsync(engines[index % 2], "src", $"dst-{index % 2}", 1, $"t{index}"))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code is ErrorCodes.InsufficientFunds or ErrorCodes.Contention, outcome.ToString()));
        var posted = outcomes.Count(outcome => outcome.Succeeded);
        var report = await LedgerAudit.CheckAllFinalAsync(engines[1], TransferKit.App, issued);
        Assert.Equal(50 - posted, report.Accounts["src"].Balance);
        Assert.True(report.Accounts["src"].Balance >= 0);
        Assert.Equal(posted, report.Accounts["dst-0"].Balance + report.Accounts["dst-1"].Balance);
    }

    [Theory]
    [InlineData(StoreKind.InMemory, 1)]
    [InlineData(StoreKind.InMemory, 2)]
    [InlineData(StoreKind.Sqlite, 1)]
    public async Task Transfers_A_to_B_and_B_to_A_running_together_all_finish_and_lose_nothing(StoreKind kind, int engineCount)
    {
        await using var ledger = CreateLedger(kind);
        var issued = await TransferKit.SetUpAsync(ledger, ["a", "b"], 50, "a", "b");
        var engines = Enumerable.Range(0, engineCount).Select(index => index == 0 ? ledger.Engine : ledger.NewEngine(new PartitionPipelineOptions { MaxConflictRetries = 64 })).ToArray();

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 160).Select(index => (Func<Task<Result<TransferOutcome>>>)(() =>
            index % 2 == 0
                ? TransferKit.TransferAsync(engines[index % engineCount], "a", "b", 1 + (index % 3), $"ab{index}")
                : TransferKit.TransferAsync(engines[index % engineCount], "b", "a", 1 + (index % 3), $"ba{index}"))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code is ErrorCodes.InsufficientFunds or ErrorCodes.Contention, outcome.ToString()));
        Assert.All(outcomes.Where(outcome => outcome.Succeeded), outcome => Assert.True(outcome.Result.Value.Finished && outcome.Result.Value.Transfer.State == "posted", outcome.Result.Value.Transfer.State));
        var report = await LedgerAudit.CheckAllFinalAsync(engines[0], TransferKit.App, issued);
        Assert.Equal(100, report.Accounts["a"].Balance + report.Accounts["b"].Balance);
        Assert.Equal(outcomes.Count(outcome => outcome.Succeeded), report.Transfers.Values.Count(transfer => transfer.State == "posted"));
    }

    [Theory]
    [InlineData(StoreKind.InMemory, false)]
    [InlineData(StoreKind.InMemory, true)]
    [InlineData(StoreKind.Sqlite, false)]
    public async Task A_hold_captured_and_voided_at_once_resolves_exactly_one_way_fifty_times_over(StoreKind kind, bool twoEngines)
    {
        await using var ledger = CreateLedger(kind);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 1000, "src");
        var voider = twoEngines ? ledger.NewEngine() : ledger.Engine;
        var captures = 0;
        var voids = 0;
        for (var round = 0; round < 50; round++)
        {
            var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, $"h{round}"));
            var capture = Task.Run(() => TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, $"c{round}", amount: round % 2 == 0 ? null : 4));
            var release = Task.Run(() => TransferKit.VoidAsync(voider, hold.TransferId));
            var captured = await capture;
            var voided = await release;

            Assert.True(captured.IsSuccess != voided.IsSuccess, $"round {round}: capture {captured.Error?.Code ?? "ok"}, void {voided.Error?.Code ?? "ok"}");
            var final = await TransferKit.GetAsync(ledger.Engine, hold.TransferId);
            if (captured.IsSuccess)
            {
                captures++;
                Expect.Failure(voided, ErrorCodes.HoldAlreadyResolved);
                Assert.Equal("posted", final.State);
                Assert.Equal(round % 2 == 0 ? 10 : 4, final.SettleAmount);
            }
            else
            {
                voids++;
                Expect.Failure(captured, ErrorCodes.HoldAlreadyResolved);
                Assert.Equal("voided", final.State);
                Assert.Equal("hold_voided", final.FailureCode);
            }
        }

        Assert.Equal(50, captures + voids);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(report.Transfers.Values.Where(hold => hold.State == "posted").Sum(hold => hold.SettleAmount), report.Accounts["dst"].Balance);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_captures_of_one_hold_with_different_keys_capture_it_once(bool twoEngines)
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var engines = new[] { ledger.Engine, twoEngines ? ledger.NewEngine() : ledger.Engine };
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 40, "h1"));

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 10).Select(index => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.CaptureAsync(engines[index % 2], hold.TransferId, $"c{index}", amount: 10 + index))));

        Assert.Single(outcomes, outcome => outcome.Succeeded);
        Assert.All(outcomes.Where(outcome => !outcome.Succeeded), outcome => Assert.True(outcome.Code is ErrorCodes.HoldAlreadyResolved or ErrorCodes.Contention, outcome.ToString()));
        var settled = outcomes.Single(outcome => outcome.Succeeded).Result.Value.Transfer.SettleAmount;
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(settled, report.Accounts["dst"].Balance);
        Assert.Equal(100 - settled, report.Accounts["src"].Balance);
    }

    [Fact]
    public async Task A_hold_expiring_while_it_is_captured_resolves_exactly_one_way()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 1000, "src");
        for (var round = 0; round < 30; round++)
        {
            var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, $"h{round}", expiresInSeconds: 60));
            var capture = Task.Run(() => TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, $"c{round}"));
            ledger.Clock.Advance(TimeSpan.FromSeconds(61));
            var sweep = Task.Run(() => ledger.NewEngine().RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));
            var captured = await capture;
            await sweep;

            var final = await TransferKit.GetAsync(ledger.Engine, hold.TransferId);
            if (captured.IsSuccess)
            {
                Assert.Equal("posted", final.State);
            }
            else
            {
                Expect.Failure(captured, ErrorCodes.HoldExpired);
                Assert.True(final.State is "voided" or "reserved", final.State);
            }
        }

        await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.All(report.Transfers.Values.Where(hold => hold.State == "voided"), hold => Assert.Equal(ErrorCodes.HoldExpired, hold.FailureCode));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_partial_refunds_never_refund_more_than_the_transfer(bool twoEngines)
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var original = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 50, "t1")).Transfer;
        var engines = new[] { ledger.Engine, twoEngines ? ledger.NewEngine() : ledger.Engine };

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 20).Select(index => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.RefundAsync(engines[index % 2], original.TransferId, $"r{index}", amount: 5))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code is ErrorCodes.RefundExceedsRemaining or ErrorCodes.Contention, outcome.ToString()));
        var refunded = outcomes.Count(outcome => outcome.Succeeded) * 5;
        if (!twoEngines)
        {
            Assert.Equal(50, refunded);
        }

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.True(refunded <= 50);
        Assert.Equal(50 - refunded, report.Accounts["dst"].Balance);
        Assert.Equal(50 + refunded, report.Accounts["src"].Balance);
    }

    [Fact]
    public async Task Holds_and_transfers_out_of_one_account_together_never_reserve_more_than_it_holds()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 60, "src");

        var transfers = TransferKit.RunAllAsync(Enumerable.Range(0, 40).Select(index => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.TransferAsync(ledger.Engine, "src", "dst", 2, $"t{index}"))));
        var holds = TransferKit.RunAllAsync(Enumerable.Range(0, 40).Select(index => (Func<Task<Result<TransferDocument>>>)(() =>
            TransferKit.HoldAsync(ledger.Engine, "src", "dst", 3, $"h{index}"))));
        var transferOutcomes = await transfers;
        var holdOutcomes = await holds;

        Assert.All(transferOutcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code == ErrorCodes.InsufficientFunds, outcome.ToString()));
        Assert.All(holdOutcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code == ErrorCodes.InsufficientFunds, outcome.ToString()));
        var moved = transferOutcomes.Count(outcome => outcome.Succeeded) * 2;
        var held = holdOutcomes.Count(outcome => outcome.Succeeded) * 3;
        Assert.True(moved + held <= 60 && moved + held >= 58, $"moved {moved}, held {held}");

        var report = await LedgerAudit.CheckSettledAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(held, report.Accounts["src"].PendingDebits);
        Assert.Equal(60 - moved, report.Accounts["src"].Balance);
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class TransferRaceInOneCommitTests() : TransferRaceTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class TransferRaceClaimFirstTests() : TransferRaceTests(StoreKind.InMemoryWithoutAtomicCommits);
