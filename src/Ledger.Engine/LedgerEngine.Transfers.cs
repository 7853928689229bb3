using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;
using Microsoft.Extensions.Logging;

namespace Ledger.Engine;

public sealed record TransferRequest(AccountId From, AccountId To, long Amount, TransactionDetails Details);

/// <summary>
/// When a hold expires, as the client said it: an instant, or seconds from when the hold is placed. The
/// fingerprint uses this form, so a retry of "expire in 600 s" is the same request a second later.
/// </summary>
public sealed record HoldExpiry(DateTimeOffset? At, long? InSeconds)
{
    public DateTimeOffset ResolveFrom(DateTimeOffset now) => At ?? now.AddSeconds(InSeconds ?? throw new InvalidOperationException("A hold expiry needs an instant or a duration."));

    public override string ToString() => At is { } at ? "at:" + at.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) : "in:" + InSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record HoldRequest(AccountId From, AccountId To, long Amount, TransactionDetails Details, HoldExpiry Expiry);

public sealed record RefundRequest(long? Amount, TransactionDetails? Details);

/// <summary>A page of transfers; <see cref="Continuation"/> continues after the last one.</summary>
public sealed record TransferPage(IReadOnlyList<TransferDocument> Transfers, string? Continuation);

/// <summary>A transfer as the request that drove it left it: <see cref="Finished"/> when it reached a final state in time.</summary>
public sealed record TransferOutcome(TransferDocument Transfer, bool Finished);

public sealed partial class LedgerEngine : ITransferSteps
{
    /// <summary>How long a request waits for its transfer to finish before answering 202; the saga runner finishes the rest.</summary>
    public static readonly TimeSpan DefaultTransferWait = TimeSpan.FromSeconds(5);

    /// <summary>Most open transfers one recovery sweep drives.</summary>
    public const int MaxTransfersPerSweep = 1000;

    DateTimeOffset ITransferSteps.UtcNow => _time.GetUtcNow();

    /// <summary>The saga steps as this engine runs them, for any driver.</summary>
    public ITransferSteps TransferSteps => this;

    public async Task<Result<TransferOutcome>> TransferAsync(AppId app, IdempotencyKey key, TransferRequest request, TimeSpan wait, CancellationToken cancellationToken, ITransferSagaDriver? driver = null)
    {
        var amount = Amount.Create(request.Amount);
        if (!amount.IsSuccess)
        {
            return amount.Error!;
        }

        if (request.From == request.To)
        {
            return new LedgerError(ErrorCodes.SameAccountTransfer, "A transfer needs two different accounts.", "to");
        }

        var fingerprint = Fingerprint.Of("transfer", request.From, request.To, request.Amount, request.Details.Reason, request.Details.Memo, request.Details.Category);
        var transfer = NewTransfer(app, key, request, amount.Value);

        // A saga driver of the host's own (Durable Functions) runs every transfer as its saga; in-process,
        // a store that commits across partitions takes the whole transfer in one commit.
        if (driver is null && _pipeline.CommitsAcrossPartitions)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (await TransferInOneCommitAsync(app, transfer, _idempotency.ClaimBatch(app, key, fingerprint)).ConfigureAwait(false) is { } decided)
            {
                if (!decided.TryGetValue(out var posted, out var refusal))
                {
                    return refusal;
                }

                LedgerMetrics.TransferDuration.Record(LedgerMetrics.SecondsSince(started), new KeyValuePair<string, object?>(LedgerMetrics.StateTag, posted.State));
                return new TransferOutcome(posted, Finished: true);
            }
        }

        var claim = await _idempotency.ClaimAsync(app, key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (!claim.TryGetValue(out var ticket, out var claimError))
        {
            return claimError;
        }

        var reserved = await ReserveAsync(transfer, refundLimit: null, ticket.IsRepeat).ConfigureAwait(false);
        return reserved.IsSuccess ? await DriveWithinAsync(app, reserved.Value, wait, driver).ConfigureAwait(false) : reserved.Error!;
    }

    private TransferRecord NewTransfer(AppId app, IdempotencyKey key, TransferRequest request, Amount amount)
    {
        var now = _time.GetUtcNow();
        return new TransferRecord
        {
            Id = TransferId.Derive(app, key, "transfer", request.From),
            App = app,
            Kind = TransferKind.Transfer,
            From = request.From,
            To = request.To,
            Amount = amount,
            SettleAmount = amount,
            State = TransferState.Crediting,
            Details = request.Details,
            CreditDeadline = now + _sagaBounds.CreditDeadline,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public async Task<Result<TransferDocument>> PlaceHoldAsync(AppId app, IdempotencyKey key, HoldRequest request, CancellationToken cancellationToken)
    {
        var amount = Amount.Create(request.Amount);
        if (!amount.IsSuccess)
        {
            return amount.Error!;
        }

        if (request.From == request.To)
        {
            return new LedgerError(ErrorCodes.SameAccountTransfer, "A hold needs two different accounts.", "to");
        }

        var now = _time.GetUtcNow();
        var expiresAt = request.Expiry.ResolveFrom(now);
        var fingerprint = Fingerprint.Of("hold", request.From, request.To, request.Amount, request.Expiry, request.Details.Reason, request.Details.Memo, request.Details.Category);
        if (expiresAt <= now || expiresAt > now + TransferRules.MaxHoldDuration)
        {
            // The key is looked up before the expiry is judged: a repeat sent after its expires_at passed
            // gets its original reply, as every repeat does.
            return await RecordedHoldAsync(app, key, fingerprint, request.From, cancellationToken).ConfigureAwait(false)
                ?? LedgerError.Invalid("expires_at", $"must be in the future and at most {TransferRules.MaxHoldDuration.TotalDays} days ahead.");
        }

        var claim = await _idempotency.ClaimAsync(app, key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (!claim.TryGetValue(out var ticket, out var claimError))
        {
            return claimError;
        }

        var hold = new TransferRecord
        {
            Id = TransferId.Derive(app, key, "hold", request.From),
            App = app,
            Kind = TransferKind.Hold,
            From = request.From,
            To = request.To,
            Amount = amount.Value,
            State = TransferState.Reserved,
            Details = request.Details,
            ExpiresAt = expiresAt,
            CreatedAt = now,
            UpdatedAt = now,
        };
        return await ReserveAsync(hold, refundLimit: null, ticket.IsRepeat).ConfigureAwait(false);
    }

    /// <summary>What a hold request with this key was answered, when the key was already used: its recorded outcome, or the key's reuse by another request; null for a fresh key.</summary>
    private async Task<Result<TransferDocument>?> RecordedHoldAsync(AppId app, IdempotencyKey key, string fingerprint, AccountId source, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(DocumentTypes.ClaimPartition(app, key), DocumentTypes.ClaimDocumentId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        if (DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.ClaimDocument).Fingerprint != fingerprint)
        {
            return new LedgerError(ErrorCodes.IdempotencyKeyReused, $"The key '{key}' was already used for a different request.", "Idempotency-Key");
        }

        var holdId = TransferId.Derive(app, key, "hold", source);
        return await ReadReservationOutcomeAsync(DocumentTypes.AccountPartition(app, source), DocumentTypes.TransferDocumentId(holdId.Value)).ConfigureAwait(false);
    }

    public async Task<Result<TransferDocument>> GetTransferAsync(AppId app, string transferId, CancellationToken cancellationToken)
    {
        var id = TransferId.Parse(transferId);
        if (!id.IsSuccess)
        {
            return id.Error!;
        }

        var stored = await ReadTransferDocumentAsync(app, id.Value, cancellationToken).ConfigureAwait(false);
        return stored is null || stored.Type != DocumentTypes.Transfer
            ? new LedgerError(ErrorCodes.TransferNotFound, $"Transfer '{transferId}' does not exist.")
            : DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument);
    }

    /// <summary>
    /// Captures all or part of a hold; the rest is released. The capture's outcome (captured, or the
    /// refusal) is recorded under an id derived from its key in the same batch as the hold's change, so a
    /// repeat gets its own original answer, never the outcome of another key's capture.
    /// </summary>
    public async Task<Result<TransferOutcome>> CaptureHoldAsync(AppId app, IdempotencyKey key, string holdId, long? amount, TimeSpan wait, CancellationToken cancellationToken, ITransferSagaDriver? driver = null)
    {
        var id = TransferId.Parse(holdId);
        if (!id.IsSuccess)
        {
            return HoldNotFound(holdId);
        }

        // Bad input is answered before the key is claimed, so a corrected request may use the same key.
        if (Amount.ProblemWithOptional(amount) is { } invalidAmount)
        {
            return invalidAmount;
        }

        var claim = await _idempotency.ClaimAsync(app, key, Fingerprint.Of("hold.capture", id.Value, amount), cancellationToken).ConfigureAwait(false);
        if (!claim.IsSuccess)
        {
            return claim.Error!;
        }

        var partition = DocumentTypes.AccountPartition(app, id.Value.Source);
        var markerId = "capture:" + TransactionId.Derive(app, key, "capture").Value;
        for (var attempt = 0; attempt < MaxTransferChangeAttempts; attempt++)
        {
            var recorded = await _store.ReadAsync(partition, markerId, cancellationToken).ConfigureAwait(false);
            if (recorded is { Type: DocumentTypes.Refusal })
            {
                return DocumentCodec.Decode(recorded, LedgerDocumentJsonContext.Documents.RefusalDocument).ToError();
            }

            if (recorded is not null)
            {
                var captured = await GetTransferAsync(app, holdId, cancellationToken).ConfigureAwait(false);
                return captured.IsSuccess ? await DriveWithinAsync(app, captured.Value, wait, driver).ConfigureAwait(false) : captured.Error!;
            }

            var change = await ChangeTransferAsync(
                app,
                id.Value,
                (hold, _, _, now) =>
                {
                    var capturing = TransferRules.Capture(hold, amount, now, _sagaBounds.CreditDeadline);
                    if (!capturing.TryGetValue(out var next, out var refusal))
                    {
                        return refusal;
                    }

                    var marker = DocumentWrite.Create(markerId, DocumentTypes.CaptureMarker, DocumentCodec.Encode(
                        new CaptureMarkerDocument { TransferId = hold.Id.Value, SettleAmount = next.SettleAmount!.Value.MinorUnits, CapturedAt = now },
                        LedgerDocumentJsonContext.Documents.CaptureMarkerDocument));
                    return new TransferDecision(null, next, [marker]);
                },
                refusalDocumentId: markerId).ConfigureAwait(false);
            if (change.IsSuccess)
            {
                return await DriveWithinAsync(app, change.Value, wait, driver).ConfigureAwait(false);
            }

            if (change.Error!.Code == ErrorCodes.TransferNotFound)
            {
                return HoldNotFound(holdId);
            }

            if (change.Error.Code != ErrorCodes.Contention)
            {
                return change.Error;
            }
        }

        return new LedgerError(ErrorCodes.Contention, $"Hold '{holdId}' kept changing under this capture; retry it.");
    }

    /// <summary>Releases a hold. Voiding a hold that is already voided is a no-op; one that was captured cannot be voided.</summary>
    public async Task<Result<TransferDocument>> VoidHoldAsync(AppId app, string holdId)
    {
        var id = TransferId.Parse(holdId);
        if (!id.IsSuccess)
        {
            return HoldNotFound(holdId);
        }

        var result = await ChangeTransferAsync(app, id.Value, (hold, _, _) =>
        {
            if (hold.Kind == TransferKind.Hold && hold.State == TransferState.Voided)
            {
                return Result<TransferRecord?>.Success(null);
            }

            return TransferRules.CheckVoidable(hold) is { } refusal
                ? refusal
                : Result<TransferRecord?>.Success(hold with { State = TransferState.Voided });
        }, voidReason: new LedgerError("hold_voided", "The hold was voided on request.")).ConfigureAwait(false);
        return result.Error?.Code == ErrorCodes.TransferNotFound ? HoldNotFound(holdId) : result;
    }

    /// <summary>Refunds all or part of a posted transfer: a new transfer back, linked to the original, never more than what is left.</summary>
    public async Task<Result<TransferOutcome>> RefundTransferAsync(AppId app, IdempotencyKey key, string transferId, RefundRequest request, TimeSpan wait, CancellationToken cancellationToken, ITransferSagaDriver? driver = null)
    {
        var originalId = TransferId.Parse(transferId);
        if (!originalId.IsSuccess)
        {
            return originalId.Error!;
        }

        if (Amount.ProblemWithOptional(request.Amount) is { } invalidAmount)
        {
            return invalidAmount;
        }

        var fingerprint = Fingerprint.Of("transfer.refund", originalId.Value, request.Amount, request.Details?.Reason, request.Details?.Memo, request.Details?.Category);
        var claim = await _idempotency.ClaimAsync(app, key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (!claim.TryGetValue(out var ticket, out var claimError))
        {
            return claimError;
        }

        var stored = await ReadTransferDocumentAsync(app, originalId.Value, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.Type != DocumentTypes.Transfer)
        {
            return new LedgerError(ErrorCodes.TransferNotFound, $"Transfer '{transferId}' does not exist.");
        }

        var original = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument).ToRecord();
        var refundId = TransferId.Derive(app, key, "refund", original.To);
        var refundPartition = DocumentTypes.AccountPartition(app, original.To);
        var refundDocumentId = DocumentTypes.TransferDocumentId(refundId.Value);
        if (ticket.IsRepeat && await ReadReservationOutcomeAsync(refundPartition, refundDocumentId).ConfigureAwait(false) is { } repeated)
        {
            return repeated.IsSuccess ? await DriveWithinAsync(app, repeated.Value, wait, driver).ConfigureAwait(false) : repeated.Error!;
        }

        if (original.Kind == TransferKind.Refund || original.State != TransferState.Posted || original.SettleAmount is not { } settled)
        {
            // Recorded like any refusal, so a repeat gets it again even once the original has posted.
            var notRefundable = new LedgerError(ErrorCodes.TransferNotRefundable, $"Transfer '{transferId}' is {original.State.ToString().ToLowerInvariant()}{(original.Kind == TransferKind.Refund ? " and is itself a refund" : string.Empty)}; only a posted transfer can be refunded.");
            var recorded = await _pipeline.SubmitAsync(refundPartition, new PartitionCommand<TransferDocument>(
                (_, now) => CommandDecision<TransferDocument>.RefuseRecorded(notRefundable, refundDocumentId, now),
                async (_, _, _) => await ReadReservationOutcomeAsync(refundPartition, refundDocumentId).ConfigureAwait(false) ?? notRefundable)).ConfigureAwait(false);
            return recorded.IsSuccess ? await DriveWithinAsync(app, recorded.Value, wait, driver).ConfigureAwait(false) : recorded.Error!;
        }

        var now = _time.GetUtcNow();
        var refund = new TransferRecord
        {
            Id = refundId,
            App = app,
            Kind = TransferKind.Refund,
            From = original.To,
            To = original.From,
            Amount = Amount.From(1),
            State = TransferState.Crediting,
            Details = request.Details ?? TransactionDetails.From("refund", original.Details.Memo, original.Details.Category),
            RefundOf = original.Id,
            CreditDeadline = now + _sagaBounds.CreditDeadline,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var reserved = await ReserveAsync(refund, new RefundLimit(original.Id.Value, settled.MinorUnits, request.Amount), ticket.IsRepeat).ConfigureAwait(false);
        return reserved.IsSuccess ? await DriveWithinAsync(app, reserved.Value, wait, driver).ConfigureAwait(false) : reserved.Error!;
    }

    /// <summary>
    /// Drives every transfer that has not reached a final state and is due: not moved for <paramref name="stalledFor"/>
    /// and past its back-off, holds past their expiry, stuck transfers at their slow rhythm. Zero is the
    /// start-up sweep: a crash may have stopped anything, so every open transfer is driven once, whatever
    /// its back-off (holds still only once expired). Returns how many it drove.
    /// </summary>
    public Task<int> RecoverOpenTransfersAsync(TimeSpan stalledFor, CancellationToken cancellationToken)
        => ForEachStalledTransferAsync(stalledFor, transfer => TransferSaga.DriveAsync(this, transfer, cancellationToken), cancellationToken);

    /// <summary>
    /// Hands every due transfer to <paramref name="drive"/>: the in-process saga here, a Durable orchestration
    /// in Azure. It reads only what is due, through index keys that embed the due time (a hold's expiry, an
    /// open transfer's last change or back-off), so the many open holds that are not due cost nothing. One
    /// failure does not stop the others. Returns how many it handed over.
    /// </summary>
    public async Task<int> ForEachStalledTransferAsync(TimeSpan stalledFor, Func<TransferKey, Task> drive, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var stalledBefore = now - stalledFor;
        var sweep = new RecoverySweep(drive, MaxTransfersPerSweep, _logger);

        // An expired hold is never "still being driven": it is due at its expiry, whatever the stall bound.
        await SweepIndexAsync(new IndexQuery(DocumentTypes.Transfer, DocumentTypes.HoldExpiryIndexPrefix, prefix: true, null, SweepPageSize, DocumentTypes.DueUpTo(DocumentTypes.HoldExpiryIndexPrefix, now)), sweep, _ => true, cancellationToken).ConfigureAwait(false);
        // A transfer past its back-off is read; one that moved within the stall bound most likely still has
        // a driver (those are few: most transfers end within milliseconds and leave the index), and is left.
        var startUp = stalledFor == TimeSpan.Zero;
        var dueBefore = startUp ? null : DocumentTypes.DueUpTo(DocumentTypes.TransferDueIndexPrefix, now);
        await SweepIndexAsync(new IndexQuery(DocumentTypes.Transfer, DocumentTypes.TransferDueIndexPrefix, prefix: true, null, SweepPageSize, dueBefore), sweep, open => startUp || open.UpdatedAt <= stalledBefore, cancellationToken).ConfigureAwait(false);

        // Stuck transfers are few (each is an alert) and indexed per app: all are read, and the due ones driven.
        await SweepIndexAsync(new IndexQuery(DocumentTypes.Transfer, DocumentTypes.StuckTransferIndexPrefix, prefix: true, null, SweepPageSize), sweep, open => startUp || ((open.RetryAfter ?? open.UpdatedAt) <= now && open.UpdatedAt <= stalledBefore), cancellationToken).ConfigureAwait(false);

        // Transfers stored before the due-time keys carry the bare key; any change re-indexes them.
        await SweepIndexAsync(new IndexQuery(DocumentTypes.Transfer, DocumentTypes.OpenTransferIndexKey, prefix: false, null, SweepPageSize), sweep, open => IsLegacyDue(open, now, stalledBefore), cancellationToken).ConfigureAwait(false);
        return sweep.Driven;
    }

    private const int SweepPageSize = 200;

    private static bool IsLegacyDue(TransferDocument open, DateTimeOffset now, DateTimeOffset stalledBefore)
        => open.State == "reserved" ? open.ExpiresAt is { } expiresAt && expiresAt <= now : open.UpdatedAt <= stalledBefore;

    private async Task SweepIndexAsync(IndexQuery first, RecoverySweep sweep, Func<TransferDocument, bool> isDue, CancellationToken cancellationToken)
    {
        var query = first;
        while (!sweep.IsFull && !cancellationToken.IsCancellationRequested)
        {
            var page = await _store.QueryIndexAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var stored in page.Documents)
            {
                var open = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument);
                if (isDue(open))
                {
                    await sweep.DriveAsync(open).ConfigureAwait(false);
                }
            }

            if (page.Continuation is null)
            {
                return;
            }

            query = new IndexQuery(first.Type, first.IndexKey, first.Prefix, page.Continuation, first.Limit, first.Before);
        }
    }

    /// <summary>One recovery sweep: drives each due transfer once, counts them, stops at its bound.</summary>
    private sealed class RecoverySweep(Func<TransferKey, Task> drive, int limit, ILogger logger)
    {
        public int Driven { get; private set; }

        private int handed;

        /// <summary>The bound counts failed drives too, so a sweep over failing transfers costs no more than one over healthy ones.</summary>
        public bool IsFull => handed >= limit;

        public async Task DriveAsync(TransferDocument open)
        {
            if (IsFull)
            {
                return;
            }

            handed++;
            try
            {
                await drive(new TransferKey(open.AppId, open.TransferId)).ConfigureAwait(false);
                Driven++;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // One failing transfer must not stop recovery of the others. The failure was counted on the
                // transfer (its attempt and back-off are in the message), so the next drive waits for it.
                logger.LogWarning(exception, "Recovery of transfer {TransferId} failed (it had failed {FailedAttempts} times before)", open.TransferId, open.FailedAttempts);
            }
        }
    }

    /// <summary>
    /// The transfers that are stuck (their saga cannot end by itself), per app and oldest first: what an
    /// operator resolves. With an app, reads only that app's, by index; without (an operator), every app's.
    /// </summary>
    public async Task<Result<TransferPage>> ListStuckTransfersAsync(AppId? app, string? continuation, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return LedgerError.Invalid("limit", $"must be between 1 and {MaxPageSize}.");
        }

        DocumentPage page;
        try
        {
            page = await _store.QueryIndexAsync(new IndexQuery(DocumentTypes.Transfer, app is { } own ? DocumentTypes.StuckTransferIndexPrefixOf(own) : DocumentTypes.StuckTransferIndexPrefix, prefix: true, continuation, limit), cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException) when (continuation is not null)
        {
            // Continuations are the store's own opaque tokens; the store refuses one it did not issue.
            return LedgerError.Invalid("continuation", "not a continuation this ledger issued.");
        }

        var transfers = page.Documents.Select(stored => DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.TransferDocument)).ToList();
        return new TransferPage(transfers, page.Continuation);
    }

    /// <summary>The driver that runs sagas in this process: the default, and the local host's.</summary>
    public ITransferSagaDriver InProcessDriver => InProcess;

    private InProcessTransferSagaDriver InProcess => _inProcessDriver ??= new InProcessTransferSagaDriver(this);

    private InProcessTransferSagaDriver? _inProcessDriver;

    private async Task<Result<TransferOutcome>> DriveWithinAsync(AppId app, TransferDocument transfer, TimeSpan wait, ITransferSagaDriver? driver)
    {
        var key = new TransferKey(app.Value, transfer.TransferId);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        // In-process, the saga starts from the document just written instead of reading it back.
        var driven = driver is null
            ? await InProcess.RunAsync(key, transfer, wait, CancellationToken.None).ConfigureAwait(false)
            : await driver.RunAsync(key, wait, CancellationToken.None).ConfigureAwait(false);
        var current = driven ?? transfer;
        LedgerMetrics.TransferDuration.Record(LedgerMetrics.SecondsSince(started), new KeyValuePair<string, object?>(LedgerMetrics.StateTag, current.State));
        return new TransferOutcome(current, Finished: current.State is "posted" or "voided");
    }

    /// <summary>Runs the saga here and now; if it outlasts the wait, it goes on and the saga runner covers any failure.</summary>
    private sealed class InProcessTransferSagaDriver(LedgerEngine engine) : ITransferSagaDriver
    {
        public Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken)
            => RunAsync(transfer, known: null, wait, cancellationToken);

        public async Task<TransferDocument?> RunAsync(TransferKey transfer, TransferDocument? known, TimeSpan wait, CancellationToken cancellationToken)
        {
            var drive = TransferSaga.DriveAsync(engine, transfer, CancellationToken.None, known);
            try
            {
                // WaitAsync stops its timer as soon as the saga finishes, so a fast transfer leaves no
                // timer running for the rest of the wait.
                return await drive.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception) when (drive.IsFaulted)
            {
            }

            // Slow or failing: observe the task so a failure is logged, not lost; recovery finishes it.
            _ = drive.ContinueWith(task => engine._logger.LogWarning(task.Exception, "Transfer {TransferId} will be finished by recovery", transfer.TransferId), TaskContinuationOptions.OnlyOnFaulted);
            return await ((ITransferSteps)engine).ReadAsync(transfer, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static LedgerError HoldNotFound(string holdId) => new(ErrorCodes.HoldNotFound, $"Hold '{holdId}' does not exist.");

    private ValueTask<StoredDocument?> ReadTransferDocumentAsync(AppId app, TransferId id, CancellationToken cancellationToken)
        => _store.ReadAsync(DocumentTypes.AccountPartition(app, id.Source), DocumentTypes.TransferDocumentId(id.Value), cancellationToken);

    private static DocumentWrite TransferWrite(TransferRecord transfer, string? etag)
    {
        var body = DocumentCodec.Encode(TransferDocument.Of(transfer), LedgerDocumentJsonContext.Documents.TransferDocument);
        var indexKey = DocumentTypes.OpenTransferIndexKeyOf(transfer);
        var id = DocumentTypes.TransferDocumentId(transfer.Id.Value);
        return etag is null
            ? DocumentWrite.Create(id, DocumentTypes.Transfer, body, indexKey: indexKey)
            : DocumentWrite.Replace(id, DocumentTypes.Transfer, body, etag, indexKey: indexKey);
    }
}
