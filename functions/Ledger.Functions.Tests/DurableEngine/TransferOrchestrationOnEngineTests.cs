using System.Text.Json;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Moq;

namespace Ledger.Functions.Tests.DurableEngine;

/// <summary>
/// The transfer orchestration as Azure runs it, on the Durable Task engine rather than a mocked context:
/// started by the HTTP functions and the recovery timer through the SDK's client, its steps run as
/// activities on a real ledger engine, the orchestrator replayed from its recorded history after every step,
/// a failed step retried after a durable timer.
/// </summary>
public sealed class TransferOrchestrationOnEngineTests
{
    private const string TransferBody = """{"from":"acct-src","to":"acct-dst","amount":30,"reason":"content_unlock"}""";

    /// <summary>How much earlier than its due time the machine's timers may let a durable timer fire.</summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(50);

    private static readonly string[] TransferSteps =
        [DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.CreditDestinationActivity, DurableTransferSteps.CommitSourceActivity];

    [Fact]
    public async Task A_transfer_started_through_its_function_is_posted_by_its_orchestration_one_activity_per_step()
    {
        await using var host = await StartFundedAsync();

        var started = await host.CallAsync(NewTransfer(host, "transfer-1"), host.Ledger.Http.StartTransfer);

        Assert.Equal(StatusCodes.Status201Created, started.Status);
        Assert.Equal("posted", Json(started).GetProperty("state").GetString());
        var key = KeyOf(started);
        var instance = await host.CompletionOfAsync(key);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(TransferOrchestration.OrchestratorName, instance.Name);
        Assert.Equal("posted", instance.ReadOutputAs<TransferDocument>()!.State);
        Assert.Equal(TransferSteps, host.StepsOf(key).Select(run => run.Activity));
        await AssertBalancesAsync(host, source: 70, destination: 30);
    }

    [Fact]
    public async Task The_orchestrator_is_replayed_from_its_history_after_each_step_while_each_activity_runs_once()
    {
        await using var host = await StartFundedAsync();
        var key = await ReserveAsync(host, "transfer-replay");

        await host.Driver().RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);
        await host.CompletionOfAsync(key);

        // One episode to schedule each activity and one more to complete with the last result; every
        // episode after the first starts by replaying what is already recorded, and a replayed step does
        // not run its activity again.
        var instanceId = TransferOrchestration.InstanceIdFor(key);
        var steps = host.StepsOf(key);
        Assert.Equal(TransferSteps, steps.Select(run => run.Activity));
        Assert.Equal(steps.Count + 1, host.Functions.EpisodesOf(instanceId));
        Assert.Equal(steps.Count, host.Functions.ReplaysOf(instanceId));
    }

    [Fact]
    public async Task A_retried_transfer_request_finds_its_orchestration_and_starts_no_other()
    {
        await using var host = await StartFundedAsync();

        var first = await host.CallAsync(NewTransfer(host, "transfer-twice"), host.Ledger.Http.StartTransfer);
        var again = await host.CallAsync(NewTransfer(host, "transfer-twice"), host.Ledger.Http.StartTransfer);

        Assert.Equal(StatusCodes.Status201Created, again.Status);
        Assert.Equal(KeyOf(first), KeyOf(again));
        Assert.Single(await host.InstancesAsync());
        Assert.Equal(TransferSteps, host.StepsOf(KeyOf(first)).Select(run => run.Activity));
        await AssertBalancesAsync(host, source: 70, destination: 30);
    }

    [Fact]
    public async Task A_transfer_to_a_frozen_account_is_voided_by_its_orchestration_with_the_refusal_and_the_funds_released()
    {
        await using var host = await StartFundedAsync();
        Assert.True((await host.Ledger.Engine.FreezeAsync(FunctionsTestHost.App, AccountId.From("acct-dst"))).IsSuccess);

        var started = await host.CallAsync(NewTransfer(host, "transfer-frozen"), host.Ledger.Http.StartTransfer);

        var transfer = Json(started);
        Assert.Equal("voided", transfer.GetProperty("state").GetString());
        Assert.Equal(ErrorCodes.AccountFrozen, transfer.GetProperty("failure_code").GetString());
        Assert.Equal(
            [DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.CreditDestinationActivity, DurableTransferSteps.VoidSourceActivity],
            host.StepsOf(KeyOf(started)).Select(run => run.Activity));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.CompletionOfAsync(KeyOf(started))).RuntimeStatus);
        await AssertBalancesAsync(host, source: 100, destination: 0);
    }

    [Fact]
    public async Task A_hold_captured_through_its_function_is_posted_by_its_orchestration_for_the_captured_amount()
    {
        await using var host = await StartFundedAsync();
        var holdId = await PlaceHoldAsync(host, "hold-capture", expiresInSeconds: 86_400);

        var captured = await host.CallAsync(
            host.Ledger.NewRequest("POST", $"/holds/{holdId}/capture", """{"amount":20}""", idempotencyKey: "capture-1"),
            (request, client) => host.Ledger.Http.CaptureHold(request, holdId, client));

        Assert.Equal(StatusCodes.Status201Created, captured.Status);
        Assert.Equal("posted", Json(captured).GetProperty("state").GetString());
        Assert.Equal(20, Json(captured).GetProperty("settle_amount").GetInt64());
        Assert.Equal(TransferSteps, host.StepsOf(FunctionsTestHost.Key(holdId)).Select(run => run.Activity));
        await AssertBalancesAsync(host, source: 80, destination: 20);
    }

    [Fact]
    public async Task A_voided_hold_releases_its_funds_and_the_recovery_sweep_starts_no_orchestration_for_it()
    {
        await using var host = await StartFundedAsync();
        var holdId = await PlaceHoldAsync(host, "hold-void", expiresInSeconds: 86_400);

        var voided = await DurableLedgerHost.CallAsync(host.Ledger.NewRequest("POST", $"/holds/{holdId}/void", "{}"), request => host.Ledger.Http.VoidHold(request, holdId));
        host.Ledger.Clock.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(host);

        Assert.Equal(StatusCodes.Status200OK, voided.Status);
        Assert.Equal("voided", Json(voided).GetProperty("state").GetString());
        Assert.Empty(await host.InstancesAsync());
        await AssertBalancesAsync(host, source: 100, destination: 0);
    }

    [Fact]
    public async Task A_hold_past_its_expiry_is_expired_by_the_orchestration_the_recovery_sweep_starts()
    {
        await using var host = await StartFundedAsync();

        // Half an hour ahead of the engine's clock and half an hour behind the orchestration's: the
        // orchestration decides by its own replay-safe time, and the engine, once its clock has caught up, agrees.
        var expiresAt = host.Ledger.Clock.GetUtcNow() + (DurableLedgerHost.EngineClockLag / 2);
        var hold = await host.Ledger.Engine.PlaceHoldAsync(
            FunctionsTestHost.App,
            IdempotencyKey.From("hold-expire"),
            new HoldRequest(AccountId.From("acct-src"), AccountId.From("acct-dst"), 40, TransactionDetails.From("hold"), new HoldExpiry(expiresAt, null)),
            CancellationToken.None);
        Assert.True(hold.IsSuccess, hold.Error?.Message);
        var key = FunctionsTestHost.Key(hold.Value.TransferId);
        host.Ledger.Clock.Advance(DurableLedgerHost.EngineClockLag);

        await SweepAsync(host);
        var instance = await host.CompletionOfAsync(key);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var expired = instance.ReadOutputAs<TransferDocument>()!;
        Assert.Equal("voided", expired.State);
        Assert.Equal(ErrorCodes.HoldExpired, expired.FailureCode);
        Assert.Equal([DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.ExpireHoldActivity], host.StepsOf(key).Select(run => run.Activity));
        await AssertBalancesAsync(host, source: 100, destination: 0);
    }

    [Fact]
    public async Task A_posted_transfer_refunded_through_its_function_is_posted_back_by_an_orchestration_of_its_own()
    {
        await using var host = await StartFundedAsync();
        var transfer = await host.CallAsync(NewTransfer(host, "transfer-refunded"), host.Ledger.Http.StartTransfer);
        var transferId = Json(transfer).GetProperty("transfer_id").GetString()!;

        var refund = await host.CallAsync(
            host.Ledger.NewRequest("POST", $"/transfers/{transferId}/refunds", """{"amount":10}""", idempotencyKey: "refund-1"),
            (request, client) => host.Ledger.Http.RefundTransfer(request, transferId, client));

        Assert.Equal(StatusCodes.Status201Created, refund.Status);
        Assert.Equal("posted", Json(refund).GetProperty("state").GetString());
        Assert.Equal(TransferSteps, host.StepsOf(KeyOf(refund)).Select(run => run.Activity));
        Assert.Equal(2, (await host.InstancesAsync()).Count(instance => instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed));
        await AssertBalancesAsync(host, source: 80, destination: 20);
    }

    [Fact]
    public async Task A_mint_refunded_through_its_function_is_burned_at_once_without_an_orchestration()
    {
        await using var host = await StartFundedAsync();
        var mint = await DurableLedgerHost.CallAsync(
            host.Ledger.NewRequest("POST", "/transactions", """{"kind":"mint","account_id":"acct-dst","amount":50,"reason":"credit_purchase"}""", idempotencyKey: "mint-1"),
            host.Ledger.Http.PostTransaction);
        var mintId = Json(mint).GetProperty("transaction_id").GetString()!;

        var refund = await DurableLedgerHost.CallAsync(
            host.Ledger.NewRequest("POST", $"/transactions/{mintId}/refunds", """{"account_id":"acct-dst","amount":20}""", idempotencyKey: "mint-refund-1"),
            request => host.Ledger.Http.RefundMint(request, mintId));

        Assert.Equal(StatusCodes.Status201Created, refund.Status);
        Assert.Empty(await host.InstancesAsync());
        await AssertBalancesAsync(host, source: 100, destination: 30);
    }

    [Fact]
    public async Task A_credit_that_fails_twice_is_retried_after_durable_timers_and_the_transfer_posts_once()
    {
        await using var host = await StartFundedAsync();
        host.Flaky.FailCommitsTo(DocumentTypes.AccountPartition(FunctionsTestHost.App, AccountId.From("acct-dst")), times: 2);

        var started = await host.CallAsync(NewTransfer(host, "transfer-flaky"), host.Ledger.Http.StartTransfer);
        var key = KeyOf(started);
        await host.CompletionOfAsync(key);

        var steps = host.StepsOf(key);
        var credits = steps.Where(run => run.Activity == DurableTransferSteps.CreditDestinationActivity).ToArray();
        Assert.Equal(3, credits.Length);
        Assert.All(credits[..2], run => Assert.IsType<TimeoutException>(run.Failure));
        Assert.Null(credits[2].Failure);

        // Each retry waits on a durable timer as the policy says: an episode records the failure and
        // starts the timer, another runs when it fires; an in-process retry loop would add neither.
        var policy = TransferOrchestration.StepRetry.Retry!.Policy!;
        Assert.True(credits[1].StartedAt - credits[0].StartedAt >= policy.FirstRetryInterval - TimerSlack);
        Assert.True(credits[2].StartedAt - credits[1].StartedAt >= (policy.FirstRetryInterval * policy.BackoffCoefficient) - TimerSlack);
        Assert.Equal(1 + steps.Count + 2, host.Functions.EpisodesOf(TransferOrchestration.InstanceIdFor(key)));
        Assert.Equal(2, host.Flaky.Failed);
        await AssertBalancesAsync(host, source: 70, destination: 30);
    }

    [Fact]
    public async Task A_transfer_whose_orchestration_outlasts_the_request_answers_202_and_is_posted_once_its_step_succeeds()
    {
        await using var host = await StartFundedAsync();
        host.Flaky.FailCommitsTo(DocumentTypes.AccountPartition(FunctionsTestHost.App, AccountId.From("acct-dst")), int.MaxValue);

        // The request waits LedgerEngine.DefaultTransferWait on the client, then answers with the state so far.
        var started = await host.CallAsync(NewTransfer(host, "transfer-slow"), host.Ledger.Http.StartTransfer);

        Assert.Equal(StatusCodes.Status202Accepted, started.Status);
        Assert.Equal("crediting", Json(started).GetProperty("state").GetString());
        Assert.True((await host.Client.GetInstanceAsync(TransferOrchestration.InstanceIdFor(KeyOf(started)))) is { IsRunning: true });

        host.Flaky.Heal();
        var instance = await host.CompletionOfAsync(KeyOf(started));
        var transferId = Json(started).GetProperty("transfer_id").GetString()!;
        var read = await DurableLedgerHost.CallAsync(host.Ledger.NewRequest("GET", started.Location), request => host.Ledger.Http.GetTransfer(request, transferId));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal("posted", Json(read).GetProperty("state").GetString());
        await AssertBalancesAsync(host, source: 70, destination: 30);
    }

    [Fact]
    public async Task An_orchestration_ended_before_its_transfer_is_started_again_by_the_recovery_sweep_and_posts_it()
    {
        await using var host = await StartFundedAsync();
        host.Flaky.FailCommitsTo(DocumentTypes.AccountPartition(FunctionsTestHost.App, AccountId.From("acct-dst")), int.MaxValue);
        var key = await ReserveAsync(host, "transfer-terminated");
        await host.Driver().RunAsync(key, TimeSpan.Zero, CancellationToken.None);
        await WaitUntilAsync(() => host.StepsOf(key).Any(run => run.Failure is not null));

        // An operator (or a failure past the retries) ends the orchestration while the credit cannot land.
        await host.Client.TerminateInstanceAsync(TransferOrchestration.InstanceIdFor(key), "stopped by the test");
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await host.CompletionOfAsync(key)).RuntimeStatus);
        Assert.Equal(30, (await host.Ledger.AccountAsync("acct-src")).PendingDebits);

        host.Flaky.Heal();
        host.Ledger.Clock.Advance(TimeSpan.FromMinutes(5));
        await SweepAsync(host);
        var restarted = await host.CompletionOfAsync(key);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, restarted.RuntimeStatus);
        Assert.Equal("posted", restarted.ReadOutputAs<TransferDocument>()!.State);
        await AssertBalancesAsync(host, source: 70, destination: 30);
    }

    private static async Task<DurableLedgerHost> StartFundedAsync()
    {
        var host = await DurableLedgerHost.StartAsync();
        await host.Ledger.OpenAsync("acct-src", funds: 100);
        await host.Ledger.OpenAsync("acct-dst");
        return host;
    }

    private static HttpRequest NewTransfer(DurableLedgerHost host, string idempotencyKey)
        => host.Ledger.NewRequest("POST", "/transfers", TransferBody, idempotencyKey: idempotencyKey);

    private static async Task<TransferKey> ReserveAsync(DurableLedgerHost host, string idempotencyKey)
    {
        var reserved = await host.Ledger.ReserveTransferAsync("acct-src", "acct-dst", 30, idempotencyKey);
        return new TransferKey(reserved.AppId, reserved.TransferId);
    }

    private static async Task<string> PlaceHoldAsync(DurableLedgerHost host, string idempotencyKey, long expiresInSeconds)
    {
        var placed = await DurableLedgerHost.CallAsync(
            host.Ledger.NewRequest("POST", "/holds", $$"""{"from":"acct-src","to":"acct-dst","amount":50,"reason":"hold","expires_in_seconds":{{expiresInSeconds}}}""", idempotencyKey: idempotencyKey),
            host.Ledger.Http.PlaceHold);
        Assert.Equal(StatusCodes.Status201Created, placed.Status);
        return Json(placed).GetProperty("transfer_id").GetString()!;
    }

    /// <summary>Runs the recovery timer function once, as its schedule would, with the test host's client.</summary>
    private static Task SweepAsync(DurableLedgerHost host)
        => new TransferRecoveryTimer(host.Ledger.Engine).Sweep(new TimerInfo(), host.Client, new Mock<FunctionContext>().Object);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task AssertBalancesAsync(DurableLedgerHost host, long source, long destination)
    {
        var from = await host.Ledger.AccountAsync("acct-src");
        Assert.Equal(source, from.Balance);
        Assert.Equal(0, from.PendingDebits);
        Assert.Equal(destination, (await host.Ledger.AccountAsync("acct-dst")).Balance);
    }

    private static TransferKey KeyOf(Answer answer) => FunctionsTestHost.Key(Json(answer).GetProperty("transfer_id").GetString()!);

    private static JsonElement Json(Answer answer) => JsonDocument.Parse(answer.Body).RootElement;
}
