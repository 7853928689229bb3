using Ledger.Domain;
using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Microsoft.Azure.Functions.Worker;
using Moq;

namespace Ledger.Functions.Tests;

/// <summary>
/// The activity functions on a real engine: each runs the engine's step, and Durable's at-least-once
/// delivery (the same activity run twice) changes nothing the second time.
/// </summary>
public sealed class TransferActivityTests
{
    private static readonly FunctionContext Invocation = new Mock<FunctionContext>().Object;

    [Fact]
    public async Task The_activities_in_the_sagas_order_post_a_transfer_once_even_when_each_runs_twice()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-src", funds: 100);
        await host.OpenAsync("acct-dst");
        var key = FunctionsTestHost.Key((await host.ReserveTransferAsync("acct-src", "acct-dst", 30, "transfer-1")).TransferId);
        var activities = host.Orchestration;

        Assert.Equal("crediting", (await activities.ReadTransfer(key, Invocation))!.State);
        Assert.Equal(new CreditStepResult(true, null, null), await activities.CreditDestination(key, Invocation));
        Assert.Equal(new CreditStepResult(true, null, null), await activities.CreditDestination(key, Invocation));
        Assert.Equal("posted", (await activities.CommitSource(key, Invocation)).State);
        Assert.Equal("posted", (await activities.CommitSource(key, Invocation)).State);

        var source = await host.AccountAsync("acct-src");
        var destination = await host.AccountAsync("acct-dst");
        Assert.Equal(70, source.Balance);
        Assert.Equal(0, source.PendingDebits);
        Assert.Equal(30, destination.Balance);
    }

    [Fact]
    public async Task The_void_activity_releases_the_reservation_once_with_the_reason_it_is_given()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-src", funds: 100);
        var key = FunctionsTestHost.Key((await host.ReserveTransferAsync("acct-src", "acct-ghost", 30, "transfer-ghost")).TransferId);
        var activities = host.Orchestration;

        var credit = await activities.CreditDestination(key, Invocation);
        Assert.False(credit.Credited);
        Assert.Equal(ErrorCodes.AccountNotFound, credit.FailureCode);
        var input = new VoidStepInput(key, new VoidReason(credit.FailureCode!, credit.FailureMessage!));
        var voided = await activities.VoidSource(input, Invocation);
        Assert.Equal(voided, await activities.VoidSource(input, Invocation));

        Assert.Equal("voided", voided.State);
        Assert.Equal(ErrorCodes.AccountNotFound, voided.FailureCode);
        var source = await host.AccountAsync("acct-src");
        Assert.Equal(100, source.Balance);
        Assert.Equal(0, source.PendingDebits);
    }

    [Fact]
    public async Task The_expiry_activity_voids_an_expired_hold_once_and_leaves_a_live_one()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-src", funds: 100);
        await host.OpenAsync("acct-dst");
        var hold = await host.PlaceHoldAsync("acct-src", "acct-dst", 40, "hold-1", expiresInSeconds: 60);
        var key = FunctionsTestHost.Key(hold.TransferId);
        var activities = host.Orchestration;

        Assert.Equal("reserved", (await activities.ExpireHold(key, Invocation)).State);

        host.Clock.Advance(TimeSpan.FromSeconds(61));
        var expired = await activities.ExpireHold(key, Invocation);
        Assert.Equal(expired, await activities.ExpireHold(key, Invocation));
        Assert.Equal("voided", expired.State);
        Assert.Equal(ErrorCodes.HoldExpired, expired.FailureCode);
        Assert.Equal(0, (await host.AccountAsync("acct-src")).PendingDebits);
    }

    [Fact]
    public async Task The_read_activity_answers_null_for_a_transfer_that_does_not_exist()
    {
        await using var host = new FunctionsTestHost();
        var missing = TransferId.Derive(FunctionsTestHost.App, IdempotencyKey.From("never"), "transfer", AccountId.From("acct-src")).Value;

        Assert.Null(await host.Orchestration.ReadTransfer(FunctionsTestHost.Key(missing), Invocation));
    }
}
