using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>Invariant 6's second half: a pending hold past its expiry is voided, and its expiry is exact.</summary>
public abstract class TransferHoldExpiryTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{
    [Fact]
    public async Task A_hold_is_capturable_until_the_tick_before_its_expiry_and_expired_from_that_instant_on()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var early = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, "h1", expiresInSeconds: 60));
        var onTime = Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, "h2", expiresInSeconds: 60));

        ledger.Clock.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Equal("posted", Expect.Success(await TransferKit.CaptureAsync(ledger.Engine, early.TransferId, "c1")).Transfer.State);
        Assert.Equal(0, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal("reserved", (await TransferKit.GetAsync(ledger.Engine, onTime.TransferId)).State);

        ledger.Clock.Advance(TimeSpan.FromTicks(1));
        Expect.Failure(await TransferKit.CaptureAsync(ledger.Engine, onTime.TransferId, "c2"), ErrorCodes.HoldExpired);

        // A sweep voids it, whatever its stall bound: an expired hold is never "still being driven".
        Assert.Equal(1, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.FromHours(1), CancellationToken.None));
        var expired = await TransferKit.GetAsync(ledger.Engine, onTime.TransferId);
        Assert.Equal("voided", expired.State);
        Assert.Equal(ErrorCodes.HoldExpired, expired.FailureCode);
        Expect.Failure(await TransferKit.CaptureAsync(ledger.Engine, onTime.TransferId, "c3"), ErrorCodes.HoldExpired);
        Assert.Equal(expired, Expect.Success(await TransferKit.VoidAsync(ledger.Engine, onTime.TransferId)));

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal((90, 0), (report.Accounts["src"].Balance, report.Accounts["src"].PendingDebits));
    }

    [Fact]
    public async Task A_hold_may_last_thirty_days_and_not_a_tick_more()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        var longest = (long)TransferRules.MaxHoldDuration.TotalSeconds;

        Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, "h1", expiresInSeconds: longest));
        Expect.Failure(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 10, "h2", expiresInSeconds: longest + 1), ErrorCodes.InvalidField);
        var at = ledger.Clock.GetUtcNow();
        Expect.Failure(
            await ledger.Engine.PlaceHoldAsync(TransferKit.App, IdempotencyKey.From("h3"), new HoldRequest(AccountId.From("src"), AccountId.From("dst"), 10, TransferKit.Details(), new HoldExpiry(at, null)), CancellationToken.None),
            ErrorCodes.InvalidField);

        ledger.Clock.Advance(TransferRules.MaxHoldDuration);
        Assert.Equal(1, await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None));
        await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
    }

    [Fact]
    public async Task Expiring_many_holds_at_once_from_three_engines_releases_each_reservation_exactly_once()
    {
        await using var ledger = CreateLedger();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 1000, "src");
        for (var index = 0; index < 60; index++)
        {
            Expect.Success(await TransferKit.HoldAsync(ledger.Engine, "src", "dst", 1 + (index % 5), $"h{index}", expiresInSeconds: 10 + index));
        }

        ledger.Clock.Advance(TimeSpan.FromMinutes(5));
        var engines = Enumerable.Range(0, 3).Select(_ => ledger.NewEngine()).ToArray();
        await Task.WhenAll(engines.Select(engine => Task.Run(() => engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None))));
        await ledger.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);

        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.All(report.Transfers.Values, hold => Assert.Equal(ErrorCodes.HoldExpired, hold.FailureCode));
        Assert.Equal((1000, 0), (report.Accounts["src"].Balance, report.Accounts["src"].PendingDebits));
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class TransferHoldExpiryInOneCommitTests() : TransferHoldExpiryTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class TransferHoldExpiryClaimFirstTests() : TransferHoldExpiryTests(StoreKind.InMemoryWithoutAtomicCommits);
