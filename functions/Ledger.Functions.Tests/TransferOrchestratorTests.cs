using Ledger.Domain;
using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Microsoft.DurableTask;
using Moq;

namespace Ledger.Functions.Tests;

/// <summary>
/// The orchestrator function (<see cref="TransferOrchestration.RunSaga"/>) with a mocked
/// <see cref="TaskOrchestrationContext"/>: which activities it calls, in which order, with which input and
/// retry options, and that its notion of now is the orchestration's time, not the machine's clock.
/// </summary>
public sealed class TransferOrchestratorTests
{
    private static readonly DateTime OrchestrationTime = new(2025, 6, 1, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task A_transfer_being_credited_is_credited_then_committed()
    {
        var orchestration = new Orchestration();
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, Transfers.Crediting);
        orchestration.Returns(DurableTransferSteps.CreditDestinationActivity, new CreditStepResult(true, null, null));
        orchestration.Returns(DurableTransferSteps.CommitSourceActivity, Transfers.Posted);

        var result = await orchestration.RunAsync();

        Assert.Same(Transfers.Posted, result);
        Assert.Equal(
            [DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.CreditDestinationActivity, DurableTransferSteps.CommitSourceActivity],
            orchestration.Activities);
        Assert.All(orchestration.Calls, call => Assert.Equal(Transfers.Key, call.Input));
        orchestration.AssertEveryCallRetriesWithStepRetry();
    }

    [Fact]
    public async Task A_refused_credit_is_compensated_by_voiding_the_source_with_the_refusal()
    {
        var orchestration = new Orchestration();
        var voided = Transfers.Voided(ErrorCodes.AccountFrozen, "Account 'acct-dst' is frozen.");
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, Transfers.Crediting);
        orchestration.Returns(DurableTransferSteps.CreditDestinationActivity, new CreditStepResult(false, ErrorCodes.AccountFrozen, "Account 'acct-dst' is frozen."));
        orchestration.Returns(DurableTransferSteps.VoidSourceActivity, voided);

        var result = await orchestration.RunAsync();

        Assert.Same(voided, result);
        Assert.Equal(
            [DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.CreditDestinationActivity, DurableTransferSteps.VoidSourceActivity],
            orchestration.Activities);
        Assert.Equal(new VoidStepInput(Transfers.Key, new VoidReason(ErrorCodes.AccountFrozen, "Account 'acct-dst' is frozen.")), orchestration.Calls[2].Input);
        orchestration.AssertEveryCallRetriesWithStepRetry();
    }

    [Fact]
    public async Task A_hold_before_its_expiry_by_the_orchestration_clock_is_only_read()
    {
        // The machine's clock is long past this expiry; the orchestration's is not, and only it counts.
        var orchestration = new Orchestration(now: new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, Transfers.Hold(new DateTimeOffset(2001, 1, 1, 1, 0, 0, TimeSpan.Zero)));

        var result = await orchestration.RunAsync();

        Assert.Equal("reserved", result!.State);
        Assert.Equal([DurableTransferSteps.ReadTransferActivity], orchestration.Activities);
    }

    [Fact]
    public async Task A_hold_past_its_expiry_by_the_orchestration_clock_is_expired()
    {
        // The machine's clock is long before this expiry; the orchestration's is after it.
        var orchestration = new Orchestration(now: new DateTime(2999, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var expired = Transfers.Hold(new DateTimeOffset(2998, 12, 31, 0, 0, 0, TimeSpan.Zero)) with { State = "voided", FailureCode = ErrorCodes.HoldExpired, FailureMessage = "expired" };
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, Transfers.Hold(new DateTimeOffset(2998, 12, 31, 0, 0, 0, TimeSpan.Zero)));
        orchestration.Returns(DurableTransferSteps.ExpireHoldActivity, expired);

        var result = await orchestration.RunAsync();

        Assert.Same(expired, result);
        Assert.Equal([DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.ExpireHoldActivity], orchestration.Activities);
        Assert.Equal(Transfers.Key, orchestration.Calls[1].Input);
        orchestration.AssertEveryCallRetriesWithStepRetry();
    }

    [Theory]
    [InlineData("posted")]
    [InlineData("voided")]
    public async Task A_transfer_already_final_is_only_read(string state)
    {
        var orchestration = new Orchestration();
        var final = state == "posted" ? Transfers.Posted : Transfers.Voided(ErrorCodes.AccountFrozen, "frozen");
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, final);

        var result = await orchestration.RunAsync();

        Assert.Same(final, result);
        Assert.Equal([DurableTransferSteps.ReadTransferActivity], orchestration.Activities);
    }

    [Fact]
    public async Task A_transfer_that_does_not_exist_completes_the_orchestration_with_null()
    {
        var orchestration = new Orchestration();
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, null);

        Assert.Null(await orchestration.RunAsync());
        Assert.Equal([DurableTransferSteps.ReadTransferActivity], orchestration.Activities);
    }

    [Fact]
    public async Task Each_activity_is_scheduled_only_after_the_previous_one_completed()
    {
        // Durable replays an orchestrator by matching its calls to the history in order: the saga must
        // never schedule a step before the result of the one before it is known.
        var orchestration = new Orchestration();
        var read = new TaskCompletionSource<TransferDocument?>();
        var credit = new TaskCompletionSource<CreditStepResult>();
        orchestration.ReturnsTask(DurableTransferSteps.ReadTransferActivity, read.Task);
        orchestration.ReturnsTask(DurableTransferSteps.CreditDestinationActivity, credit.Task);
        orchestration.Returns(DurableTransferSteps.CommitSourceActivity, Transfers.Posted);

        var running = orchestration.RunAsync();
        Assert.Equal([DurableTransferSteps.ReadTransferActivity], orchestration.Activities);

        read.SetResult(Transfers.Crediting);
        await orchestration.WaitForCallsAsync(2);
        Assert.Equal([DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.CreditDestinationActivity], orchestration.Activities);
        Assert.False(running.IsCompleted);

        credit.SetResult(new CreditStepResult(true, null, null));
        Assert.Same(Transfers.Posted, await running);
        Assert.Equal(3, orchestration.Activities.Count);
    }

    [Fact]
    public async Task A_step_that_failed_past_its_retries_is_recorded_on_the_transfer_and_fails_the_orchestration_without_a_later_step()
    {
        var orchestration = new Orchestration();
        orchestration.Returns<TransferDocument?>(DurableTransferSteps.ReadTransferActivity, Transfers.Crediting);
        orchestration.Context
            .Setup(context => context.CallActivityAsync<CreditStepResult>(It.Is<TaskName>(name => name.Name == DurableTransferSteps.CreditDestinationActivity), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .ThrowsAsync(new InvalidOperationException("the activity failed after its retries"));
        orchestration.Returns(DurableTransferSteps.RecordFailureActivity, Transfers.Crediting with { FailedAttempts = 1 });

        // The failure is counted on the transfer (the engine voids it past its credit deadline or marks it
        // stuck), and the recovery timer starts the orchestration again when it is next due.
        await Assert.ThrowsAsync<TransferStepFailedException>(() => orchestration.RunAsync());
        Assert.Equal(
            [DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.RecordFailureActivity],
            orchestration.Activities);
        Assert.Equal(new FailureStepInput(Transfers.Key, new SagaFailure(SagaStage.Credit, "the activity failed after its retries")), orchestration.Calls[1].Input);
        orchestration.Context.Verify(
            context => context.CallActivityAsync<TransferDocument>(It.Is<TaskName>(name => name.Name == DurableTransferSteps.CommitSourceActivity || name.Name == DurableTransferSteps.VoidSourceActivity), It.IsAny<object?>(), It.IsAny<TaskOptions?>()),
            Times.Never);
    }

    [Fact]
    public void The_steps_time_is_the_orchestration_time_in_utc()
    {
        var orchestration = new Orchestration();
        var steps = new DurableTransferSteps(orchestration.Context.Object);

        Assert.Equal(new DateTimeOffset(OrchestrationTime), steps.UtcNow);
        Assert.Equal(TimeSpan.Zero, steps.UtcNow.Offset);
    }

    [Fact]
    public void One_transfer_has_one_orchestration_instance_named_after_it()
    {
        Assert.Equal($"transfer-{Transfers.Key.AppId}-{Transfers.Key.TransferId}", TransferOrchestration.InstanceIdFor(Transfers.Key));
        Assert.NotEqual(TransferOrchestration.InstanceIdFor(Transfers.Key), TransferOrchestration.InstanceIdFor(Transfers.Key with { AppId = "app2" }));
    }

    /// <summary>A mocked orchestration context whose activities answer what the test says, recording every call.</summary>
    private sealed class Orchestration
    {
        public Orchestration(DateTime? now = null)
        {
            Context.Setup(context => context.GetInput<TransferKey>()).Returns(Transfers.Key);
            Context.SetupGet(context => context.CurrentUtcDateTime).Returns(now ?? OrchestrationTime);
        }

        public Mock<TaskOrchestrationContext> Context { get; } = new();

        public List<(string Activity, object? Input, TaskOptions? Options)> Calls { get; } = [];

        public IReadOnlyList<string> Activities => [.. Calls.Select(call => call.Activity)];

        public void Returns<T>(string activity, T result) => ReturnsTask(activity, Task.FromResult(result));

        public void ReturnsTask<T>(string activity, Task<T> result)
            => Context
                .Setup(context => context.CallActivityAsync<T>(It.Is<TaskName>(name => name.Name == activity), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
                .Callback<TaskName, object?, TaskOptions?>((name, input, options) => Calls.Add((name.Name, input, options)))
                .Returns(result);

        public Task<TransferDocument?> RunAsync() => TransferOrchestration.RunSaga(Context.Object);

        /// <summary>Waits (boundedly) for the orchestrator to have made <paramref name="count"/> calls.</summary>
        public async Task WaitForCallsAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Calls.Count < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }

        public void AssertEveryCallRetriesWithStepRetry()
            => Assert.All(Calls, call => Assert.Same(TransferOrchestration.StepRetry, call.Options));
    }
}
