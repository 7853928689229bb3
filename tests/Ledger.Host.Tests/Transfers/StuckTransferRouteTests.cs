using Ledger.Domain;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Transfers;

/// <summary>
/// Every saga ends, through the local host: a transfer whose destination refuses every write is, past its
/// credit deadline, marked stuck (releasing its reservation could let a late credit create money), listed by
/// <c>GET /status/transfers/stuck</c> for its own app only, and voided with <c>credit_deadline_exceeded</c>
/// once the destination takes writes again.
/// </summary>
public sealed class StuckTransferRouteTests : IAsyncLifetime
{
    private readonly TransferHostFactory host = new(
        manualClock: true,
        faultyStore: true,
        settings:
        [
            new("Ledger:Transfers:CreditDeadline", "00:01:00"),
            new("Ledger:Transfers:MaxFailedAttempts", "2"),
            new("Ledger:Transfers:StuckRetryInterval", "00:01:00"),
        ]);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_transfer_stuck_past_its_deadline_is_listed_for_its_own_app_only_and_voided_once_its_destination_recovers()
    {
        using var app1 = host.App1();
        using var app2 = host.App2();
        using var anonymous = host.Client(null);
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var store = host.Store!;

        store.FailCredits = true;
        var accepted = TransferApi.AssertTransfer(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30)), 202, "transfer", "crediting", source, destination, 30);
        var id = accepted.Text("transfer_id")!;
        Assert.Equal(host.Clock.GetUtcNow().AddMinutes(1), accepted.GetProperty("credit_deadline").GetDateTimeOffset());
        Assert.Equal("{\"transfers\":[]}", (await app1.GetAsync("/status/transfers/stuck")).Expect(200).Body);

        host.Clock.Advance(TimeSpan.FromMinutes(2));
        var listed = await TransferApi.PollAsync(app1, "/status/transfers/stuck", response => response.Json.GetProperty("transfers").GetArrayLength() == 1);
        var stuck = listed.Json.GetProperty("transfers")[0];
        Assert.Equal((id, "crediting", TransferFailureCodes.CreditUndecided), (stuck.Text("transfer_id"), stuck.Text("state"), stuck.Text("stuck_reason")));
        Assert.Equal(TransferFailureCodes.CreditUndecided, (await app1.GetAsync($"/transfers/{id}")).Expect(200).Json.Text("stuck_reason"));
        Assert.Equal((100, 30, 70), await TransferApi.BalanceAsync(app1, source));

        Assert.Equal("{\"transfers\":[]}", (await app2.GetAsync("/status/transfers/stuck")).Expect(200).Body);
        (await anonymous.GetAsync("/status/transfers/stuck")).Expect(401);
        (await app1.GetAsync("/status/transfers/stuck?limit=0")).Expect(400);

        store.FailCredits = false;
        host.Clock.Advance(TimeSpan.FromMinutes(2));
        var voided = await TransferApi.PollAsync(app1, $"/transfers/{id}", response => response.State() == "voided");

        Assert.Equal(TransferFailureCodes.CreditDeadlineExceeded, voided.Json.Text("failure_code"));
        Assert.Null(voided.Json.Text("stuck_reason"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
        Assert.Equal("{\"transfers\":[]}", (await app1.GetAsync("/status/transfers/stuck")).Expect(200).Body);
    }
}
