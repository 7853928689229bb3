using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>
/// Invariant 6: a transfer ends Posted or Voided whatever stops the engine in between. A store decorator
/// throws on a chosen commit (before it happens, or after it happened: a process killed right after the
/// commit), then a new engine over the same store (a restart: fresh pipeline, empty cache) recovers. The
/// saga's steps are then repeated, singly and from concurrent drivers, and must change nothing more.
/// </summary>
public sealed class TransferCrashRecoveryTests
{
    private static readonly string[] Accounts = ["src", "dst"];

    public static TheoryData<StoreKind, CrashPoint> Points()
    {
        var data = new TheoryData<StoreKind, CrashPoint>();
        foreach (var kind in Enum.GetValues<StoreKind>())
        {
            foreach (var point in Enum.GetValues<CrashPoint>())
            {
                data.Add(kind, point);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_transfer_stopped_anywhere_is_posted_once_after_a_restart_and_repeating_any_step_changes_nothing(StoreKind kind, CrashPoint point)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var id = TransferKit.TransferIdOf("t1", "src");
        var (rule, timing) = SagaCommits.FaultAt(point);
        faults.Arm(rule, timing);

        // The request is stopped mid-saga: the reservation itself fails the request; a later step leaves it unfinished.
        Outcome<TransferOutcome> stopped;
        try
        {
            stopped = new Outcome<TransferOutcome>(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"), null);
        }
        catch (StoreUnavailableException exception)
        {
            stopped = new Outcome<TransferOutcome>(default, exception);
        }

        faults.Disarm();
        Assert.Equal(1, faults.Fired);
        if (point is CrashPoint.BeforeReserve or CrashPoint.AfterReserve)
        {
            Assert.IsType<StoreUnavailableException>(stopped.Exception);
        }
        else
        {
            // Stopped before its last commit landed, the request answers "not finished"; stopped after it, the
            // answer is the (posted) state the store holds, whatever the lost acknowledgement.
            Assert.True(stopped.Succeeded, stopped.ToString());
            Assert.Equal(point == CrashPoint.AfterCommit, stopped.Result.Value.Finished);
            Assert.Equal(point == CrashPoint.AfterCommit ? "posted" : "crediting", stopped.Result.Value.Transfer.State);
        }

        // Whatever was left is consistent even before recovery: pending is the open reservation, nothing double-counted.
        var before = await LedgerAudit.CheckAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(point == CrashPoint.BeforeReserve ? 0 : 1, before.Transfers.Count);

        // Restart: a new engine over the same store drives everything open to the end.
        var restarted = ledger.NewEngine();
        var driven = await restarted.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(point is CrashPoint.BeforeReserve or CrashPoint.AfterCommit ? 0 : 1, driven);

        if (point == CrashPoint.BeforeReserve)
        {
            // Nothing was reserved, so nothing happened; the client's retry with the same key is decided afresh.
            var empty = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
            Assert.Empty(empty.Transfers);
            Assert.Equal(100, empty.Accounts["src"].Balance);
        }

        // The client's retry (same key, same body) finds its transfer, finished, and changes nothing more.
        var retried = Expect.Success(await TransferKit.TransferAsync(restarted, "src", "dst", 30, "t1"));
        Assert.True(retried.Finished);
        Assert.Equal(id, retried.Transfer.TransferId);
        Assert.Equal("posted", retried.Transfer.State);

        var after = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        AssertPostedOnce(after, id, source: "src", destination: "dst", amount: 30, sourceBalance: 70);

        // Every step again, on both engines: the saga's repeated steps have no second effect.
        foreach (var engine in new[] { ledger.Engine, restarted })
        {
            var steps = engine.TransferSteps;
            Assert.True((await steps.CreditDestinationAsync(TransferKit.Key(id), CancellationToken.None)).Credited);
            Assert.True((await steps.CreditDestinationAsync(TransferKit.Key(id), CancellationToken.None)).Credited);
            Assert.Equal("posted", (await steps.CommitSourceAsync(TransferKit.Key(id), CancellationToken.None)).State);
            Assert.Equal("posted", (await steps.CommitSourceAsync(TransferKit.Key(id), CancellationToken.None)).State);
            Assert.Equal("posted", (await steps.VoidSourceAsync(TransferKit.Key(id), new VoidReason("test", "a late void"), CancellationToken.None)).State);
            Assert.Equal("posted", (await steps.ExpireHoldAsync(TransferKit.Key(id), CancellationToken.None)).State);
            Assert.Equal("posted", (await TransferSaga.DriveAsync(steps, TransferKit.Key(id), CancellationToken.None))!.State);
        }

        var repeated = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        AssertPostedOnce(repeated, id, source: "src", destination: "dst", amount: 30, sourceBalance: 70);
        Assert.Equal(after.Accounts["src"], repeated.Accounts["src"]);
        Assert.Equal(after.Accounts["dst"], repeated.Accounts["dst"]);
    }

    [Theory]
    [InlineData(StoreKind.InMemory, CrashPoint.AfterReserve)]
    [InlineData(StoreKind.InMemory, CrashPoint.BeforeCredit)]
    [InlineData(StoreKind.InMemory, CrashPoint.AfterCredit)]
    [InlineData(StoreKind.InMemory, CrashPoint.BeforeCommit)]
    [InlineData(StoreKind.Sqlite, CrashPoint.BeforeCredit)]
    [InlineData(StoreKind.Sqlite, CrashPoint.AfterCredit)]
    public async Task Many_drivers_at_once_on_two_engines_finish_a_stopped_transfer_exactly_once(StoreKind kind, CrashPoint point)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var id = TransferKit.TransferIdOf("t1", "src");
        var (rule, timing) = SagaCommits.FaultAt(point);
        faults.Arm(rule, timing);
        try
        {
            await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 40, "t1");
        }
        catch (StoreUnavailableException)
        {
        }

        faults.Disarm();
        Assert.Equal(1, faults.Fired);
        Assert.NotEqual("posted", (await TransferKit.GetAsync(ledger.Engine, id)).State);

        // Twelve drivers on three engines (the original and two restarts), plus two recovery sweeps, all at once.
        var engines = new[] { ledger.Engine, ledger.NewEngine(), ledger.NewEngine() };
        var drivers = Enumerable.Range(0, 12).Select(index => Task.Run(() => TransferSaga.DriveAsync(engines[index % 3].TransferSteps, TransferKit.Key(id), CancellationToken.None)));
        var sweeps = engines.Take(2).Select(engine => Task.Run(() => engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None)));
        var results = await Task.WhenAll(drivers);
        await Task.WhenAll(sweeps);

        Assert.All(results, result => Assert.Equal("posted", result!.State));
        var report = await LedgerAudit.CheckAllFinalAsync(engines[2], TransferKit.App, issued);
        AssertPostedOnce(report, id, source: "src", destination: "dst", amount: 40, sourceBalance: 60);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Repeating_the_credit_and_commit_steps_by_hand_after_a_stop_before_the_credit_credits_once_and_posts_once(StoreKind kind)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var id = TransferKit.TransferIdOf("t1", "src");
        faults.Arm(SagaCommits.Credit, FaultTiming.BeforeCommit);
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 25, "t1"));
        faults.Disarm();

        var restarted = ledger.NewEngine();
        var steps = restarted.TransferSteps;
        var key = TransferKit.Key(id);

        var first = await steps.CreditDestinationAsync(key, CancellationToken.None);
        var second = await steps.CreditDestinationAsync(key, CancellationToken.None);
        var third = await ledger.Engine.TransferSteps.CreditDestinationAsync(key, CancellationToken.None);
        Assert.True(first.Credited && second.Credited && third.Credited);
        var credited = await LedgerAudit.CheckAsync(restarted, TransferKit.App, issued);
        Assert.Equal(25, credited.Accounts["dst"].Balance);
        Assert.Equal(1, credited.CreditEntriesOf(id));
        Assert.Equal("crediting", credited.Transfer(id).State);
        Assert.Equal(25, credited.Accounts["src"].PendingDebits);

        var committed = await Task.WhenAll(
            Task.Run(() => steps.CommitSourceAsync(key, CancellationToken.None)),
            Task.Run(() => steps.CommitSourceAsync(key, CancellationToken.None)),
            Task.Run(() => ledger.Engine.TransferSteps.CommitSourceAsync(key, CancellationToken.None)));
        Assert.All(committed, document => Assert.Equal("posted", document.State));
        Assert.Equal("posted", (await steps.CommitSourceAsync(key, CancellationToken.None)).State);

        var report = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        AssertPostedOnce(report, id, source: "src", destination: "dst", amount: 25, sourceBalance: 75);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_transfer_stopped_before_its_credit_whose_destination_is_frozen_meanwhile_is_voided_with_the_reason_and_releases_the_reservation(StoreKind kind)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var id = TransferKit.TransferIdOf("t1", "src");
        faults.Arm(SagaCommits.Credit, FaultTiming.BeforeCommit);
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        faults.Disarm();

        var restarted = ledger.NewEngine();
        Expect.Success(await restarted.FreezeAsync(TransferKit.App, AccountId.From("dst")));
        Assert.Equal(1, await restarted.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));

        var report = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        var transfer = report.Transfer(id);
        Assert.Equal("voided", transfer.State);
        Assert.Equal(ErrorCodes.AccountFrozen, transfer.FailureCode);
        Assert.Equal(100, report.Accounts["src"].Balance);
        Assert.Equal(0, report.Accounts["src"].PendingDebits);
        Assert.Equal(0, report.Accounts["dst"].Balance);

        // The refusal was decided for good: unfreezing and driving again does not revive the transfer.
        Expect.Success(await restarted.UnfreezeAsync(TransferKit.App, AccountId.From("dst")));
        Assert.False((await restarted.TransferSteps.CreditDestinationAsync(TransferKit.Key(id), CancellationToken.None)).Credited);
        Assert.Equal("voided", (await TransferSaga.DriveAsync(ledger.Engine.TransferSteps, TransferKit.Key(id), CancellationToken.None))!.State);
        await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
    }

    /// <summary>
    /// The in-process driver starts the saga from the document the reservation wrote, not a fresh read.
    /// That document may be stale by the time the saga runs; every step reads the transfer again, so
    /// driving from a stale start repeats no effect.
    /// </summary>
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Driving_from_a_stale_known_state_after_the_transfer_was_posted_changes_nothing(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var posted = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1")).Transfer;
        Assert.Equal("posted", posted.State);
        var staleStart = posted with { State = "crediting" };

        var driven = await TransferSaga.DriveAsync(ledger.Engine.TransferSteps, TransferKit.Key(posted.TransferId), CancellationToken.None, known: staleStart);

        Assert.Equal("posted", driven!.State);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(70, report.Accounts["src"].Balance);
        Assert.Equal(30, report.Accounts["dst"].Balance);
        Assert.Equal(0, report.Accounts["src"].PendingDebits);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_transfer_stopped_after_its_credit_still_posts_when_the_destination_is_frozen_before_recovery(StoreKind kind)
    {
        // The credit was decided first, so a later refusal must not void a transfer whose credit landed.
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var id = TransferKit.TransferIdOf("t1", "src");
        faults.Arm(SagaCommits.Credit, FaultTiming.AfterCommit);
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        faults.Disarm();

        var restarted = ledger.NewEngine();
        Expect.Success(await restarted.FreezeAsync(TransferKit.App, AccountId.From("dst")));
        Expect.Success(await restarted.FreezeAsync(TransferKit.App, AccountId.From("src")));
        Assert.Equal(1, await restarted.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));

        var report = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        AssertPostedOnce(report, id, source: "src", destination: "dst", amount: 30, sourceBalance: 70);
    }

    [Theory]
    [InlineData(StoreKind.InMemory, CrashPoint.BeforeCredit)]
    [InlineData(StoreKind.InMemory, CrashPoint.AfterCredit)]
    [InlineData(StoreKind.InMemory, CrashPoint.BeforeCommit)]
    [InlineData(StoreKind.InMemory, CrashPoint.AfterCommit)]
    [InlineData(StoreKind.Sqlite, CrashPoint.AfterCredit)]
    public async Task A_partial_capture_stopped_mid_saga_posts_the_captured_part_once_and_releases_the_rest(StoreKind kind, CrashPoint point)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 50, "h1"));
        var (rule, timing) = SagaCommits.FaultAt(point);
        faults.Arm(rule, timing);
        var captured = Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1", amount: 20));
        faults.Disarm();
        Assert.Equal(1, faults.Fired);
        Assert.Equal(point == CrashPoint.AfterCommit, captured.Finished);

        var restarted = ledger.NewEngine();
        await restarted.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);

        // The capture's retry gets the same, now final, outcome.
        var retried = Expect.Success(await TransferKit.CaptureAsync(restarted, hold.TransferId, "c1", amount: 20));
        Assert.True(retried.Finished);
        Assert.Equal("posted", retried.Transfer.State);
        Assert.Equal(20, retried.Transfer.SettleAmount);

        var report = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        AssertPostedOnce(report, hold.TransferId, source: "src", destination: "dst", amount: 20, sourceBalance: 80);
        Assert.Equal(80, report.Accounts["src"].Available);
    }

    [Theory]
    [InlineData(StoreKind.InMemory, FaultTiming.BeforeCommit)]
    [InlineData(StoreKind.InMemory, FaultTiming.AfterCommit)]
    [InlineData(StoreKind.Sqlite, FaultTiming.AfterCommit)]
    public async Task A_capture_stopped_at_its_own_commit_is_answered_by_its_retry_and_captured_once(StoreKind kind, FaultTiming timing)
    {
        // The capture's own batch (the hold moves to crediting, with the capture's marker) is lost or lands unacknowledged.
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 50, "h1"));
        faults.Arm(SagaCommits.WritesTransferIn("crediting"), timing);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1", amount: 20));
        faults.Disarm();
        Assert.Equal(1, faults.Fired);
        Assert.Equal(timing == FaultTiming.AfterCommit ? "crediting" : "reserved", (await TransferKit.GetAsync(ledger.Engine, hold.TransferId)).State);

        // Another key cannot capture it meanwhile if the first capture landed; the retry of the first answers it.
        var rival = await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c2", amount: 30);
        var restarted = ledger.NewEngine();
        await restarted.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
        var retried = await TransferKit.CaptureAsync(restarted, hold.TransferId, "c1", amount: 20);

        if (timing == FaultTiming.AfterCommit)
        {
            Expect.Failure(rival, ErrorCodes.HoldAlreadyResolved);
            Assert.Equal(20, Expect.Success(retried).Transfer.SettleAmount);
        }
        else
        {
            // The lost capture never happened: the rival captured, and the retry is refused.
            Assert.Equal(30, Expect.Success(rival).Transfer.SettleAmount);
            Expect.Failure(retried, ErrorCodes.HoldAlreadyResolved);
        }

        var report = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        var settled = report.Transfer(hold.TransferId).SettleAmount!.Value;
        AssertPostedOnce(report, hold.TransferId, source: "src", destination: "dst", amount: settled, sourceBalance: 100 - settled);
    }

    [Theory]
    [InlineData(StoreKind.InMemory, CrashPoint.AfterReserve)]
    [InlineData(StoreKind.InMemory, CrashPoint.BeforeCredit)]
    [InlineData(StoreKind.InMemory, CrashPoint.AfterCredit)]
    [InlineData(StoreKind.InMemory, CrashPoint.BeforeCommit)]
    [InlineData(StoreKind.Sqlite, CrashPoint.AfterCredit)]
    public async Task A_refund_stopped_mid_saga_posts_once_and_its_limit_counts_it_once(StoreKind kind, CrashPoint point)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var original = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 60, "t1")).Transfer;
        var refundId = TransferKit.TransferIdOf("r1", "dst", scope: "refund");
        var (rule, timing) = SagaCommits.FaultAt(point);
        faults.Arm(rule, timing);
        try
        {
            await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r1", amount: 25);
        }
        catch (StoreUnavailableException)
        {
        }

        faults.Disarm();
        Assert.Equal(1, faults.Fired);

        var restarted = ledger.NewEngine();
        await restarted.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
        var retried = Expect.Success(await TransferKit.RefundAsync(restarted, original.TransferId, "r1", amount: 25));
        Assert.Equal(refundId, retried.Transfer.TransferId);
        Assert.Equal("posted", retried.Transfer.State);

        var report = await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
        AssertPostedOnce(report, refundId, source: "dst", destination: "src", amount: 25, sourceBalance: 35);
        Assert.Equal(65, report.Accounts["src"].Balance);

        // What is left to refund is 35, counted once whatever was repeated.
        Expect.Failure(await TransferKit.RefundAsync(restarted, original.TransferId, "r2", amount: 36), ErrorCodes.RefundExceedsRemaining);
        Assert.Equal(35, Expect.Success(await TransferKit.RefundAsync(restarted, original.TransferId, "r3")).Transfer.SettleAmount);
        await LedgerAudit.CheckAllFinalAsync(restarted, TransferKit.App, issued);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Twenty_transfers_stopped_at_every_step_are_all_finished_by_concurrent_recovery_sweeps_of_three_restarted_engines(StoreKind kind)
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(kind, store => faults = new FaultInjectingLedgerStore(store));
        string[] accounts = ["a", "b", "c", "d"];
        var issued = await TransferKit.SetUpAsync(ledger, accounts, 1000, accounts);
        var points = new[] { CrashPoint.AfterReserve, CrashPoint.BeforeCredit, CrashPoint.AfterCredit, CrashPoint.BeforeCommit, CrashPoint.AfterCommit };
        var ids = new List<string>();
        for (var index = 0; index < 20; index++)
        {
            var from = accounts[index % 4];
            var to = accounts[(index + 1 + (index / 4 % 3)) % 4];
            var (rule, timing) = SagaCommits.FaultAt(points[index % points.Length]);
            faults.Arm(rule, timing);
            try
            {
                await TransferKit.TransferAsync(ledger.Engine, from, to, 10 + index, $"t{index}");
            }
            catch (StoreUnavailableException)
            {
            }

            faults.Disarm();
            ids.Add(TransferKit.TransferIdOf($"t{index}", from));
        }

        Assert.Equal(20, faults.Fired);
        await LedgerAudit.CheckAsync(ledger.Engine, TransferKit.App, issued);

        var engines = Enumerable.Range(0, 3).Select(_ => ledger.NewEngine()).ToArray();
        await Task.WhenAll(engines.Select(engine => Task.Run(() => engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None))));

        var report = await LedgerAudit.CheckAllFinalAsync(engines[0], TransferKit.App, issued);
        Assert.All(ids, id => Assert.Equal("posted", report.Transfer(id).State));
        Assert.All(ids, id => Assert.Equal(1, report.CreditEntriesOf(id)));
        Assert.Equal(issued, report.SumOfBalances);
    }

    [Fact]
    public async Task A_store_that_keeps_failing_leaves_the_transfer_open_and_consistent_and_a_later_sweep_finishes_it()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        var id = TransferKit.TransferIdOf("t1", "src");

        // Every credit fails for a while: the request, then two sweeps, each stop at the same place.
        faults.Arm(SagaCommits.Credit, FaultTiming.BeforeCommit, times: 3);
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        Assert.Equal(0, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(0, await ledger.NewEngine().RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(3, faults.Fired);
        var stuck = await LedgerAudit.CheckAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal("crediting", stuck.Transfer(id).State);
        Assert.Equal(30, stuck.Accounts["src"].PendingDebits);
        Assert.Equal(70, stuck.Accounts["src"].Available);

        Assert.Equal(1, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        AssertPostedOnce(report, id, source: "src", destination: "dst", amount: 30, sourceBalance: 70);
    }

    [Fact]
    public async Task A_recovery_sweep_leaves_alone_a_transfer_that_moved_recently_and_takes_it_over_once_it_stalls()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, Accounts, 100, "src");
        faults.Arm(SagaCommits.Credit, FaultTiming.BeforeCommit);
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        faults.Disarm();

        Assert.Equal(0, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Single((await LedgerAudit.CheckAsync(ledger.Engine, TransferKit.App, issued)).Open);

        ledger.Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task One_sweep_recovers_more_open_transfers_than_fit_in_one_page_of_the_open_transfer_index()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
        string[] accounts = ["a", "b", "c"];
        var issued = await TransferKit.SetUpAsync(ledger, accounts, 10_000, accounts);

        // 450 transfers stopped before their credit (the index pages by 200), plus 30 unexpired holds the sweep must
        // leave alone. One after another, so each credit is a batch of its own and each fault stops exactly one saga.
        faults.Arm(SagaCommits.Credit, FaultTiming.BeforeCommit, times: 450);
        for (var index = 0; index < 450; index++)
        {
            Expect.Success(await TransferKit.TransferAsync(ledger.Engine, accounts[index % 3], accounts[(index + 1) % 3], 1 + (index % 7), $"t{index}"));
        }

        faults.Disarm();
        Assert.Equal(450, faults.Fired);
        for (var index = 0; index < 30; index++)
        {
            Expect.Success(await TransferKit.HoldAsync(ledger.Engine, accounts[index % 3], accounts[(index + 2) % 3], 1, $"h{index}"));
        }

        Assert.Equal(450, await ledger.NewEngine().RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));

        var report = await LedgerAudit.CheckSettledAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(450, report.Transfers.Values.Count(transfer => transfer.Kind == "transfer" && transfer.State == "posted"));
        Assert.Equal(30, report.Open.Count());
    }

    private static void AssertPostedOnce(AuditReport report, string id, string source, string destination, long amount, long sourceBalance)
    {
        var transfer = report.Transfer(id);
        Assert.Equal("posted", transfer.State);
        Assert.Equal(amount, transfer.SettleAmount);
        Assert.Equal(1, report.CreditEntriesOf(id));
        Assert.Equal(1, report.DebitEntriesOf(id));
        Assert.Equal(sourceBalance, report.Accounts[source].Balance);
        Assert.Equal(0, report.Accounts[source].PendingDebits);
        Assert.Equal(amount, report.Entries[destination].Where(entry => entry.TransferId == id).Sum(entry => entry.Amount));
    }
}
