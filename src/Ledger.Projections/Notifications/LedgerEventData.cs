using System.Text.Json.Serialization;

namespace Ledger.Projections.Notifications;

/// <summary>
/// The <c>data</c> of every ledger CloudEvent: always the app and the account, the amount and the balance
/// where the event has them, and the fields that say what happened. Absent fields are left out.
/// </summary>
public sealed record LedgerEventData
{
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }
    [JsonPropertyName("amount")] public long? Amount { get; init; }
    [JsonPropertyName("balance")] public long? Balance { get; init; }
    [JsonPropertyName("threshold")] public long? Threshold { get; init; }
    [JsonPropertyName("sequence")] public long? Sequence { get; init; }
    [JsonPropertyName("kind")] public string? Kind { get; init; }
    [JsonPropertyName("operation")] public string? Operation { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("counterparty")] public string? Counterparty { get; init; }
    [JsonPropertyName("transaction_id")] public string? TransactionId { get; init; }
    [JsonPropertyName("transfer_id")] public string? TransferId { get; init; }
    [JsonPropertyName("from")] public string? From { get; init; }
    [JsonPropertyName("to")] public string? To { get; init; }
    [JsonPropertyName("state")] public string? State { get; init; }
    [JsonPropertyName("failure_code")] public string? FailureCode { get; init; }
    [JsonPropertyName("export_id")] public string? ExportId { get; init; }
    [JsonPropertyName("row_count")] public long? RowCount { get; init; }
    [JsonPropertyName("file_url")] public string? FileUrl { get; init; }

    /// <summary>For <c>ledger.audit.violation</c>: what was found (an <c>AuditViolationCodes</c> code), the figures compared, and in words.</summary>
    [JsonPropertyName("violation")] public string? Violation { get; init; }
    [JsonPropertyName("expected")] public long? Expected { get; init; }
    [JsonPropertyName("actual")] public long? Actual { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
}
