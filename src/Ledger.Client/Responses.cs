using System.Text.Json.Serialization;

namespace Ledger.Client;

// The API's answers, field for field (a test holds them against the served OpenAPI document). Amounts are
// whole minor units; fields the ledger may leave out are nullable.

/// <summary>The answer to <c>POST /ledger</c>.</summary>
public sealed record LedgerPosting
{
    [JsonPropertyName("transaction_id")] public required string TransactionId { get; init; }
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("operation")] public required string Operation { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("nonce")] public required string Nonce { get; init; }
    [JsonPropertyName("posted_at")] public required DateTimeOffset PostedAt { get; init; }
}

/// <summary>An owner's balance (<c>GET /ledger/{owner_id}</c>): zero for an owner never seen.</summary>
public sealed record OwnerBalance
{
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("pending")] public required long Pending { get; init; }
    [JsonPropertyName("available")] public required long Available { get; init; }
}

public sealed record Account
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("app_id")] public required string AppId { get; init; }

    /// <summary>open, frozen or closed.</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    [JsonPropertyName("floor")] public required long Floor { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("pending")] public required long Pending { get; init; }
    [JsonPropertyName("available")] public required long Available { get; init; }
    [JsonPropertyName("low_balance_threshold")] public long? LowBalanceThreshold { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One page of an owner's accounts; <see cref="Continuation"/> is null on the last page.</summary>
public sealed record AccountPage
{
    [JsonPropertyName("accounts")] public required IReadOnlyList<Account> Accounts { get; init; }
    [JsonPropertyName("continuation")] public string? Continuation { get; init; }
}

/// <summary>A balance now (with pending and available) or as of an instant (with <see cref="AsOf"/>).</summary>
public sealed record Balance
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("balance")] public required long Amount { get; init; }
    [JsonPropertyName("pending")] public long? Pending { get; init; }
    [JsonPropertyName("available")] public long? Available { get; init; }
    [JsonPropertyName("as_of")] public DateTimeOffset? AsOf { get; init; }
}

public sealed record Leg(
    [property: JsonPropertyName("account_id")] string AccountId,
    [property: JsonPropertyName("amount")] long Amount);

/// <summary>One posted entry of an account: its signed amount and the balance after it.</summary>
public sealed record Entry
{
    [JsonPropertyName("transaction_id")] public required string TransactionId { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("sequence")] public required long Sequence { get; init; }

    /// <summary>mint, burn, operation, transfer_debit or transfer_credit.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    [JsonPropertyName("operation")] public string? Operation { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("balance_after")] public required long BalanceAfter { get; init; }
    [JsonPropertyName("counterparty")] public required string Counterparty { get; init; }
    [JsonPropertyName("transfer_id")] public string? TransferId { get; init; }
    [JsonPropertyName("reverses_transaction_id")] public string? ReversesTransactionId { get; init; }
    [JsonPropertyName("posted_at")] public required DateTimeOffset PostedAt { get; init; }
    [JsonPropertyName("legs")] public required IReadOnlyList<Leg> Legs { get; init; }

    /// <summary>The entry's link in its account's hash chain (hex SHA-256); null on entries older than chains.</summary>
    [JsonPropertyName("hash")] public string? Hash { get; init; }
}

/// <summary>One page of entries, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record EntryPage
{
    [JsonPropertyName("entries")] public required IReadOnlyList<Entry> Entries { get; init; }
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

/// <summary>A transfer, hold or refund: its state, amounts, timestamps, legs and failure if any.</summary>
public sealed record Transfer
{
    [JsonPropertyName("transfer_id")] public required string TransferId { get; init; }

    /// <summary>transfer, hold or refund.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>pending, debiting, crediting, posted, voided…: <see cref="IsFinished"/> tells whether it can still change.</summary>
    [JsonPropertyName("state")] public required string State { get; init; }

    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("settle_amount")] public long? SettleAmount { get; init; }
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
    [JsonPropertyName("failed_attempts")] public int? FailedAttempts { get; init; }
    [JsonPropertyName("stuck_since")] public DateTimeOffset? StuckSince { get; init; }
    [JsonPropertyName("stuck_reason")] public string? StuckReason { get; init; }
    [JsonPropertyName("legs")] public required IReadOnlyList<Leg> Legs { get; init; }

    /// <summary>Posted or voided: the transfer will not change any more.</summary>
    [JsonIgnore]
    public bool IsFinished => State is "posted" or "voided";
}

/// <summary>A page of transfers; <see cref="Continuation"/> is null on the last page.</summary>
public sealed record TransferPage
{
    [JsonPropertyName("transfers")] public required IReadOnlyList<Transfer> Transfers { get; init; }
    [JsonPropertyName("continuation")] public string? Continuation { get; init; }
}

/// <summary>Totals of one group of a summary; <see cref="Key"/> is null for entries without one.</summary>
public sealed record SummaryGroup
{
    [JsonPropertyName("key")] public string? Key { get; init; }
    [JsonPropertyName("credits")] public required long Credits { get; init; }
    [JsonPropertyName("debits")] public required long Debits { get; init; }
    [JsonPropertyName("net")] public required long Net { get; init; }
    [JsonPropertyName("count")] public required long Count { get; init; }
}

/// <summary>Credits, debits and breakdowns of an account over a period.</summary>
public sealed record AccountSummary
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("from")] public DateTimeOffset? From { get; init; }
    [JsonPropertyName("to")] public DateTimeOffset? To { get; init; }
    [JsonPropertyName("credits")] public required long Credits { get; init; }
    [JsonPropertyName("debits")] public required long Debits { get; init; }
    [JsonPropertyName("net")] public required long Net { get; init; }
    [JsonPropertyName("count")] public required long Count { get; init; }
    [JsonPropertyName("by_operation")] public required IReadOnlyList<SummaryGroup> ByOperation { get; init; }
    [JsonPropertyName("by_reason")] public required IReadOnlyList<SummaryGroup> ByReason { get; init; }
    [JsonPropertyName("by_category")] public required IReadOnlyList<SummaryGroup> ByCategory { get; init; }
}

/// <summary>An export's status; <see cref="FileUrl"/> once completed, <see cref="ErrorCode"/> when it failed.</summary>
public sealed record Export
{
    [JsonPropertyName("export_id")] public required string ExportId { get; init; }

    /// <summary>pending, running, completed or failed.</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    [JsonPropertyName("scope")] public required string Scope { get; init; }
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }
    [JsonPropertyName("from")] public DateTimeOffset? From { get; init; }
    [JsonPropertyName("to")] public DateTimeOffset? To { get; init; }

    /// <summary>Whether the CSV's formula-like text cells were neutralized (the default) or written exactly as stored.</summary>
    [JsonPropertyName("csv_formula_guard")] public required bool CsvFormulaGuard { get; init; }

    [JsonPropertyName("row_count")] public long? RowCount { get; init; }
    [JsonPropertyName("file_bytes")] public long? FileBytes { get; init; }
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }
    [JsonPropertyName("failure_reason")] public string? FailureReason { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset? StartedAt { get; init; }
    [JsonPropertyName("completed_at")] public DateTimeOffset? CompletedAt { get; init; }
    [JsonPropertyName("status_url")] public required string StatusUrl { get; init; }
    [JsonPropertyName("file_url")] public string? FileUrl { get; init; }

    [JsonIgnore] public bool IsCompleted => Status == "completed";

    [JsonIgnore] public bool IsFailed => Status == "failed";
}

/// <summary>One change-feed consumer; volumes and error text appear only in an operator's view.</summary>
public sealed record ConsumerStatus
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("state")] public required string State { get; init; }
    [JsonPropertyName("changes_behind")] public long? ChangesBehind { get; init; }
    [JsonPropertyName("changes_behind_at_least")] public bool? ChangesBehindAtLeast { get; init; }
    [JsonPropertyName("seconds_behind")] public double? SecondsBehind { get; init; }
    [JsonPropertyName("handled_changes")] public long? HandledChanges { get; init; }
    [JsonPropertyName("handled_batches")] public long? HandledBatches { get; init; }
    [JsonPropertyName("dead_lettered")] public long? DeadLettered { get; init; }
    [JsonPropertyName("last_checkpoint_at")] public DateTimeOffset? LastCheckpointAt { get; init; }
    [JsonPropertyName("consecutive_failures")] public required int ConsecutiveFailures { get; init; }
    [JsonPropertyName("last_error")] public string? LastError { get; init; }
    [JsonPropertyName("last_error_at")] public DateTimeOffset? LastErrorAt { get; init; }
    [JsonPropertyName("next_attempt_at")] public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>A change a consumer set aside after its bounded retries.</summary>
public sealed record DeadLetter
{
    [JsonPropertyName("consumer")] public required string Consumer { get; init; }
    [JsonPropertyName("app_id")] public string? AppId { get; init; }
    [JsonPropertyName("change_id")] public required string ChangeId { get; init; }
    [JsonPropertyName("document_type")] public required string DocumentType { get; init; }
    [JsonPropertyName("committed_at")] public required DateTimeOffset CommittedAt { get; init; }
    [JsonPropertyName("attempts")] public required int Attempts { get; init; }
    [JsonPropertyName("error")] public required string Error { get; init; }
    [JsonPropertyName("dead_lettered_at")] public required DateTimeOffset DeadLetteredAt { get; init; }
}

/// <summary>The consumers and dead letters the caller may see: <see cref="Scope"/> is its app id, or <c>all</c> for an operator.</summary>
public sealed record ConsumerReport
{
    [JsonPropertyName("scope")] public required string Scope { get; init; }
    [JsonPropertyName("consumers")] public required IReadOnlyList<ConsumerStatus> Consumers { get; init; }
    [JsonPropertyName("dead_letters")] public required IReadOnlyList<DeadLetter> DeadLetters { get; init; }
    [JsonPropertyName("dead_letters_truncated")] public required bool DeadLettersTruncated { get; init; }

    /// <summary>The continuous audit of each app the caller sees, as <see cref="LedgerClient.GetTrialBalanceAsync"/> reports it; null when the host runs no audit.</summary>
    [JsonPropertyName("audit")] public IReadOnlyList<AuditedApp>? Audit { get; init; }
}

public sealed record HealthReport
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }
}

public sealed record PingReply([property: JsonPropertyName("ok")] bool Ok);
