using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;
using Microsoft.Extensions.Logging;

namespace Ledger.Engine;

/// <summary>How much of an original a refund may take: the original's amount, and what the request asks (all that is left when null).</summary>
internal sealed record RefundLimit(string RefundedId, long OriginalAmount, long? RequestedAmount);

/// <summary>What a change to a transfer decided: the new account and transfer (null: unchanged) and any further writes.</summary>
internal sealed record TransferDecision(AccountState? Account, TransferRecord? Transfer, IReadOnlyList<DocumentWrite> ExtraWrites)
{
    public static readonly TransferDecision Unchanged = new(null, null, []);
}

public sealed partial class LedgerEngine
{
    /// <summary>How often a transfer change is decided again after another process changed the transfer under it.</summary>
    private const int MaxTransferChangeAttempts = 4;

    async Task<TransferDocument?> ITransferSteps.ReadAsync(TransferKey transfer, CancellationToken cancellationToken)
    {
        var stored = await ReadTransferDocumentAsync(AppId.From(transfer.AppId), TransferId.From(transfer.TransferId), cancellationToken).ConfigureAwait(false);
        return stored is null ? null : DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument);
    }

    async Task<CreditStepResult> ITransferSteps.CreditDestinationAsync(TransferKey key, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await CreditDestinationAsync(key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RecordStep("credit", started);
        }
    }

    private async Task<CreditStepResult> CreditDestinationAsync(TransferKey key, CancellationToken cancellationToken)
    {
        var app = AppId.From(key.AppId);
        var stored = await ReadTransferDocumentAsync(app, TransferId.From(key.TransferId), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Transfer '{key.TransferId}' vanished; transfer documents are never deleted.");
        var transfer = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument).ToRecord();
        switch (transfer.State)
        {
            case TransferState.Posted:
                return new CreditStepResult(true, null, null);
            case TransferState.Voided:
                return new CreditStepResult(false, transfer.FailureCode, transfer.FailureMessage);
            case TransferState.Reserved:
                throw new InvalidOperationException($"Transfer '{transfer.Id}' is not being credited; a hold is captured first.");
        }

        var partition = DocumentTypes.AccountPartition(app, transfer.To);
        var creditDocumentId = DocumentTypes.EntryId(transfer.Id.PostingTransactionId);
        var command = new PartitionCommand<CreditStepResult>(
            (destination, now) =>
            {
                switch (TransferRules.Credit(destination, transfer, now))
                {
                    case CreditOutcome.Credited credited:
                        var entry = EntryDocument.From(credited.Entry);
                        return CommandDecision<CreditStepResult>.Apply(TransferRules.ApplyCredit(destination!, credited.Entry), [EntryWrite(entry)], new CreditStepResult(true, null, null));
                    case CreditOutcome.Refused refused:
                        var refusal = new CreditRefusalDocument { TransferId = transfer.Id.Value, Code = refused.Reason.Code, Message = refused.Reason.Message, RefusedAt = now };
                        var write = DocumentWrite.Create(creditDocumentId, DocumentTypes.CreditRefusal, DocumentCodec.Encode(refusal, LedgerDocumentJsonContext.Documents.CreditRefusalDocument));
                        return CommandDecision<CreditStepResult>.Apply(null, [write], new CreditStepResult(false, refused.Reason.Code, refused.Reason.Message));
                    default:
                        throw new InvalidOperationException("Unknown credit outcome.");
                }
            },
            async (outcome, _, token) =>
            {
                // The credit entry and the refusal share one id: whichever was written first decided
                // this step for good, and that is the answer whatever was decided just now.
                if (outcome != BatchOutcome.Conflict)
                {
                    throw new InvalidOperationException($"Credit of transfer '{transfer.Id}' failed with {outcome}.");
                }

                return await ReadDecidedCreditAsync(partition, creditDocumentId, transfer.Id, token).ConfigureAwait(false);
            });
        var result = await _pipeline.SubmitAsync(partition, command).ConfigureAwait(false);
        return result.IsSuccess ? result.Value : throw new StoreUnavailableException($"Credit of transfer '{transfer.Id}' could not be decided: {result.Error!.Message}");
    }

    async Task<CreditStepResult> ITransferSteps.RefuseOverdueCreditAsync(TransferKey key, CancellationToken cancellationToken)
    {
        var app = AppId.From(key.AppId);
        var stored = await ReadTransferDocumentAsync(app, TransferId.From(key.TransferId), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Transfer '{key.TransferId}' vanished; transfer documents are never deleted.");
        var transfer = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument).ToRecord();
        if (transfer.State != TransferState.Crediting)
        {
            return transfer.State == TransferState.Posted ? new CreditStepResult(true, null, null) : new CreditStepResult(false, transfer.FailureCode, transfer.FailureMessage);
        }

        // The refusal is created under the credit's own id, straight in the store: the destination's
        // account is not read (it may be what keeps failing), and whichever of the credit and the refusal
        // was created first decides the step for good, as in the credit step itself.
        var now = _time.GetUtcNow();
        var reason = TransferRules.CreditDeadlineExceeded(transfer);
        var partition = DocumentTypes.AccountPartition(app, transfer.To);
        var creditDocumentId = DocumentTypes.EntryId(transfer.Id.PostingTransactionId);
        var refusal = new CreditRefusalDocument { TransferId = transfer.Id.Value, Code = reason.Code, Message = reason.Message, RefusedAt = now };
        var write = DocumentWrite.Create(creditDocumentId, DocumentTypes.CreditRefusal, DocumentCodec.Encode(refusal, LedgerDocumentJsonContext.Documents.CreditRefusalDocument));
        var committed = await _store.CommitAsync(new PartitionBatch(partition, write), cancellationToken).ConfigureAwait(false);
        return committed.Outcome switch
        {
            BatchOutcome.Committed => new CreditStepResult(false, reason.Code, reason.Message),
            BatchOutcome.Conflict => await ReadDecidedCreditAsync(partition, creditDocumentId, transfer.Id, cancellationToken).ConfigureAwait(false),
            _ => throw new StoreUnavailableException($"The overdue credit of transfer '{transfer.Id}' could not be refused: {committed.Outcome}."),
        };
    }

    async Task<TransferDocument> ITransferSteps.RecordFailureAsync(TransferKey key, SagaFailure failure, CancellationToken cancellationToken)
    {
        var app = AppId.From(key.AppId);
        var id = TransferId.From(key.TransferId);
        var partition = DocumentTypes.AccountPartition(app, id.Source);
        for (var attempt = 1; ; attempt++)
        {
            // Written straight to the store, not through the partition pipeline: the source's account may
            // be what keeps failing, and the record must not depend on it. The ETag keeps it exact.
            var stored = await ReadTransferDocumentAsync(app, id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Transfer '{id}' vanished; transfer documents are never deleted.");
            var current = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument);
            if (TransferRules.RecordFailure(current.ToRecord(), failure.Stage, failure.Message, _time.GetUtcNow(), _sagaBounds) is not { } recorded)
            {
                return current;
            }

            var committed = await _store.CommitAsync(new PartitionBatch(partition, TransferWrite(recorded, stored.ETag)), cancellationToken).ConfigureAwait(false);
            if (committed.IsCommitted)
            {
                LogFailure(recorded, failure);
                return TransferDocument.Of(recorded);
            }

            if (committed.Outcome != BatchOutcome.PreconditionFailed || attempt >= MaxTransferChangeAttempts)
            {
                throw new StoreUnavailableException($"The failure of transfer '{id}' could not be recorded ({committed.Outcome}): {failure.Message}");
            }
        }
    }

    private void LogFailure(TransferRecord recorded, SagaFailure failure)
    {
        if (recorded.StuckReason is { } stuck)
        {
            _logger.LogError(
                "Transfer {TransferId} is stuck ({StuckReason}) since {StuckSince:O}: {Stage} failed (attempt {FailedAttempts}); next attempt after {RetryAfter:O}: {Failure}",
                recorded.Id.Value, stuck, recorded.StuckSince, failure.Stage, recorded.FailedAttempts, recorded.RetryAfter, failure.Message);
            return;
        }

        _logger.LogWarning(
            "Transfer {TransferId}: {Stage} failed (attempt {FailedAttempts} of {MaxFailedAttempts}); next attempt after {RetryAfter:O}: {Failure}",
            recorded.Id.Value, failure.Stage, recorded.FailedAttempts, _sagaBounds.MaxFailedAttempts, recorded.RetryAfter, failure.Message);
    }

    /// <summary>The credit step as it was decided for good: the credit entry, or the refusal written under its id.</summary>
    private async Task<CreditStepResult> ReadDecidedCreditAsync(string partition, string creditDocumentId, TransferId transfer, CancellationToken cancellationToken)
    {
        var decided = await _store.ReadAsync(partition, creditDocumentId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Credit of transfer '{transfer}' conflicted but cannot be read.");
        if (decided.Type == DocumentTypes.Entry)
        {
            return new CreditStepResult(true, null, null);
        }

        var refusal = DocumentCodec.Decode(decided, LedgerDocumentJsonContext.Documents.CreditRefusalDocument);
        return new CreditStepResult(false, refusal.Code, refusal.Message);
    }

    async Task<TransferDocument> ITransferSteps.CommitSourceAsync(TransferKey key, CancellationToken cancellationToken)
        => await TimedStepAsync("commit", System.Diagnostics.Stopwatch.GetTimestamp(), RequireTransferAsync(key, (transfer, source, _, now) =>
        {
            if (transfer.State != TransferState.Crediting)
            {
                return TransferDecision.Unchanged;
            }

            var (updatedSource, posted, debit) = TransferRules.Commit(source, transfer, now);
            return new TransferDecision(updatedSource, posted, [EntryWrite(EntryDocument.From(debit))]);
        })).ConfigureAwait(false);

    async Task<TransferDocument> ITransferSteps.VoidSourceAsync(TransferKey key, VoidReason reason, CancellationToken cancellationToken)
        => await TimedStepAsync("void", System.Diagnostics.Stopwatch.GetTimestamp(), RequireTransferAsync(key, (transfer, source, tracker, now) =>
            transfer.IsFinal ? TransferDecision.Unchanged : VoidDecision(transfer, source, tracker, new LedgerError(reason.Code, reason.Message), now))).ConfigureAwait(false);

    async Task<TransferDocument> ITransferSteps.ExpireHoldAsync(TransferKey key, CancellationToken cancellationToken)
        => await TimedStepAsync("expire", System.Diagnostics.Stopwatch.GetTimestamp(), RequireTransferAsync(key, (transfer, source, tracker, now) =>
            TransferRules.IsExpired(transfer, now)
                ? VoidDecision(transfer, source, tracker, new LedgerError(ErrorCodes.HoldExpired, $"Hold '{transfer.Id}' expired at {transfer.ExpiresAt:O}."), now)
                : TransferDecision.Unchanged)).ConfigureAwait(false);

    /// <summary>Awaits a step that started at <paramref name="started"/> and records its duration, failed or not.</summary>
    private static async Task<T> TimedStepAsync<T>(string step, long started, Task<T> running)
    {
        try
        {
            return await running.ConfigureAwait(false);
        }
        finally
        {
            RecordStep(step, started);
        }
    }

    private static void RecordStep(string step, long started)
        => LedgerMetrics.SagaStepDuration.Record(LedgerMetrics.SecondsSince(started), new KeyValuePair<string, object?>(LedgerMetrics.StepTag, step));

    /// <summary>Releases the reservation and marks the transfer Voided; a voided refund gives its amount back to the original's refund limit.</summary>
    private static TransferDecision VoidDecision(TransferRecord transfer, AccountState source, StoredDocument? tracker, LedgerError reason, DateTimeOffset now)
    {
        var (updatedSource, voided) = TransferRules.Void(source, transfer, reason, now);
        if (transfer.Kind != TransferKind.Refund)
        {
            return new TransferDecision(updatedSource, voided, []);
        }

        var limit = tracker is null
            ? throw new InvalidOperationException($"Refund '{transfer.Id}' has no refund tracker.")
            : DocumentCodec.Decode(tracker, LedgerDocumentJsonContext.Documents.RefundTrackerDocument);
        var released = limit with { RefundedAmount = checked(limit.RefundedAmount - transfer.Amount.MinorUnits) };
        return new TransferDecision(updatedSource, voided, [TrackerWrite(released, tracker.ETag)]);
    }

    private async Task<TransferDocument> RequireTransferAsync(TransferKey key, Func<TransferRecord, AccountState, StoredDocument?, DateTimeOffset, TransferDecision> decide)
    {
        var result = await ChangeTransferAsync(AppId.From(key.AppId), TransferId.From(key.TransferId), (transfer, source, tracker, now) => decide(transfer, source, tracker, now)).ConfigureAwait(false);
        return result.IsSuccess ? result.Value : throw new StoreUnavailableException($"Transfer '{key.TransferId}' could not move forward: {result.Error!.Message}");
    }

    /// <summary>
    /// Changes a transfer in its source partition: reads the transfer (and, for refunds, the refund
    /// tracker) fresh, decides, and writes with the read ETags as preconditions. Another process's change
    /// in between fails the batch, and the change is decided again on what is now there.
    /// </summary>
    internal async Task<Result<TransferDocument>> ChangeTransferAsync(AppId app, TransferId id, Func<TransferRecord, AccountState, StoredDocument?, DateTimeOffset, Result<TransferDecision>> decide, string? refusalDocumentId = null)
    {
        var partition = DocumentTypes.AccountPartition(app, id.Source);
        for (var attempt = 1; ; attempt++)
        {
            StoredDocument? storedTransfer = null;
            TransferDocument? current = null;
            StoredDocument? storedTracker = null;
            var retry = false;
            var command = new PartitionCommand<TransferDocument>(
                (source, now) =>
                {
                    if (storedTransfer is null || current is null || source is null)
                    {
                        return CommandDecision<TransferDocument>.Refuse(new LedgerError(ErrorCodes.TransferNotFound, $"Transfer '{id}' does not exist."));
                    }

                    var decision = decide(current.ToRecord(), source, storedTracker, now);
                    if (!decision.TryGetValue(out var change, out var refusal))
                    {
                        return refusalDocumentId is null
                            ? CommandDecision<TransferDocument>.Refuse(refusal)
                            : CommandDecision<TransferDocument>.RefuseRecorded(refusal, refusalDocumentId, now);
                    }

                    if (change.Transfer is null && change.Account is null && change.ExtraWrites.Count == 0)
                    {
                        return CommandDecision<TransferDocument>.Apply(null, [], current);
                    }

                    var writes = new List<DocumentWrite>(change.ExtraWrites.Count + 1);
                    var result = current;
                    if (change.Transfer is { } changed)
                    {
                        writes.Add(TransferWrite(changed, storedTransfer.ETag));
                        result = TransferDocument.Of(changed);
                    }

                    writes.AddRange(change.ExtraWrites);
                    return CommandDecision<TransferDocument>.Apply(change.Account, writes, result);
                },
                (outcome, _, _) =>
                {
                    if (outcome is not (BatchOutcome.PreconditionFailed or BatchOutcome.NotFound or BatchOutcome.Conflict))
                    {
                        throw new InvalidOperationException($"Change of transfer '{id}' failed with {outcome}.");
                    }

                    retry = true;
                    return ValueTask.FromResult(Result<TransferDocument>.Failure(new LedgerError(ErrorCodes.Contention, $"Transfer '{id}' kept changing under this request; retry it.")));
                },
                async token =>
                {
                    // Decoded once here; the decision above works on the same document and writes with its ETag.
                    storedTransfer = await _store.ReadAsync(partition, DocumentTypes.TransferDocumentId(id.Value), token).ConfigureAwait(false);
                    current = storedTransfer is not null && storedTransfer.Type == DocumentTypes.Transfer
                        ? DocumentCodec.Decode(storedTransfer, LedgerDocumentJsonContext.Documents.TransferDocument)
                        : null;
                    if (current is { Kind: "refund", RefundOf: { } refundOf })
                    {
                        storedTracker = await _store.ReadAsync(partition, DocumentTypes.RefundTrackerId(refundOf), token).ConfigureAwait(false);
                    }
                });
            var outcome = await _pipeline.SubmitAsync(partition, command).ConfigureAwait(false);
            if (!retry || attempt >= MaxTransferChangeAttempts)
            {
                return outcome;
            }
        }
    }

    /// <summary>Adapts a decision about the transfer alone (capture, void on request) to <see cref="ChangeTransferAsync"/>.</summary>
    private Task<Result<TransferDocument>> ChangeTransferAsync(AppId app, TransferId id, Func<TransferRecord, AccountState, DateTimeOffset, Result<TransferRecord?>> change, LedgerError? voidReason = null)
        => ChangeTransferAsync(app, id, (transfer, source, tracker, now) =>
        {
            var changed = change(transfer, source, now);
            if (!changed.TryGetValue(out var next, out var refusal))
            {
                return refusal;
            }

            if (next is null)
            {
                return TransferDecision.Unchanged;
            }

            return next.State == TransferState.Voided
                ? VoidDecision(transfer, source, tracker, voidReason ?? throw new ArgumentNullException(nameof(voidReason)), now)
                : new TransferDecision(null, next, []);
        });

    /// <summary>Step 1: reserves on the source and records the transfer. A repeat of the request finds its own transfer.</summary>
    private async Task<Result<TransferDocument>> ReserveAsync(TransferRecord transfer, RefundLimit? refundLimit, bool isRepeat)
    {
        var partition = DocumentTypes.AccountPartition(transfer.App, transfer.From);
        var transferDocumentId = DocumentTypes.TransferDocumentId(transfer.Id.Value);

        // A repeat may find its transfer already recorded; deciding again could refuse it (a full
        // refund leaves nothing to refund) although the original request succeeded.
        if (isRepeat && await ReadReservationOutcomeAsync(partition, transferDocumentId).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        StoredDocument? storedTracker = null;
        var command = new PartitionCommand<TransferDocument>(
            (source, now) =>
            {
                if (source is null)
                {
                    return Refused(new LedgerError(ErrorCodes.AccountNotFound, $"Account '{transfer.From}' does not exist.", "from"), now);
                }

                var record = transfer;
                var writes = new List<DocumentWrite>(2);
                if (refundLimit is not null)
                {
                    var tracker = storedTracker is null ? null : DocumentCodec.Decode(storedTracker, LedgerDocumentJsonContext.Documents.RefundTrackerDocument);
                    var refunded = tracker?.RefundedAmount ?? 0;
                    var amount = TransferRules.CheckRefund(refundLimit.OriginalAmount, refunded, refundLimit.RequestedAmount);
                    if (!amount.TryGetValue(out var refundAmount, out var tooMuch))
                    {
                        return Refused(tooMuch, now);
                    }

                    record = transfer with { Amount = refundAmount, SettleAmount = refundAmount };
                    writes.Add(TrackerWrite(
                        new RefundTrackerDocument { RefundedId = refundLimit.RefundedId, OriginalAmount = refundLimit.OriginalAmount, RefundedAmount = checked(refunded + refundAmount.MinorUnits) },
                        storedTracker?.ETag));
                }

                var reserved = TransferRules.Reserve(source, record, now);
                if (!reserved.TryGetValue(out var decided, out var refusal))
                {
                    return Refused(refusal, now);
                }

                writes.Insert(0, TransferWrite(decided.Transfer, etag: null));
                return CommandDecision<TransferDocument>.Apply(decided.Source, writes, TransferDocument.Of(decided.Transfer));
            },
            async (outcome, writeIndex, token) =>
            {
                // A concurrent repeat of this request was decided first: its outcome is ours.
                if (await ReadReservationOutcomeAsync(partition, transferDocumentId).ConfigureAwait(false) is { } decided)
                {
                    return decided;
                }

                return new LedgerError(ErrorCodes.Contention, $"Refunds of '{refundLimit?.RefundedId}' are being requested concurrently ({outcome} at write {writeIndex}); retry.");
            },
            refundLimit is null
                ? null
                : async token => storedTracker = await _store.ReadAsync(partition, DocumentTypes.RefundTrackerId(refundLimit.RefundedId), token).ConfigureAwait(false));
        return await _pipeline.SubmitAsync(partition, command).ConfigureAwait(false);

        CommandDecision<TransferDocument> Refused(LedgerError refusal, DateTimeOffset now)
            => CommandDecision<TransferDocument>.RefuseRecorded(refusal, transferDocumentId, now);
    }

    /// <summary>The recorded outcome of a reservation: the transfer, or the refusal recorded in its place; null when neither exists.</summary>
    internal ValueTask<Result<TransferDocument>?> ReadReservationOutcomeAsync(string partition, string transferDocumentId)
        => ReadRecordedOutcomeAsync(partition, transferDocumentId, DocumentTypes.Transfer, LedgerDocumentJsonContext.Documents.TransferDocument, CancellationToken.None);

    private static DocumentWrite TrackerWrite(RefundTrackerDocument tracker, string? etag)
    {
        var body = DocumentCodec.Encode(tracker, LedgerDocumentJsonContext.Documents.RefundTrackerDocument);
        var id = DocumentTypes.RefundTrackerId(tracker.RefundedId);
        return etag is null
            ? DocumentWrite.Create(id, DocumentTypes.RefundTracker, body)
            : DocumentWrite.Replace(id, DocumentTypes.RefundTracker, body, etag);
    }
}
