using System.Text.Json.Serialization;
using Ledger.Domain;

namespace Ledger.Engine;

/// <summary>Names one transfer, hold or refund: what a saga step needs as input. Serializable, so a Durable Functions activity can take it.</summary>
public sealed record TransferKey(
    [property: JsonPropertyName("app_id")] string AppId,
    [property: JsonPropertyName("transfer_id")] string TransferId);

/// <summary>The outcome of the credit step, decided once in the destination partition.</summary>
public sealed record CreditStepResult(
    [property: JsonPropertyName("credited")] bool Credited,
    [property: JsonPropertyName("failure_code")] string? FailureCode,
    [property: JsonPropertyName("failure_message")] string? FailureMessage);

/// <summary>A drive of a transfer failed: at which step, and what the failure said.</summary>
public sealed record SagaFailure(
    [property: JsonPropertyName("stage")] SagaStage Stage,
    [property: JsonPropertyName("message")] string Message);

/// <summary>Why a transfer is voided.</summary>
public sealed record VoidReason(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

/// <summary>
/// The steps of the two-phase transfer. Each is idempotent and may run any number of times, on any
/// driver: the engine runs them in-process; a Durable Functions orchestration runs each as an activity.
/// </summary>
public interface ITransferSteps
{
    /// <summary>The driver's notion of now: the clock in-process, the orchestration's replay-safe time in Durable Functions.</summary>
    DateTimeOffset UtcNow { get; }

    /// <summary>Reads the transfer document, the saga's durable state; null when it does not exist.</summary>
    Task<TransferDocument?> ReadAsync(TransferKey transfer, CancellationToken cancellationToken);

    /// <summary>Step 2: credits the destination, or records for good that it refuses.</summary>
    Task<CreditStepResult> CreditDestinationAsync(TransferKey transfer, CancellationToken cancellationToken);

    /// <summary>Step 3: posts the debit on the source, releases the reservation, marks the transfer Posted.</summary>
    Task<TransferDocument> CommitSourceAsync(TransferKey transfer, CancellationToken cancellationToken);

    /// <summary>Step 3 when the credit was refused: releases the reservation, marks the transfer Voided.</summary>
    Task<TransferDocument> VoidSourceAsync(TransferKey transfer, VoidReason reason, CancellationToken cancellationToken);

    /// <summary>Voids a hold whose expiry has passed; a no-op for anything else.</summary>
    Task<TransferDocument> ExpireHoldAsync(TransferKey transfer, CancellationToken cancellationToken);

    /// <summary>
    /// Step 2 past the credit deadline: records in the destination, without reading its account, that the
    /// credit is refused; if the credit landed first, that is the answer instead.
    /// </summary>
    Task<CreditStepResult> RefuseOverdueCreditAsync(TransferKey transfer, CancellationToken cancellationToken);

    /// <summary>Records on the transfer that a drive failed: counts it, backs off, and marks the transfer stuck once it cannot end by itself.</summary>
    Task<TransferDocument> RecordFailureAsync(TransferKey transfer, SagaFailure failure, CancellationToken cancellationToken);
}

/// <summary>
/// The transfer saga: the one place where the order of the steps is written. Step 1 (reserve on the
/// source) is the request itself and makes the transfer durable; from there the saga reads the durable
/// state and moves it forward until it is final, or waits for a hold's capture. Running it again at any
/// point, after any crash, repeats only idempotent steps. Its awaits keep their context on purpose:
/// as a Durable Functions orchestrator it must resume on the orchestration's own scheduler.
/// </summary>
public static class TransferSaga
{
    /// <summary>Each round moves the transfer at least one state forward; three suffice, one more absorbs a concurrent driver.</summary>
    public const int MaxRounds = 4;

    /// <param name="steps">The steps, in-process or as activities.</param>
    /// <param name="transfer">Which transfer to drive.</param>
    /// <param name="cancellationToken">Stops the drive between steps.</param>
    /// <param name="known">
    /// The transfer as its caller just wrote or read it, which saves the first read. It may already be
    /// stale: every step reads the transfer again and decides on that, so a stale start repeats no effect.
    /// </param>
    public static async Task<TransferDocument?> DriveAsync(ITransferSteps steps, TransferKey transfer, CancellationToken cancellationToken, TransferDocument? known = null)
    {
        var current = known ?? await steps.ReadAsync(transfer, cancellationToken);
        for (var round = 0; current is not null && round < MaxRounds; round++)
        {
            var record = current.ToRecord();
            try
            {
                switch (record.State)
                {
                    case TransferState.Posted or TransferState.Voided:
                        return current;
                    case TransferState.Reserved when TransferRules.IsExpired(record, steps.UtcNow):
                        current = await RecordingFailureAsync(steps, transfer, SagaStage.Void, () => steps.ExpireHoldAsync(transfer, cancellationToken), cancellationToken);
                        break;
                    case TransferState.Reserved:
                        // A hold waits for its capture, its void or its expiry.
                        return current;
                    case TransferState.Crediting:
                        current = await SettleAsync(steps, transfer, record, cancellationToken);
                        break;
                }
            }
            catch (TransferStepFailedException failed) when (failed.Recorded is { StuckSince: not null } or { State: "posted" or "voided" })
            {
                // Stuck: the transfer cannot end by itself; an operator is alerted, and the recovery sweep
                // tries it again only at its slow rhythm. Final: another driver ended it meanwhile.
                // Either way this drive ends here, without a failure.
                return failed.Recorded;
            }
        }

        return current;
    }

    /// <summary>Step 2 then step 3: credit (or, past the deadline, refuse) the destination, then commit or void on the source.</summary>
    private static async Task<TransferDocument> SettleAsync(ITransferSteps steps, TransferKey transfer, TransferRecord record, CancellationToken cancellationToken)
    {
        var overdue = TransferRules.IsCreditOverdue(record, steps.UtcNow);
        var credit = await RecordingFailureAsync(
            steps,
            transfer,
            SagaStage.Credit,
            () => overdue ? steps.RefuseOverdueCreditAsync(transfer, cancellationToken) : steps.CreditDestinationAsync(transfer, cancellationToken),
            cancellationToken);
        return credit.Credited
            ? await RecordingFailureAsync(steps, transfer, SagaStage.Commit, () => steps.CommitSourceAsync(transfer, cancellationToken), cancellationToken)
            : await RecordingFailureAsync(steps, transfer, SagaStage.Void, () => steps.VoidSourceAsync(transfer, new VoidReason(credit.FailureCode!, credit.FailureMessage!), cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Runs one step; when it fails, records the failure on the transfer (counted, backed off, perhaps
    /// stuck) and fails the drive, so the driver tries again when the transfer is next due: no failure
    /// is retried silently, and none for ever.
    /// </summary>
    private static async Task<T> RecordingFailureAsync<T>(ITransferSteps steps, TransferKey transfer, SagaStage stage, Func<Task<T>> step, CancellationToken cancellationToken)
    {
        SagaFailure failure;
        try
        {
            return await step();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            failure = new SagaFailure(stage, exception.Message);
        }

        var recorded = await steps.RecordFailureAsync(transfer, failure, cancellationToken);
        throw new TransferStepFailedException(transfer, recorded, failure);
    }
}

/// <summary>A saga step failed and the failure was recorded on the transfer; the driver tries again when it is next due.</summary>
public sealed class TransferStepFailedException(TransferKey transfer, TransferDocument recorded, SagaFailure failure)
    : Exception($"Transfer '{transfer.TransferId}': {failure.Stage.ToString().ToLowerInvariant()} failed (attempt {recorded.FailedAttempts}): {failure.Message}")
{
    public TransferDocument Recorded { get; } = recorded;
}

/// <summary>
/// Runs the saga of one transfer and waits for it at most <c>wait</c>: in-process on the local host, as a
/// Durable Functions orchestration in Azure. Either way the saga definition is <see cref="TransferSaga"/>.
/// </summary>
public interface ITransferSagaDriver
{
    /// <summary>Drives the transfer; returns its state once final, or its current state when <paramref name="wait"/> passes first.</summary>
    Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken);
}
