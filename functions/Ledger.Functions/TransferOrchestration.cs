using Ledger.Engine;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Ledger.Functions;

/// <summary>What the void activity needs: the transfer and why it is voided.</summary>
public sealed record VoidStepInput(TransferKey Transfer, VoidReason Reason);

/// <summary>What the failure activity needs: the transfer and the step that failed past its retries.</summary>
public sealed record FailureStepInput(TransferKey Transfer, SagaFailure Failure);

/// <summary>
/// The transfer, hold and refund sagas as Durable Functions: the orchestrator runs the one saga
/// definition (<see cref="TransferSaga.DriveAsync"/>) with steps that are activities, and each activity
/// runs the engine's idempotent step. Nothing about the order of steps is written here.
/// </summary>
public sealed class TransferOrchestration(LedgerEngine engine)
{
    public const string OrchestratorName = "TransferSagaOrchestrator";

    /// <summary>
    /// Every step is idempotent, so retrying one is always safe; the bound keeps a broken store from retrying
    /// forever. A step that fails past it fails the drive: the saga records the failure on the transfer
    /// (counted against the engine's <see cref="Ledger.Domain.SagaBounds"/>, which void it past its credit
    /// deadline or mark it stuck) and the recovery timer starts the orchestration again once it is due.
    /// </summary>
    public static readonly TaskOptions StepRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8,
        firstRetryInterval: TimeSpan.FromSeconds(1),
        backoffCoefficient: 2.0,
        maxRetryInterval: TimeSpan.FromMinutes(2)));

    /// <summary>One transfer has one orchestration: its instance id is derived from the transfer id.</summary>
    public static string InstanceIdFor(TransferKey transfer) => $"transfer-{transfer.AppId}-{transfer.TransferId}";

    [Function(OrchestratorName)]
    public static Task<TransferDocument?> RunSaga([OrchestrationTrigger] TaskOrchestrationContext context)
        => TransferSaga.DriveAsync(new DurableTransferSteps(context), context.GetInput<TransferKey>()!, CancellationToken.None);

    [Function(DurableTransferSteps.ReadTransferActivity)]
    public Task<TransferDocument?> ReadTransfer([ActivityTrigger] TransferKey transfer, FunctionContext context)
        => engine.TransferSteps.ReadAsync(transfer, context.CancellationToken);

    [Function(DurableTransferSteps.CreditDestinationActivity)]
    public Task<CreditStepResult> CreditDestination([ActivityTrigger] TransferKey transfer, FunctionContext context)
        => engine.TransferSteps.CreditDestinationAsync(transfer, context.CancellationToken);

    [Function(DurableTransferSteps.CommitSourceActivity)]
    public Task<TransferDocument> CommitSource([ActivityTrigger] TransferKey transfer, FunctionContext context)
        => engine.TransferSteps.CommitSourceAsync(transfer, context.CancellationToken);

    [Function(DurableTransferSteps.VoidSourceActivity)]
    public Task<TransferDocument> VoidSource([ActivityTrigger] VoidStepInput input, FunctionContext context)
        => engine.TransferSteps.VoidSourceAsync(input.Transfer, input.Reason, context.CancellationToken);

    [Function(DurableTransferSteps.ExpireHoldActivity)]
    public Task<TransferDocument> ExpireHold([ActivityTrigger] TransferKey transfer, FunctionContext context)
        => engine.TransferSteps.ExpireHoldAsync(transfer, context.CancellationToken);

    [Function(DurableTransferSteps.RefuseOverdueCreditActivity)]
    public Task<CreditStepResult> RefuseOverdueCredit([ActivityTrigger] TransferKey transfer, FunctionContext context)
        => engine.TransferSteps.RefuseOverdueCreditAsync(transfer, context.CancellationToken);

    [Function(DurableTransferSteps.RecordFailureActivity)]
    public Task<TransferDocument> RecordFailure([ActivityTrigger] FailureStepInput input, FunctionContext context)
        => engine.TransferSteps.RecordFailureAsync(input.Transfer, input.Failure, context.CancellationToken);
}

/// <summary>
/// The saga's steps as Durable activities. Replay-safe: the time is the orchestration's, and every
/// effect goes through an activity whose result the framework records and replays.
/// </summary>
public sealed class DurableTransferSteps(TaskOrchestrationContext context) : ITransferSteps
{
    public const string ReadTransferActivity = "TransferReadActivity";
    public const string CreditDestinationActivity = "TransferCreditDestinationActivity";
    public const string CommitSourceActivity = "TransferCommitSourceActivity";
    public const string VoidSourceActivity = "TransferVoidSourceActivity";
    public const string ExpireHoldActivity = "TransferExpireHoldActivity";
    public const string RefuseOverdueCreditActivity = "TransferRefuseOverdueCreditActivity";
    public const string RecordFailureActivity = "TransferRecordFailureActivity";

    public DateTimeOffset UtcNow => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    public Task<TransferDocument?> ReadAsync(TransferKey transfer, CancellationToken cancellationToken)
        => context.CallActivityAsync<TransferDocument?>(ReadTransferActivity, transfer, TransferOrchestration.StepRetry);

    public Task<CreditStepResult> CreditDestinationAsync(TransferKey transfer, CancellationToken cancellationToken)
        => context.CallActivityAsync<CreditStepResult>(CreditDestinationActivity, transfer, TransferOrchestration.StepRetry);

    public Task<TransferDocument> CommitSourceAsync(TransferKey transfer, CancellationToken cancellationToken)
        => context.CallActivityAsync<TransferDocument>(CommitSourceActivity, transfer, TransferOrchestration.StepRetry);

    public Task<TransferDocument> VoidSourceAsync(TransferKey transfer, VoidReason reason, CancellationToken cancellationToken)
        => context.CallActivityAsync<TransferDocument>(VoidSourceActivity, new VoidStepInput(transfer, reason), TransferOrchestration.StepRetry);

    public Task<TransferDocument> ExpireHoldAsync(TransferKey transfer, CancellationToken cancellationToken)
        => context.CallActivityAsync<TransferDocument>(ExpireHoldActivity, transfer, TransferOrchestration.StepRetry);

    public Task<CreditStepResult> RefuseOverdueCreditAsync(TransferKey transfer, CancellationToken cancellationToken)
        => context.CallActivityAsync<CreditStepResult>(RefuseOverdueCreditActivity, transfer, TransferOrchestration.StepRetry);

    public Task<TransferDocument> RecordFailureAsync(TransferKey transfer, SagaFailure failure, CancellationToken cancellationToken)
        => context.CallActivityAsync<TransferDocument>(RecordFailureActivity, new FailureStepInput(transfer, failure), TransferOrchestration.StepRetry);
}

/// <summary>
/// Starts a transfer's orchestration (at most one per transfer: the instance id is derived from the
/// transfer id, and an existing instance is never started again) and waits for it up to the request's wait.
/// </summary>
public sealed class DurableTransferSagaDriver(DurableTaskClient client, LedgerEngine engine) : ITransferSagaDriver
{
    public async Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken)
    {
        var instanceId = TransferOrchestration.InstanceIdFor(transfer);
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);

        // No orchestration yet, or one that ended while the transfer is still unfinished (it failed past
        // its retries, was terminated, or completed with a hold that was captured since): start it (again).
        // Azure Storage lets a new run replace an instance in a terminal state; a running one is left alone.
        var mustStart = instance is null
            || (instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Completed
                && await engine.TransferSteps.ReadAsync(transfer, cancellationToken).ConfigureAwait(false) is { State: not ("posted" or "voided") });
        if (mustStart)
        {
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    TransferOrchestration.OrchestratorName,
                    transfer,
                    new StartOrchestrationOptions { InstanceId = instanceId },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Two requests raced to start the same instance; the loser only has to find it running.
                if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw;
                }
            }
        }

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(wait);
        try
        {
            await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Still running: the caller answers 202 with the transfer's current state.
        }

        return await engine.TransferSteps.ReadAsync(transfer, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// The Azure counterpart of the local saga runner: every minute, finds the transfers that are due (stalled
/// past their back-off, holds past their expiry, stuck ones at their slow rhythm) and starts their
/// orchestration, which is a no-op for ones already running; the orchestration voids a transfer past its
/// credit deadline or marks it stuck, through the engine, as the local runner does.
/// </summary>
public sealed class TransferRecoveryTimer(LedgerEngine engine)
{
    [Function("TransferRecoverySweep")]
    public async Task Sweep([TimerTrigger("0 */1 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durableClient, FunctionContext context)
    {
        var driver = new DurableTransferSagaDriver(durableClient, engine);
        await engine.ForEachStalledTransferAsync(
            TimeSpan.FromMinutes(1),
            transfer => driver.RunAsync(transfer, TimeSpan.Zero, context.CancellationToken),
            context.CancellationToken).ConfigureAwait(false);
    }
}
