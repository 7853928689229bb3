using Ledger.Domain;
using Ledger.Projections.Tests.Support;

namespace Ledger.Projections.Tests;

public sealed class SummaryTests
{
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_summary_totals_the_period_and_breaks_it_down_by_operation_reason_and_category(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 100, "credit_purchase", category: "store");      // before the period
        ledger.Clock.Advance(TimeSpan.FromHours(1));
        var from = ledger.Clock.GetUtcNow();
        await ledger.PostAsync("alice", 50, "credit_purchase", category: "store");       // at `from`: inside
        ledger.Clock.Advance(TimeSpan.FromMinutes(1));
        await ledger.PostAsync("alice", 20, "signup_bonus");
        await ledger.OperateAsync("alice", "CONTENT_CREATION", category: "content");
        await ledger.OperateAsync("alice", "CONTENT_ACCESS", amount: 7, category: "content");
        await ledger.PostAsync("alice", -3, "expiry");
        ledger.Clock.Advance(TimeSpan.FromMinutes(1));
        var to = ledger.Clock.GetUtcNow();
        await ledger.PostAsync("alice", 1_000, "credit_purchase");                       // at `to`: outside

        // Snapshots only make it cheaper, never different.
        await ledger.DrainAsync(new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = 10 }, ledger.Clock));
        var summary = await new AccountSummaries(ledger.Engine).SummarizeAsync(TestLedger.App1, AccountId.From("alice"), from, to, CancellationToken.None);

        Assert.True(summary.IsSuccess, summary.Error?.Message);
        Assert.Equal(new SummaryTotals(70, 15, 55, 5), summary.Value.Totals);
        Assert.Equal(
            [new SummaryGroup(null, new SummaryTotals(70, 3, 67, 3)), new SummaryGroup("CONTENT_ACCESS", new SummaryTotals(0, 7, -7, 1)), new SummaryGroup("CONTENT_CREATION", new SummaryTotals(0, 5, -5, 1))],
            summary.Value.ByOperation);
        Assert.Equal(
            [
                new SummaryGroup("content_access", new SummaryTotals(0, 7, -7, 1)),
                new SummaryGroup("content_creation", new SummaryTotals(0, 5, -5, 1)),
                new SummaryGroup("credit_purchase", new SummaryTotals(50, 0, 50, 1)),
                new SummaryGroup("expiry", new SummaryTotals(0, 3, -3, 1)),
                new SummaryGroup("signup_bonus", new SummaryTotals(20, 0, 20, 1)),
            ],
            summary.Value.ByReason);
        Assert.Equal(
            [new SummaryGroup(null, new SummaryTotals(20, 3, 17, 2)), new SummaryGroup("content", new SummaryTotals(0, 12, -12, 2)), new SummaryGroup("store", new SummaryTotals(50, 0, 50, 1))],
            summary.Value.ByCategory);

        var whole = await new AccountSummaries(ledger.Engine).SummarizeAsync(TestLedger.App1, AccountId.From("alice"), null, null, CancellationToken.None);
        Assert.Equal(new SummaryTotals(1_170, 15, 1_155, 7), whole.Value.Totals);
    }

    [Fact]
    public async Task A_summary_refuses_an_empty_period_and_an_unknown_account()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        var summaries = new AccountSummaries(ledger.Engine);
        var now = ledger.Clock.GetUtcNow();

        var backwards = await summaries.SummarizeAsync(TestLedger.App1, AccountId.From("alice"), now, now, CancellationToken.None);
        Assert.Equal(ErrorCodes.InvalidField, backwards.Error?.Code);
        var unknown = await summaries.SummarizeAsync(TestLedger.App1, AccountId.From("nobody"), null, null, CancellationToken.None);
        Assert.Equal(ErrorCodes.AccountNotFound, unknown.Error?.Code);
        var otherApp = await summaries.SummarizeAsync(TestLedger.App2, AccountId.From("alice"), null, null, CancellationToken.None);
        Assert.Equal(ErrorCodes.AccountNotFound, otherApp.Error?.Code);
    }
}
