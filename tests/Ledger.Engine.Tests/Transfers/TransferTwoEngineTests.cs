using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>
/// Two engines over one store are two processes of one ledger (the Functions app scales out this way).
/// Each keeps its own account cache; the design says a stale cache "costs one failed batch and a reload,
/// never a wrong balance". These tests hold one engine's cache stale on purpose and check that every
/// transfer step still decides on the account as it is.
/// </summary>
public abstract class TransferTwoEngineTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{

    [Fact]
    public async Task Voiding_a_hold_on_an_engine_whose_cache_predates_the_hold_voids_it()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var other = ledger.NewEngine();

        // The other engine caches src with nothing pending...
        var first = Expect.Success(await TransferKit.HoldAsync(other, "src", "dst", 10, "h0"));
        Expect.Success(await TransferKit.VoidAsync(other, first.TransferId));

        // ...then this engine places a hold, and the other engine voids it.
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, "h1"));
        var voided = Expect.Success(await TransferKit.VoidAsync(other, hold.TransferId));

        Assert.Equal("voided", voided.State);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(0, report.Accounts["src"].PendingDebits);
    }

    [Fact]
    public async Task Capturing_a_hold_on_an_engine_whose_cache_predates_the_hold_posts_it_within_the_request()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var other = ledger.NewEngine();
        Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 5, "warm-up"));

        // This engine places the hold; the other engine, whose cache has nothing pending on src, captures it.
        // Its commit step decides on pending 0 − 20 and throws, so the request answers "not finished".
        var hold = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 20, "h1"));
        var captured = Expect.Success(await TransferKit.CaptureAsync(other, hold.TransferId, "c1"));

        Assert.True(captured.Finished, captured.Transfer.State);
        Assert.Equal("posted", captured.Transfer.State);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(75, report.Accounts["src"].Balance);
    }

    [Fact]
    public async Task A_transfer_on_an_engine_that_saw_the_source_empty_is_decided_on_the_funds_another_engine_added()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 0);
        var other = ledger.NewEngine();
        Expect.Failure(await TransferKit.TransferAsync(other, "src", "dst", 10, "t0"), ErrorCodes.InsufficientFunds);

        Expect.Success(await ledger.MintAsync("src", 100, "fund"));
        issued += 100;

        var outcome = Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t1"));
        Assert.Equal("posted", outcome.Transfer.State);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task A_transfer_credited_by_an_engine_that_saw_the_destination_frozen_posts_once_another_engine_unfroze_it()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var other = ledger.NewEngine();
        Expect.Success(await other.FreezeAsync(TransferKit.App, AccountId.From("dst")));
        Assert.Equal("voided", Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t0")).Transfer.State);

        // Unfrozen by a third engine with no cache (see TwoEngineAccountStatusTests for an unfreeze on a stale cache).
        Expect.Success(await ledger.NewEngine().UnfreezeAsync(TransferKit.App, AccountId.From("dst")));
        Assert.Equal(AccountStatus.Open, (await ledger.AccountAsync("dst")).Status);

        var outcome = Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t1"));
        Assert.Equal("posted", outcome.Transfer.State);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task A_transfer_credited_by_an_engine_that_saw_no_destination_posts_once_another_engine_opened_it()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src"], 100, "src");
        var other = ledger.NewEngine();
        var voided = Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t0")).Transfer;
        Assert.Equal(ErrorCodes.AccountNotFound, voided.FailureCode);

        await ledger.OpenAsync("dst", owner: "owner-dst");

        var outcome = Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t1"));
        Assert.Equal("posted", outcome.Transfer.State);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task Transfers_alternating_between_two_engines_that_each_moved_the_accounts_last_post_and_add_up()
    {
        // The stale caches here only ever cost a failed batch: every decision is a success that writes the account.
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["a", "b"], 100, "a", "b");
        var engines = new[] { ledger.Engine, ledger.NewEngine() };
        for (var index = 0; index < 40; index++)
        {
            var (from, to) = index % 3 == 0 ? ("a", "b") : ("b", "a");
            var outcome = Expect.Success(await TransferKit.TransferAsync(engines[index % 2], from, to, 1 + (index % 4), $"t{index}"));
            Assert.Equal("posted", outcome.Transfer.State);
        }

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(200, report.SumOfBalances);
        Assert.Equal(40, report.Transfers.Count);
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class TransferTwoEngineInOneCommitTests() : TransferTwoEngineTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class TransferTwoEngineClaimFirstTests() : TransferTwoEngineTests(StoreKind.InMemoryWithoutAtomicCommits);
