using System.Text.Json.Serialization;
using Ledger.Domain;

namespace Ledger.Engine;

public sealed record TransferDocument
{
    [JsonPropertyName("transfer_id")] public required string TransferId { get; init; }
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("settle_amount")] public long? SettleAmount { get; init; }
    [JsonPropertyName("state")] public required string State { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("expires_at")] public DateTimeOffset? ExpiresAt { get; init; }
    [JsonPropertyName("refund_of")] public string? RefundOf { get; init; }
    [JsonPropertyName("transaction_id")] public required string TransactionId { get; init; }
    [JsonPropertyName("failure_code")] public string? FailureCode { get; init; }
    [JsonPropertyName("failure_message")] public string? FailureMessage { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("posted_at")] public DateTimeOffset? PostedAt { get; init; }
    [JsonPropertyName("voided_at")] public DateTimeOffset? VoidedAt { get; init; }
    [JsonPropertyName("credit_deadline")] public DateTimeOffset? CreditDeadline { get; init; }
    [JsonPropertyName("failed_attempts")] public int FailedAttempts { get; init; }
    [JsonPropertyName("last_failure")] public string? LastFailure { get; init; }
    [JsonPropertyName("retry_after")] public DateTimeOffset? RetryAfter { get; init; }
    [JsonPropertyName("stuck_since")] public DateTimeOffset? StuckSince { get; init; }
    [JsonPropertyName("stuck_reason")] public string? StuckReason { get; init; }

    public static TransferDocument Of(TransferRecord record) => new()
    {
        TransferId = record.Id.Value,
        AppId = record.App.Value,
        Kind = KindName(record.Kind),
        From = record.From.Value,
        To = record.To.Value,
        Amount = record.Amount.MinorUnits,
        SettleAmount = record.SettleAmount?.MinorUnits,
        State = StateName(record.State),
        Reason = record.Details.Reason,
        Memo = record.Details.Memo,
        Category = record.Details.Category,
        ExpiresAt = record.ExpiresAt,
        RefundOf = record.RefundOf?.Value,
        TransactionId = record.Id.PostingTransactionId.Value,
        FailureCode = record.FailureCode,
        FailureMessage = record.FailureMessage,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        PostedAt = record.PostedAt,
        VoidedAt = record.VoidedAt,
        CreditDeadline = record.CreditDeadline,
        FailedAttempts = record.FailedAttempts,
        LastFailure = record.LastFailure,
        RetryAfter = record.RetryAfter,
        StuckSince = record.StuckSince,
        StuckReason = record.StuckReason,
    };

    public TransferRecord ToRecord()
    {
        var record = new TransferRecord
        {
            Id = Domain.TransferId.From(TransferId),
            App = Domain.AppId.From(AppId),
            Kind = Kind switch
            {
                "transfer" => TransferKind.Transfer,
                "hold" => TransferKind.Hold,
                "refund" => TransferKind.Refund,
                _ => throw new InvalidOperationException($"Stored transfer has unknown kind '{Kind}'."),
            },
            From = AccountId.From(From),
            To = AccountId.From(To),
            Amount = Domain.Amount.From(Amount),
            SettleAmount = SettleAmount is { } settle ? Domain.Amount.From(settle) : null,
            State = State switch
            {
                "reserved" => TransferState.Reserved,
                "crediting" => TransferState.Crediting,
                "posted" => TransferState.Posted,
                "voided" => TransferState.Voided,
                _ => throw new InvalidOperationException($"Stored transfer has unknown state '{State}'."),
            },
            Details = TransactionDetails.From(Reason, Memo, Category),
            ExpiresAt = ExpiresAt,
            RefundOf = RefundOf is { } refundOf ? Domain.TransferId.From(refundOf) : null,
            FailureCode = FailureCode,
            FailureMessage = FailureMessage,
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            PostedAt = PostedAt,
            VoidedAt = VoidedAt,
            CreditDeadline = CreditDeadline,
            FailedAttempts = FailedAttempts,
            LastFailure = LastFailure,
            RetryAfter = RetryAfter,
            StuckSince = StuckSince,
            StuckReason = StuckReason,
        };
        record.AssertInvariants();
        return record;
    }

    public static string KindName(TransferKind kind) => kind switch
    {
        TransferKind.Transfer => "transfer",
        TransferKind.Hold => "hold",
        TransferKind.Refund => "refund",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string StateName(TransferState state) => state switch
    {
        TransferState.Reserved => "reserved",
        TransferState.Crediting => "crediting",
        TransferState.Posted => "posted",
        TransferState.Voided => "voided",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}

/// <summary>
/// Written in the destination partition, under the same id the credit entry would have had, when the
/// credit step is refused. Whichever of the two is created first decides the step for good.
/// </summary>
public sealed record CreditRefusalDocument
{
    [JsonPropertyName("transfer_id")] public required string TransferId { get; init; }
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("refused_at")] public required DateTimeOffset RefusedAt { get; init; }
}

/// <summary>How much of a transfer or a mint has been refunded, kept in the partition the refunds draw from.</summary>
public sealed record RefundTrackerDocument
{
    [JsonPropertyName("refunded_id")] public required string RefundedId { get; init; }
    [JsonPropertyName("original_amount")] public required long OriginalAmount { get; init; }
    [JsonPropertyName("refunded_amount")] public required long RefundedAmount { get; init; }
}

/// <summary>An account's balance as of one entry, taken by the snapshot consumer for balance-as-of queries.</summary>
public sealed record SnapshotDocument
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("sequence")] public required long Sequence { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("as_of")] public required DateTimeOffset AsOf { get; init; }
    [JsonPropertyName("taken_at")] public required DateTimeOffset TakenAt { get; init; }
}

/// <summary>Records that one capture request (by its key) captured a hold, so its repeats answer with that hold.</summary>
public sealed record CaptureMarkerDocument
{
    [JsonPropertyName("transfer_id")] public required string TransferId { get; init; }
    [JsonPropertyName("settle_amount")] public required long SettleAmount { get; init; }
    [JsonPropertyName("captured_at")] public required DateTimeOffset CapturedAt { get; init; }
}
