namespace Ledger.Domain;

public enum TransferKind
{
    /// <summary>Moves credits now: reserve, credit, commit in one go.</summary>
    Transfer,

    /// <summary>Reserves credits until captured (fully or partly), voided, or expired.</summary>
    Hold,

    /// <summary>A transfer back from the original destination to the original source, linked to the original.</summary>
    Refund,
}

public enum TransferState
{
    /// <summary>The amount is reserved on the source (pending debits); a hold waits here for capture.</summary>
    Reserved,

    /// <summary>The amount to move is decided; the destination is being credited.</summary>
    Crediting,

    /// <summary>Final: the destination was credited and the source debited.</summary>
    Posted,

    /// <summary>Final: nothing moved; the reservation was released.</summary>
    Voided,
}

/// <summary>
/// A transfer's id. It names the source account, so the transfer document (which lives in the source
/// partition) is found by a point read, never by a cross-partition query.
/// </summary>
public readonly record struct TransferId
{
    private const string Prefix = "tr_";
    private const int DigestLength = 24;

    public string Value { get; }

    public AccountId Source { get; }

    private TransferId(string value, AccountId source)
    {
        Value = value;
        Source = source;
    }

    public static TransferId Derive(AppId app, IdempotencyKey key, string scope, AccountId source)
        => new(DigestedIds.Of(Prefix, DigestLength, app.Value, scope, key.Value) + "_" + source.Value, source);

    public static Result<TransferId> Parse(string? value, string field = "transfer_id")
    {
        if (string.IsNullOrEmpty(value))
        {
            return LedgerError.Missing(field);
        }

        if (value.Length > Prefix.Length + DigestLength + 1 && value.StartsWith(Prefix, StringComparison.Ordinal) && value[Prefix.Length + DigestLength] == '_')
        {
            var digest = value.AsSpan(Prefix.Length, DigestLength);
            var source = AccountId.Parse(value[(Prefix.Length + DigestLength + 1)..]);
            if (source.IsSuccess && digest.IndexOfAnyExcept("0123456789abcdef") < 0)
            {
                return new TransferId(value, source.Value);
            }
        }

        return new LedgerError(ErrorCodes.TransferNotFound, $"'{value}' is not a transfer id.", field);
    }

    public static TransferId From(string value) => Parse(value).Value;

    /// <summary>The one transaction both legs of this transfer belong to (debit in the source, credit in the destination).</summary>
    public TransactionId PostingTransactionId => TransactionId.DeriveFrom(Value, "posting");

    public override string ToString() => Value;
}

/// <summary>
/// The durable state of one transfer, hold or refund, kept in the source account's partition. It is the
/// saga's state: every step reads it and moves it forward, idempotently.
/// </summary>
public sealed record TransferRecord
{
    public required TransferId Id { get; init; }
    public required AppId App { get; init; }
    public required TransferKind Kind { get; init; }
    public required AccountId From { get; init; }
    public required AccountId To { get; init; }

    /// <summary>The amount reserved on the source.</summary>
    public required Amount Amount { get; init; }

    /// <summary>The amount that moves: the whole amount for transfers and refunds, the captured part for holds.</summary>
    public Amount? SettleAmount { get; init; }

    public required TransferState State { get; init; }
    public required TransactionDetails Details { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>For a refund: the transfer it refunds.</summary>
    public TransferId? RefundOf { get; init; }

    public string? FailureCode { get; init; }
    public string? FailureMessage { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? PostedAt { get; init; }
    public DateTimeOffset? VoidedAt { get; init; }

    /// <summary>
    /// From this instant on the credit is refused and the transfer voided: set when the transfer starts
    /// crediting, so a destination that keeps failing cannot keep the source's funds reserved for ever.
    /// Null on transfers stored before the bound existed.
    /// </summary>
    public DateTimeOffset? CreditDeadline { get; init; }

    /// <summary>How many drives of this transfer have failed (a step threw, as opposed to refusing).</summary>
    public int FailedAttempts { get; init; }

    /// <summary>The last failure, for people: which step, and what it said.</summary>
    public string? LastFailure { get; init; }

    /// <summary>The next drive is not before this instant: the back-off after a failure.</summary>
    public DateTimeOffset? RetryAfter { get; init; }

    /// <summary>
    /// Set when the saga cannot end by itself (its credit landed and its commit keeps failing, or the
    /// credit's outcome cannot be recorded past the deadline): an alert for an operator. The transfer
    /// stays open and is re-driven at a slow rhythm; a commit that finally succeeds clears the mark.
    /// </summary>
    public DateTimeOffset? StuckSince { get; init; }

    /// <summary>Why the transfer is stuck: one of <see cref="TransferFailureCodes"/>.</summary>
    public string? StuckReason { get; init; }

    public bool IsFinal => State is TransferState.Posted or TransferState.Voided;

    public bool IsStuck => StuckSince is not null;

    public void AssertInvariants()
    {
        if (From == To)
        {
            throw new InvalidOperationException($"Transfer '{Id}' moves from an account to itself.");
        }

        if (SettleAmount is { } settle && settle > Amount)
        {
            throw new InvalidOperationException($"Transfer '{Id}' settles {settle} of a reservation of {Amount}.");
        }

        if (State is TransferState.Crediting or TransferState.Posted && SettleAmount is null)
        {
            throw new InvalidOperationException($"Transfer '{Id}' is {State} without a settle amount.");
        }

        if (FailedAttempts < 0 || (IsFinal && (StuckSince is not null || RetryAfter is not null)) || (StuckSince is null) != (StuckReason is null))
        {
            throw new InvalidOperationException($"Transfer '{Id}' is {State} with an inconsistent failure record ({FailedAttempts} attempts, stuck since {StuckSince:O}).");
        }
    }
}

/// <summary>The codes a saga sets when it ends a transfer or marks it stuck; stable, clients branch on them.</summary>
public static class TransferFailureCodes
{
    /// <summary>Voided: the credit could not be applied before the transfer's credit deadline.</summary>
    public const string CreditDeadlineExceeded = "credit_deadline_exceeded";

    /// <summary>Stuck: the destination was credited, and the commit on the source keeps failing.</summary>
    public const string CommitFailing = "commit_failing";

    /// <summary>Stuck: the credit was refused, and releasing the reservation on the source keeps failing.</summary>
    public const string VoidFailing = "void_failing";

    /// <summary>Stuck: the deadline passed, and the destination cannot record that the credit is refused.</summary>
    public const string CreditUndecided = "credit_undecided";
}

/// <summary>The step of a saga that failed: it decides what a failure that keeps repeating turns into.</summary>
public enum SagaStage
{
    /// <summary>Crediting the destination (or, past the deadline, recording there that the credit is refused).</summary>
    Credit,

    /// <summary>Committing on the source after the destination was credited.</summary>
    Commit,

    /// <summary>Releasing the reservation on the source after the credit was refused, or a hold expired.</summary>
    Void,
}

/// <summary>
/// The bounds that make every saga end: the credit deadline, how many failed drives mark a transfer
/// stuck, and the back-off between drives.
/// </summary>
public sealed record SagaBounds(TimeSpan CreditDeadline, int MaxFailedAttempts, TimeSpan FirstRetryInterval, TimeSpan MaxRetryInterval, TimeSpan StuckRetryInterval)
{
    public static SagaBounds Default { get; } = new(TimeSpan.FromHours(24), 10, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1));

    /// <summary>What is wrong with these bounds, or null: start-up refuses bounds that could not end a saga.</summary>
    public string? Problem()
    {
        if (CreditDeadline < TimeSpan.FromMinutes(1) || CreditDeadline > TransferRules.MaxHoldDuration)
        {
            return "CreditDeadline must be between 1 minute and 30 days.";
        }

        if (MaxFailedAttempts is < 1 or > 1000)
        {
            return "MaxFailedAttempts must be between 1 and 1000.";
        }

        if (FirstRetryInterval < TimeSpan.Zero || FirstRetryInterval > MaxRetryInterval || MaxRetryInterval > TimeSpan.FromHours(6))
        {
            return "FirstRetryInterval must be at least 0 and at most MaxRetryInterval, which must be at most 6 hours.";
        }

        return StuckRetryInterval < TimeSpan.FromMinutes(1) || StuckRetryInterval > TimeSpan.FromDays(1)
            ? "StuckRetryInterval must be between 1 minute and 1 day."
            : null;
    }

    /// <summary>The back-off after the <paramref name="failedAttempts"/>-th failure: doubling from the first interval, capped.</summary>
    public TimeSpan RetryInterval(int failedAttempts)
    {
        var doublings = Math.Clamp(failedAttempts - 1, 0, 30);
        var ticks = Math.Min((double)FirstRetryInterval.Ticks * Math.Pow(2, doublings), MaxRetryInterval.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>The durable outcome of the credit step in the destination partition: credited, or refused for good.</summary>
public abstract record CreditOutcome
{
    private CreditOutcome()
    {
    }

    public sealed record Credited(LedgerEntry Entry) : CreditOutcome;

    public sealed record Refused(LedgerError Reason) : CreditOutcome;
}

/// <summary>
/// The rules of the two-phase transfer. Each method decides one step inside one partition; the engine
/// commits the decision atomically there. Pure: the caller supplies the time.
/// </summary>
public static class TransferRules
{
    /// <summary>Longest a hold may stay reserved; a bound so reservations can never be forgotten.</summary>
    public static readonly TimeSpan MaxHoldDuration = TimeSpan.FromDays(30);

    /// <summary>Step 1, in the source partition: reserve the amount (pending debits) and record the transfer.</summary>
    public static Result<(AccountState Source, TransferRecord Transfer)> Reserve(AccountState source, TransferRecord transfer, DateTimeOffset now)
    {
        if (transfer.From == transfer.To)
        {
            return new LedgerError(ErrorCodes.SameAccountTransfer, "A transfer needs two different accounts.", "to");
        }

        if (source.Id != transfer.From || transfer.State != (transfer.Kind == TransferKind.Hold ? TransferState.Reserved : TransferState.Crediting))
        {
            throw new ArgumentException("The reservation does not match its source or starts in the wrong state.", nameof(transfer));
        }

        if (source.RefusePostingReason() is { } refusal)
        {
            return refusal;
        }

        if (PostingRules.CheckMovement(source, -transfer.Amount.MinorUnits) is { } shortfall)
        {
            return shortfall;
        }

        var updated = source with
        {
            PendingDebits = checked(source.PendingDebits + transfer.Amount.MinorUnits),
            UpdatedAt = now,
        };
        updated.AssertInvariants();
        transfer.AssertInvariants();
        return (updated, transfer);
    }

    /// <summary>
    /// Step 2, in the destination partition: credit the settle amount, or refuse for good when the
    /// destination is missing, frozen or closed. The caller records either outcome under one
    /// deterministic id, so the step is decided exactly once however often it runs.
    /// </summary>
    public static CreditOutcome Credit(AccountState? destination, TransferRecord transfer, DateTimeOffset now)
    {
        var settle = transfer.SettleAmount ?? throw new ArgumentException("Only a transfer being credited has a settle amount.", nameof(transfer));
        if (IsCreditOverdue(transfer, now))
        {
            return new CreditOutcome.Refused(CreditDeadlineExceeded(transfer));
        }

        if (destination is null)
        {
            return new CreditOutcome.Refused(new LedgerError(ErrorCodes.AccountNotFound, $"Destination account '{transfer.To}' does not exist."));
        }

        if (destination.RefusePostingReason() is { } refusal)
        {
            return new CreditOutcome.Refused(refusal);
        }

        if (PostingRules.CheckMovement(destination, settle.MinorUnits) is { } limit)
        {
            return new CreditOutcome.Refused(limit);
        }

        var postedAt = PostingRules.NextPostingTime(destination, now);
        var entry = EntryChain.Sealed(destination, new LedgerEntry
        {
            TransactionId = transfer.Id.PostingTransactionId,
            Account = destination.Id,
            Sequence = checked(destination.LastSequence + 1),
            Kind = TransactionKind.TransferCredit,
            Details = transfer.Details,
            Legs = [new Leg(destination.Id, settle.MinorUnits)],
            AmountMinorUnits = settle.MinorUnits,
            BalanceAfter = checked(destination.Balance + settle.MinorUnits),
            Counterparty = transfer.From,
            TransferId = transfer.Id.Value,
            PostedAt = postedAt,
        });
        return new CreditOutcome.Credited(entry);
    }

    /// <summary>The destination's state after a credit decided by <see cref="Credit"/>.</summary>
    public static AccountState ApplyCredit(AccountState destination, LedgerEntry credit)
    {
        var updated = destination with
        {
            Balance = credit.BalanceAfter,
            LastSequence = credit.Sequence,
            LastEntryHash = credit.Hash,
            ChainStartSequence = destination.ChainStartSequence ?? credit.Sequence,
            LastPostedAt = credit.PostedAt,
            UpdatedAt = credit.PostedAt,
        };
        updated.AssertInvariants();
        return updated;
    }

    /// <summary>Step 3, in the source partition: post the debit, release the whole reservation, mark Posted.</summary>
    public static (AccountState Source, TransferRecord Transfer, LedgerEntry Debit) Commit(AccountState source, TransferRecord transfer, DateTimeOffset now)
    {
        if (transfer.State != TransferState.Crediting || transfer.SettleAmount is not { } settle)
        {
            throw new InvalidOperationException($"Transfer '{transfer.Id}' cannot commit from {transfer.State}.");
        }

        // The source may have been frozen since the reservation; the credits were already set aside, so
        // the commit goes ahead: refusing it would leave the transfer half-applied.
        var postedAt = PostingRules.NextPostingTime(source, now);
        var balanceAfter = checked(source.Balance - settle.MinorUnits);
        var debit = EntryChain.Sealed(source, new LedgerEntry
        {
            TransactionId = transfer.Id.PostingTransactionId,
            Account = source.Id,
            Sequence = checked(source.LastSequence + 1),
            Kind = TransactionKind.TransferDebit,
            Details = transfer.Details,
            Legs = [new Leg(source.Id, -settle.MinorUnits)],
            AmountMinorUnits = -settle.MinorUnits,
            BalanceAfter = balanceAfter,
            Counterparty = transfer.To,
            TransferId = transfer.Id.Value,
            PostedAt = postedAt,
        });
        var updatedSource = source with
        {
            Balance = balanceAfter,
            PendingDebits = checked(source.PendingDebits - transfer.Amount.MinorUnits),
            LastSequence = debit.Sequence,
            LastEntryHash = debit.Hash,
            ChainStartSequence = source.ChainStartSequence ?? debit.Sequence,
            LastPostedAt = postedAt,
            UpdatedAt = postedAt,
        };
        updatedSource.AssertInvariants();
        var posted = transfer with { State = TransferState.Posted, PostedAt = postedAt, UpdatedAt = postedAt, RetryAfter = null, StuckSince = null, StuckReason = null };
        posted.AssertInvariants();
        return (updatedSource, posted, debit);
    }

    /// <summary>Step 3 when the credit was refused, or a hold's void or expiry: release the reservation, mark Voided.</summary>
    public static (AccountState Source, TransferRecord Transfer) Void(AccountState source, TransferRecord transfer, LedgerError reason, DateTimeOffset now)
    {
        if (transfer.IsFinal)
        {
            throw new InvalidOperationException($"Transfer '{transfer.Id}' is already {transfer.State}.");
        }

        var updatedSource = source with
        {
            PendingDebits = checked(source.PendingDebits - transfer.Amount.MinorUnits),
            UpdatedAt = now,
        };
        updatedSource.AssertInvariants();
        var voided = transfer with
        {
            State = TransferState.Voided,
            FailureCode = reason.Code,
            FailureMessage = reason.Message,
            VoidedAt = now,
            UpdatedAt = now,
            RetryAfter = null,
            StuckSince = null,
            StuckReason = null,
        };
        voided.AssertInvariants();
        return (updatedSource, voided);
    }

    /// <summary>Capturing a hold: decide the amount that moves. A hold resolves at most once.</summary>
    public static Result<TransferRecord> Capture(TransferRecord hold, long? amountMinorUnits, DateTimeOffset now)
        => Capture(hold, amountMinorUnits, now, SagaBounds.Default.CreditDeadline);

    /// <summary>Capturing a hold: decide the amount that moves, which must be credited within <paramref name="creditWithin"/>.</summary>
    public static Result<TransferRecord> Capture(TransferRecord hold, long? amountMinorUnits, DateTimeOffset now, TimeSpan creditWithin)
    {
        if (hold.Kind != TransferKind.Hold)
        {
            return new LedgerError(ErrorCodes.HoldNotFound, $"'{hold.Id}' is not a hold.");
        }

        if (hold.State != TransferState.Reserved)
        {
            return hold.FailureCode == ErrorCodes.HoldExpired
                ? new LedgerError(ErrorCodes.HoldExpired, $"Hold '{hold.Id}' expired.")
                : new LedgerError(ErrorCodes.HoldAlreadyResolved, $"Hold '{hold.Id}' is already {hold.State.ToString().ToLowerInvariant()}.");
        }

        if (IsExpired(hold, now))
        {
            return new LedgerError(ErrorCodes.HoldExpired, $"Hold '{hold.Id}' expired at {hold.ExpiresAt:O}.");
        }

        var settle = hold.Amount;
        if (amountMinorUnits is { } requested)
        {
            var amount = Amount.Create(requested);
            if (!amount.IsSuccess)
            {
                return amount.Error!;
            }

            if (amount.Value > hold.Amount)
            {
                return new LedgerError(ErrorCodes.CaptureExceedsHold, $"Hold '{hold.Id}' reserves {hold.Amount}; {requested} cannot be captured.", "amount");
            }

            settle = amount.Value;
        }

        return hold with { State = TransferState.Crediting, SettleAmount = settle, UpdatedAt = now, CreditDeadline = now + creditWithin };
    }

    /// <summary>Voiding a hold on request. A hold resolves at most once.</summary>
    public static LedgerError? CheckVoidable(TransferRecord hold)
    {
        if (hold.Kind != TransferKind.Hold)
        {
            return new LedgerError(ErrorCodes.HoldNotFound, $"'{hold.Id}' is not a hold.");
        }

        return hold.State == TransferState.Reserved
            ? null
            : new LedgerError(ErrorCodes.HoldAlreadyResolved, $"Hold '{hold.Id}' is already {hold.State.ToString().ToLowerInvariant()}.");
    }

    /// <summary>Whether the transfer is still being credited at or after its credit deadline: its credit is then refused.</summary>
    public static bool IsCreditOverdue(TransferRecord transfer, DateTimeOffset now)
        => transfer.State == TransferState.Crediting && transfer.CreditDeadline is { } deadline && now >= deadline;

    public static LedgerError CreditDeadlineExceeded(TransferRecord transfer)
        => new(TransferFailureCodes.CreditDeadlineExceeded, $"Transfer '{transfer.Id}' could not be credited before its deadline ({transfer.CreditDeadline:O}).");

    /// <summary>
    /// A drive of the transfer failed at <paramref name="stage"/>: count it and back off. A failure that
    /// keeps repeating where the saga cannot end by voiding (the credit landed, or its refusal cannot be
    /// recorded past the deadline, or the void itself fails) marks the transfer stuck, once; a stuck
    /// transfer is retried at the slow rhythm. Null when the transfer is final: nothing to record.
    /// </summary>
    public static TransferRecord? RecordFailure(TransferRecord transfer, SagaStage stage, string failure, DateTimeOffset now, SagaBounds bounds)
    {
        if (transfer.IsFinal)
        {
            return null;
        }

        var attempts = checked(transfer.FailedAttempts + 1);
        var cannotVoid = stage != SagaStage.Credit || IsCreditOverdue(transfer, now);
        var stuckReason = transfer.StuckReason
            ?? (cannotVoid && attempts >= bounds.MaxFailedAttempts ? StuckReasonOf(stage) : null);
        var recorded = transfer with
        {
            FailedAttempts = attempts,
            LastFailure = Truncate($"{stage.ToString().ToLowerInvariant()}: {failure}", 500),
            RetryAfter = now + (stuckReason is null ? bounds.RetryInterval(attempts) : bounds.StuckRetryInterval),
            StuckSince = stuckReason is null ? null : transfer.StuckSince ?? now,
            StuckReason = stuckReason,
            UpdatedAt = now,

            // A transfer stored before deadlines existed gets one at its first failure, so it too ends.
            CreditDeadline = transfer.CreditDeadline ?? (transfer.State == TransferState.Crediting ? now + bounds.CreditDeadline : null),
        };
        recorded.AssertInvariants();
        return recorded;
    }

    private static string StuckReasonOf(SagaStage stage) => stage switch
    {
        SagaStage.Commit => TransferFailureCodes.CommitFailing,
        SagaStage.Void => TransferFailureCodes.VoidFailing,
        _ => TransferFailureCodes.CreditUndecided,
    };

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    public static bool IsExpired(TransferRecord transfer, DateTimeOffset now)
        => transfer.Kind == TransferKind.Hold && transfer.State == TransferState.Reserved && transfer.ExpiresAt is { } expiresAt && now >= expiresAt;

    /// <summary>How much of <paramref name="original"/> may still be refunded, given what refunds already took.</summary>
    public static Result<Amount> CheckRefund(long originalMinorUnits, long alreadyRefundedMinorUnits, long? requestedMinorUnits)
    {
        var remaining = checked(originalMinorUnits - alreadyRefundedMinorUnits);
        if (remaining <= 0)
        {
            return new LedgerError(ErrorCodes.RefundExceedsRemaining, "Nothing is left to refund.", "amount");
        }

        var requested = Amount.Create(requestedMinorUnits ?? remaining);
        if (!requested.IsSuccess)
        {
            return requested;
        }

        return requested.Value.MinorUnits <= remaining
            ? requested
            : new LedgerError(ErrorCodes.RefundExceedsRemaining, $"Only {remaining} is left to refund; {requestedMinorUnits} was requested.", "amount");
    }
}
