using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>
/// Found while testing transfers on two engines: a freeze or unfreeze that looks like a no-op on an engine's
/// stale cached account writes nothing, answers success, and leaves the account as the other engine left it.
/// A frozen destination is what voids a transfer, so the status must be the one the store holds.
/// </summary>
public sealed class TwoEngineAccountStatusTests
{
    [Fact]
    public async Task Freezing_on_an_engine_that_last_saw_the_account_frozen_freezes_it_after_another_engine_unfroze_it()
    {
        await using var ledger = TestLedger.Create();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var other = ledger.NewEngine();
        Expect.Success(await ledger.Engine.FreezeAsync(TransferKit.App, AccountId.From("dst")));
        Expect.Success(await other.UnfreezeAsync(TransferKit.App, AccountId.From("dst")));

        var frozen = Expect.Success(await ledger.Engine.FreezeAsync(TransferKit.App, AccountId.From("dst")));

        Assert.Equal(AccountStatus.Frozen, frozen.Status);
        Assert.Equal(AccountStatus.Frozen, (await ledger.AccountAsync("dst")).Status);
        var transfer = Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t1")).Transfer;
        Assert.Equal("voided", transfer.State);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task Unfreezing_on_an_engine_that_last_saw_the_account_open_unfreezes_it_after_another_engine_froze_it()
    {
        await using var ledger = TestLedger.Create();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var other = ledger.NewEngine();
        Expect.Success(await other.FreezeAsync(TransferKit.App, AccountId.From("dst")));

        var unfrozen = Expect.Success(await ledger.Engine.UnfreezeAsync(TransferKit.App, AccountId.From("dst")));

        Assert.Equal(AccountStatus.Open, unfrozen.Status);
        Assert.Equal(AccountStatus.Open, (await ledger.AccountAsync("dst")).Status);
        Assert.Equal("posted", Expect.Success(await TransferKit.TransferAsync(other, "src", "dst", 10, "t1")).Transfer.State);
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }
}
