using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>Invariant 4 for transfers, holds, captures and refunds: a key takes effect at most once.</summary>
public abstract class TransferIdempotencyTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task The_same_transfer_sent_again_and_again_one_after_another_creates_one_transfer_and_answers_the_same(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var first = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));

        for (var repeat = 0; repeat < 10; repeat++)
        {
            var again = Expect.Success(await TransferKit.TransferAsync(repeat % 2 == 0 ? ledger.Engine : ledger.NewEngine(), "src", "dst", 30, "t1"));
            Assert.Equal(first.Transfer, again.Transfer);
            Assert.True(again.Finished);
        }

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Single(report.Transfers);
        Assert.Equal(70, report.Accounts["src"].Balance);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Fifty_concurrent_identical_transfer_requests_move_the_amount_once(StoreKind kind)
    {
        // Whatever each repeat answers, the money moves once.
        await using var ledger = CreateLedger(kind);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");

        await TransferKit.RunAllAsync(Enumerable.Range(0, 50).Select(_ => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"))));
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Single(report.Transfers);
        Assert.Equal(70, report.Accounts["src"].Balance);
        Assert.Equal(30, report.Accounts["dst"].Balance);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Fifty_concurrent_identical_transfer_requests_all_get_the_one_transfer(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 50).Select(_ => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded, outcome.ToString()));
        Assert.Single(outcomes.Select(outcome => outcome.Result.Value.Transfer.TransferId).Distinct());
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Single(report.Transfers);
    }

    [Fact]
    public async Task Fifty_concurrent_identical_hold_requests_all_get_the_one_hold()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 50).Select(_ => (Func<Task<Result<TransferDocument>>>)(() =>
            TransferKit.HoldAsync(ledger.Engine, "src", "dst", 30, "h1"))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded, outcome.ToString()));
        var report = await LedgerAudit.CheckSettledAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(30, report.Accounts["src"].PendingDebits);
    }

    [Fact]
    public async Task Concurrent_repeats_of_a_transfer_of_the_whole_balance_move_it_once()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 30, "src");

        await TransferKit.RunAllAsync(Enumerable.Range(0, 20).Select(_ => (Func<Task<Result<TransferOutcome>>>)(() =>
            TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"))));

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Single(report.Transfers);
        Assert.Equal(30, report.Accounts["dst"].Balance);
    }

    [Fact]
    public async Task A_repeat_that_arrives_while_the_original_reservation_of_the_whole_balance_is_committing_gets_the_original_transfer()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = CreateLedger(wrap: store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 30, "src");
        var id = TransferKit.TransferIdOf("t1", "src");

        // The original's reservation is held at its commit; the repeat reads no transfer document meanwhile.
        var (release, reached) = faults.HoldNext(SagaCommits.Reserve);
        var original = Task.Run(() => TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        await reached.WaitAsync(TimeSpan.FromSeconds(30));
        var repeatRead = faults.NextReadOf(DocumentTypes.TransferDocumentId(id));
        var repeat = Task.Run(() => TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        await repeatRead.WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();

        Assert.Equal("posted", Expect.Success(await original).Transfer.State);
        var repeated = Expect.Success(await repeat);
        Assert.Equal(id, repeated.Transfer.TransferId);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_refused_and_changes_nothing()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst", "other"], 100, "src");
        var original = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));
        var before = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);

        Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 31, "t1"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "other", 30, "t1"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1", reason: "tip"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 30, "t1"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await TransferKit.RefundAsync(ledger.Engine, original.Transfer.TransferId, "t1"), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await ledger.MintAsync("src", 30, "t1"), ErrorCodes.IdempotencyKeyReused);

        var after = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(before.Accounts, after.Accounts);
        Assert.Single(after.Transfers);
    }

    [Fact]
    public async Task A_key_used_in_one_app_is_free_in_another()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        await ledger.OpenAsync("src", owner: "owner-src", app: TestLedger.App2);
        await ledger.OpenAsync("dst", owner: "owner-dst", app: TestLedger.App2);
        Expect.Success(await ledger.MintAsync("src", 100, "fund-src", app: TestLedger.App2));
        Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));

        var other = Expect.Success(await ledger.Engine.TransferAsync(TestLedger.App2, IdempotencyKey.From("t1"), new TransferRequest(AccountId.From("src"), AccountId.From("dst"), 45, TransferKit.Details()), TransferKit.Wait, CancellationToken.None));

        Assert.Equal("posted", other.Transfer.State);
        Assert.Equal(45, other.Transfer.Amount);
        Expect.Failure(await ledger.Engine.GetTransferAsync(TestLedger.App2, TransferKit.TransferIdOf("t1", "src"), CancellationToken.None), ErrorCodes.TransferNotFound);
        Assert.Equal(70, (await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued)).Accounts["src"].Balance);
        Assert.Equal(55, (await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TestLedger.App2, 100)).Accounts["src"].Balance);
    }

    [Fact]
    public async Task Replays_of_a_hold_a_capture_a_void_and_a_refund_answer_the_same_and_move_nothing_more()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");

        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 40, "h1"));
        Assert.Equal(hold, Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 40, "h1")));
        var captured = Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1", amount: 25));
        var recaptured = Expect.Success(await TransferKit.CaptureAsync(ledger.NewEngine(), hold.TransferId, "c1", amount: 25));
        Assert.Equal(captured.Transfer, recaptured.Transfer);
        Assert.Equal("posted", recaptured.Transfer.State);
        Expect.Failure(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1", amount: 26), ErrorCodes.IdempotencyKeyReused);

        var other = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, "h2"));
        var voided = Expect.Success(await TransferKit.VoidAsync(ledger.Engine, other.TransferId));
        Assert.Equal(voided, Expect.Success(await TransferKit.VoidAsync(ledger.Engine, other.TransferId)));
        Assert.Equal(voided, Expect.Success(await TransferKit.VoidAsync(ledger.NewEngine(), other.TransferId)));

        var refund = Expect.Success(await TransferKit.RefundAsync(ledger.Engine, hold.TransferId, "r1", amount: 5));
        var refundAgain = Expect.Success(await TransferKit.RefundAsync(ledger.NewEngine(), hold.TransferId, "r1", amount: 5));
        Assert.Equal(refund.Transfer, refundAgain.Transfer);

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(80, report.Accounts["src"].Balance);
        Assert.Equal(20, report.Accounts["dst"].Balance);
        Assert.Equal(3, report.Transfers.Count);
    }

    [Fact]
    public async Task A_full_refund_replayed_after_nothing_is_left_answers_the_original_refund()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var original = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1")).Transfer;

        var refund = Expect.Success(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r1"));
        Assert.Equal(30, refund.Transfer.Amount);
        Expect.Failure(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r2"), ErrorCodes.RefundExceedsRemaining);
        Assert.Equal(refund.Transfer, Expect.Success(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r1")).Transfer);

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(100, report.Accounts["src"].Balance);
    }

    [Fact]
    public async Task A_refused_transfer_replayed_with_the_same_key_after_funding_answers_its_original_refusal_and_moves_nothing()
    {
        // DESIGN.md: a retry with the same key and body returns the original result, a refusal included.
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 10, "src");
        var refused = Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"), ErrorCodes.InsufficientFunds);
        Expect.Success(await ledger.MintAsync("src", 20, "top-up"));
        issued += 20;

        Assert.Equal(refused, Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"), ErrorCodes.InsufficientFunds));
        Assert.Equal(refused, Expect.Failure(await TransferKit.TransferAsync(ledger.NewEngine(), "src", "dst", 30, "t1"), ErrorCodes.InsufficientFunds));

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(30, report.Accounts["src"].Balance);
        Assert.Empty(report.Transfers);
        Assert.Equal("posted", Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t2")).Transfer.State);
    }

    [Fact]
    public async Task Refused_holds_captures_and_refunds_replayed_later_answer_their_original_refusals()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        Expect.Failure(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 150, "h0"), ErrorCodes.InsufficientFunds);
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 40, "h1"));
        Expect.Failure(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c0", amount: 41), ErrorCodes.CaptureExceedsHold);
        var original = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1")).Transfer;
        Expect.Failure(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r0", amount: 31), ErrorCodes.RefundExceedsRemaining);

        // Whatever changed since (more funds; the hold voided; part of the transfer refunded), the keys keep their answers.
        Expect.Success(await ledger.MintAsync("src", 100, "top-up"));
        Expect.Success(await TransferKit.VoidAsync(ledger.Engine, hold.TransferId));
        Expect.Success(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r1", amount: 10));
        var engine = ledger.NewEngine();
        Expect.Failure(await TransferKit.HoldAsync(engine, "src", "dst", 150, "h0"), ErrorCodes.InsufficientFunds);
        Expect.Failure(await TransferKit.CaptureAsync(engine, hold.TransferId, "c0", amount: 41), ErrorCodes.CaptureExceedsHold);
        Expect.Failure(await TransferKit.RefundAsync(engine, original.TransferId, "r0", amount: 31), ErrorCodes.RefundExceedsRemaining);

        var report = await LedgerAudit.CheckAllFinalAsync(engine, TransferKit.App, issued + 100);
        Assert.Equal(180, report.Accounts["src"].Balance);
    }

    [Fact]
    public async Task A_capture_that_lost_to_another_capture_is_refused_again_when_retried()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 40, "h1"));
        Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1", amount: 10));
        Expect.Failure(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c2", amount: 30), ErrorCodes.HoldAlreadyResolved);

        // The same request again: it was refused, nothing changed since, so it is refused again.
        Expect.Failure(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c2", amount: 30), ErrorCodes.HoldAlreadyResolved);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task Replaying_a_capture_that_ended_voided_answers_the_voided_transfer_again()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 40, "h1"));
        Expect.Success(await ledger.Engine.FreezeAsync(TransferKit.App, AccountId.From("dst")));
        var captured = Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1"));
        Assert.Equal("voided", captured.Transfer.State);
        Assert.Equal(ErrorCodes.AccountFrozen, captured.Transfer.FailureCode);

        var replayed = Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, hold.TransferId, "c1"));
        Assert.Equal(captured.Transfer, replayed.Transfer);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task A_refund_refused_because_its_original_was_still_being_credited_answers_the_same_refusal_when_replayed()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = CreateLedger(wrap: store => faults = new FaultInjectingLedgerStore(store));
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        faults.Arm(SagaCommits.Credit, FaultTiming.BeforeCommit);
        var original = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1")).Transfer;
        faults.Disarm();
        Assert.Equal("crediting", original.State);
        var refused = Expect.Failure(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r1", amount: 10), ErrorCodes.TransferNotRefundable);

        await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Equal("posted", (await TransferKit.GetAsync(ledger.Engine, original.TransferId)).State);

        Assert.Equal(refused, Expect.Failure(await TransferKit.RefundAsync(ledger.Engine, original.TransferId, "r1", amount: 10), ErrorCodes.TransferNotRefundable));
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class TransferIdempotencyInOneCommitTests() : TransferIdempotencyTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class TransferIdempotencyClaimFirstTests() : TransferIdempotencyTests(StoreKind.InMemoryWithoutAtomicCommits);
