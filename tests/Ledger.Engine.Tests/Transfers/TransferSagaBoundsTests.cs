using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>
/// Every saga ends: a credit that keeps failing is voided at its deadline and releases the reservation; a
/// commit that keeps failing after the credit landed is marked stuck, listed for its app, and retried only
/// at the slow rhythm; and the expiry sweep reads only the holds that are due.
/// </summary>
public sealed class TransferSagaBoundsTests
{
    /// <summary>Small bounds, so a test reaches them in a few sweeps: a 1 h deadline, stuck after 3 failures.</summary>
    private static readonly SagaBounds Bounds = new(TimeSpan.FromHours(1), MaxFailedAttempts: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));

    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_destination_that_keeps_failing_is_retried_with_back_off_until_the_deadline_then_the_transfer_is_voided_and_the_reservation_released()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
        var engine = BoundedEngine(ledger);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        faults.Arm(WritesEntryTo("dst"), FaultTiming.BeforeCommit, times: int.MaxValue);

        var started = Expect.Success(await TransferKit.TransferAsync(engine, "src", "dst", 30, "t1"));
        Assert.False(started.Finished);
        Assert.Equal((1, ledger.Clock.GetUtcNow() + TimeSpan.FromSeconds(1)), (started.Transfer.FailedAttempts, started.Transfer.RetryAfter));

        // Before the deadline the credit is retried, each failure counted, never marked stuck: it can still be voided.
        for (var sweep = 0; sweep < 20; sweep++)
        {
            ledger.Clock.Advance(TimeSpan.FromMinutes(2));
            await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None);
        }

        var retrying = await TransferKit.GetAsync(engine, started.Transfer.TransferId);
        Assert.Equal(("crediting", 21, null), (retrying.State, retrying.FailedAttempts, retrying.StuckSince));
        Assert.StartsWith("credit: Injected fault", retrying.LastFailure, StringComparison.Ordinal);
        Assert.Equal(30, (await LedgerAudit.CheckAsync(engine, TransferKit.App, issued)).Accounts["src"].PendingDebits);

        ledger.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None));

        var voided = await TransferKit.GetAsync(engine, started.Transfer.TransferId);
        Assert.Equal(("voided", TransferFailureCodes.CreditDeadlineExceeded), (voided.State, voided.FailureCode));
        Assert.Null(voided.RetryAfter);
        var report = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued);
        Assert.Equal((100, 0, 0), (report.Accounts["src"].Balance, report.Accounts["src"].PendingDebits, report.Accounts["dst"].Balance));
    }

    [Fact]
    public async Task A_credit_decided_after_the_deadline_is_refused_even_when_the_destination_is_healthy()
    {
        await using var ledger = TestLedger.Create();
        var engine = BoundedEngine(ledger);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var hold = Expect.Success(await TransferKit.HoldAsync(engine, "src", "dst", 30, "h1", expiresInSeconds: 7200));

        // The capture starts the deadline; nothing drives the transfer until it has passed (a host was down).
        var captured = Expect.Success(await engine.CaptureHoldAsync(TransferKit.App, IdempotencyKey.From("c1"), hold.TransferId, null, TransferKit.Wait, CancellationToken.None, NotDriven.Instance));
        Assert.Equal(ledger.Clock.GetUtcNow() + Bounds.CreditDeadline, captured.Transfer.CreditDeadline);
        ledger.Clock.Advance(Bounds.CreditDeadline);
        Assert.Equal(1, await engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));

        var report = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued);
        Assert.Equal(TransferFailureCodes.CreditDeadlineExceeded, report.Transfer(hold.TransferId).FailureCode);
        Assert.Equal((100, 0), (report.Accounts["src"].Balance, report.Accounts["dst"].Balance));
    }

    [Fact]
    public async Task A_destination_that_refuses_every_write_past_the_deadline_is_marked_stuck_not_voided_blindly()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
        var engine = BoundedEngine(ledger);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        faults.Arm(SagaCommits.To(TransferKit.App, "dst"), FaultTiming.BeforeCommit, times: int.MaxValue);
        var started = Expect.Success(await TransferKit.TransferAsync(engine, "src", "dst", 30, "t1"));

        // Past the deadline the refusal must be recorded where the credit would land; while it cannot be,
        // releasing the reservation could let a late credit create money, so the transfer turns stuck.
        ledger.Clock.Advance(Bounds.CreditDeadline);
        for (var sweep = 0; sweep < Bounds.MaxFailedAttempts; sweep++)
        {
            ledger.Clock.Advance(TimeSpan.FromMinutes(1));
            await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None);
        }

        var stuck = await TransferKit.GetAsync(engine, started.Transfer.TransferId);
        Assert.Equal(("crediting", TransferFailureCodes.CreditUndecided), (stuck.State, stuck.StuckReason));
        Assert.Equal(30, (await LedgerAudit.CheckAsync(engine, TransferKit.App, issued)).Accounts["src"].PendingDebits);

        faults.Disarm();
        ledger.Clock.Advance(Bounds.StuckRetryInterval);
        Assert.Equal(1, await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None));
        var report = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued);
        Assert.Equal(TransferFailureCodes.CreditDeadlineExceeded, report.Transfer(started.Transfer.TransferId).FailureCode);
    }

    [Fact]
    public async Task A_commit_that_keeps_failing_after_the_credit_landed_is_marked_stuck_listed_for_its_app_and_retried_only_at_the_slow_rhythm()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => faults = new FaultInjectingLedgerStore(store));
        var engine = BoundedEngine(ledger);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        faults.Arm(SagaCommits.WritesTransferIn("posted"), FaultTiming.BeforeCommit, times: int.MaxValue);
        var id = Expect.Success(await TransferKit.TransferAsync(engine, "src", "dst", 30, "t1")).Transfer.TransferId;

        // The request's drive failed once; each sweep fails once more; the drive that reaches the bound ends, stuck.
        for (var sweep = 1; sweep < Bounds.MaxFailedAttempts; sweep++)
        {
            ledger.Clock.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(sweep < Bounds.MaxFailedAttempts - 1 ? 0 : 1, await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None));
        }

        var stuck = await TransferKit.GetAsync(engine, id);
        Assert.Equal(("crediting", Bounds.MaxFailedAttempts, TransferFailureCodes.CommitFailing), (stuck.State, stuck.FailedAttempts, stuck.StuckReason));
        Assert.Equal(ledger.Clock.GetUtcNow(), stuck.StuckSince);
        Assert.Equal([id], (await ListStuckAsync(engine, TransferKit.App)).Select(transfer => transfer.TransferId));
        Assert.Empty(await ListStuckAsync(engine, TestLedger.App2));

        // Stuck: the sweeps leave it alone until its slow rhythm comes round, even past the credit deadline
        // (its credit landed, so voiding it would create money), then try once, counted.
        var commitsTried = faults.Fired;
        for (var sweep = 0; sweep < 30; sweep++)
        {
            ledger.Clock.Advance(TimeSpan.FromMinutes(1));
            await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None);
        }

        Assert.Equal(commitsTried + 0, faults.Fired);
        ledger.Clock.Advance(TimeSpan.FromMinutes(31));
        await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None);
        Assert.Equal(commitsTried + 1, faults.Fired);
        var retried = await TransferKit.GetAsync(engine, id);
        Assert.Equal((Bounds.MaxFailedAttempts + 1, stuck.StuckSince), (retried.FailedAttempts, retried.StuckSince));

        faults.Disarm();
        ledger.Clock.Advance(Bounds.StuckRetryInterval);
        Assert.Equal(1, await engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None));
        var posted = await TransferKit.GetAsync(engine, id);
        Assert.Equal(("posted", null, null), (posted.State, posted.StuckSince, posted.StuckReason));
        Assert.Empty(await ListStuckAsync(engine, TransferKit.App));
        var report = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued);
        Assert.Equal((70, 30), (report.Accounts["src"].Balance, report.Accounts["dst"].Balance));
    }

    [Fact]
    public async Task The_expiry_sweep_reads_only_the_holds_that_are_due_not_every_open_hold()
    {
        CountingLedgerStore counting = null!;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, store => counting = new CountingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 10_000, "src");
        for (var index = 0; index < 300; index++)
        {
            Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 1, $"later-{index}", expiresInSeconds: 86_400));
        }

        for (var index = 0; index < 7; index++)
        {
            Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 1, $"soon-{index}", expiresInSeconds: 60 + index));
        }

        ledger.Clock.Advance(TimeSpan.FromSeconds(30));
        var before = counting.IndexDocumentsRead;
        Assert.Equal(0, await ledger.Engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None));
        Assert.Equal(before, counting.IndexDocumentsRead);

        ledger.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(7, await ledger.Engine.RecoverOpenTransfersAsync(Stall, CancellationToken.None));
        Assert.Equal(before + 7, counting.IndexDocumentsRead);

        var report = await LedgerAudit.CheckAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal((300, 7), (report.Open.Count(), report.Transfers.Values.Count(hold => hold.FailureCode == ErrorCodes.HoldExpired)));
    }

    private static LedgerEngine BoundedEngine(TestLedger ledger) => new(ledger.Store, TestLedger.Catalogs, ledger.Clock, sagaBounds: Bounds);

    private static Func<PartitionBatch, bool> WritesEntryTo(string account)
    {
        var partition = DocumentTypes.AccountPartition(TransferKit.App, AccountId.From(account));
        return batch => batch.Partition == partition && batch.Writes.Any(write => write.Type == DocumentTypes.Entry);
    }

    private static async Task<IReadOnlyList<TransferDocument>> ListStuckAsync(LedgerEngine engine, AppId app)
        => Expect.Success(await engine.ListStuckTransfersAsync(app, null, 50, CancellationToken.None)).Transfers;

    /// <summary>A driver that drives nothing: the request only records, and the sweep is the saga's only driver.</summary>
    private sealed class NotDriven : ITransferSagaDriver
    {
        public static readonly NotDriven Instance = new();

        public Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken) => Task.FromResult<TransferDocument?>(null);
    }
}
