using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>Refunds of a mint (a burn pointing at it): never more than the mint, however many at once, on however many engines.</summary>
public abstract class MintRefundTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{
    private static Task<Result<EntryDocument>> RefundMintAsync(LedgerEngine engine, string account, string mint, string key, long? amount)
        => engine.RefundMintAsync(TransferKit.App, IdempotencyKey.From(key), AccountId.From(account), TransactionId.From(mint), new RefundRequest(amount, null), CancellationToken.None);

    [Theory]
    [InlineData(StoreKind.InMemory, 1)]
    [InlineData(StoreKind.InMemory, 2)]
    [InlineData(StoreKind.Sqlite, 1)]
    public async Task Twenty_concurrent_refunds_of_five_against_a_mint_of_fifty_burn_at_most_fifty(StoreKind kind, int engineCount)
    {
        await using var ledger = CreateLedger(kind);
        await ledger.OpenAsync("buyer", owner: "owner-buyer");
        var mint = Expect.Success(await ledger.MintAsync("buyer", 50, "purchase"));
        Expect.Success(await ledger.MintAsync("buyer", 100, "bonus"));
        var engines = Enumerable.Range(0, engineCount).Select(index => index == 0 ? ledger.Engine : ledger.NewEngine()).ToArray();

        var outcomes = await TransferKit.RunAllAsync(Enumerable.Range(0, 20).Select(index => (Func<Task<Result<EntryDocument>>>)(() =>
            RefundMintAsync(engines[index % engineCount], "buyer", mint.TransactionId, $"refund-{index}", 5))));

        Assert.All(outcomes, outcome => Assert.True(outcome.Succeeded || outcome.Code is ErrorCodes.RefundExceedsRemaining or ErrorCodes.Contention, outcome.ToString()));
        var refunded = outcomes.Count(outcome => outcome.Succeeded) * 5;
        Assert.True(refunded <= 50, $"{refunded} refunded of a mint of 50");
        if (engineCount == 1)
        {
            Assert.Equal(50, refunded);
        }

        Assert.All(outcomes.Where(outcome => outcome.Succeeded), outcome => Assert.Equal(mint.TransactionId, outcome.Result.Value.ReversesTransactionId));
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, 150 - refunded);
        Assert.Equal(150 - refunded, report.Accounts["buyer"].Balance);
    }

    [Fact]
    public async Task A_mint_refund_answers_its_original_entry_when_replayed_even_once_nothing_is_left()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("buyer", owner: "owner-buyer");
        var mint = Expect.Success(await ledger.MintAsync("buyer", 50, "purchase"));

        var full = Expect.Success(await RefundMintAsync(ledger.Engine, "buyer", mint.TransactionId, "r1", null));
        Assert.Equal(-50, full.Amount);
        Expect.Failure(await RefundMintAsync(ledger.Engine, "buyer", mint.TransactionId, "r2", 1), ErrorCodes.RefundExceedsRemaining);
        Assert.Equivalent(full, Expect.Success(await RefundMintAsync(ledger.NewEngine(), "buyer", mint.TransactionId, "r1", null)), strict: true);
        Expect.Failure(await RefundMintAsync(ledger.Engine, "buyer", mint.TransactionId, "r1", 5), ErrorCodes.IdempotencyKeyReused);

        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, 0);
    }

    [Fact]
    public async Task A_mint_refund_stopped_after_its_commit_is_answered_by_its_retry_and_burns_once()
    {
        FaultInjectingLedgerStore faults = null!;
        await using var ledger = CreateLedger(wrap: store => faults = new FaultInjectingLedgerStore(store));
        await ledger.OpenAsync("buyer", owner: "owner-buyer");
        var mint = Expect.Success(await ledger.MintAsync("buyer", 50, "purchase"));

        faults.Arm(batch => batch.Writes.Any(write => write.Type == DocumentTypes.RefundTracker), FaultTiming.AfterCommit);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => RefundMintAsync(ledger.Engine, "buyer", mint.TransactionId, "r1", 20));
        faults.Disarm();

        var retried = Expect.Success(await RefundMintAsync(ledger.NewEngine(), "buyer", mint.TransactionId, "r1", 20));
        Assert.Equal(-20, retried.Amount);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, 30);
        Assert.Equal(30, report.Accounts["buyer"].Balance);
        Assert.Equal(2, report.Entries["buyer"].Count);
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class MintRefundInOneCommitTests() : MintRefundTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class MintRefundClaimFirstTests() : MintRefundTests(StoreKind.InMemoryWithoutAtomicCommits);
