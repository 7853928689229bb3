using System.Text.Json.Serialization;
using Ledger.Projections;

namespace Ledger.Http;

/// <summary>Totals of a period or of one group: credits and debits as positive sums, net = credits − debits.</summary>
public sealed record SummaryTotalsResponse
{
    [JsonPropertyName("credits")] public required long Credits { get; init; }
    [JsonPropertyName("debits")] public required long Debits { get; init; }
    [JsonPropertyName("net")] public required long Net { get; init; }
    [JsonPropertyName("count")] public required long Count { get; init; }
}

/// <summary>One group of a breakdown; <c>key</c> is null for entries without an operation or category.</summary>
public sealed record SummaryGroupResponse
{
    [JsonPropertyName("key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? Key { get; init; }
    [JsonPropertyName("credits")] public required long Credits { get; init; }
    [JsonPropertyName("debits")] public required long Debits { get; init; }
    [JsonPropertyName("net")] public required long Net { get; init; }
    [JsonPropertyName("count")] public required long Count { get; init; }

    public static SummaryGroupResponse Of(SummaryGroup group) => new()
    {
        Key = group.Key,
        Credits = group.Totals.Credits,
        Debits = group.Totals.Debits,
        Net = group.Totals.Net,
        Count = group.Totals.Count,
    };
}

public sealed record SummaryResponse
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("from")] public DateTimeOffset? From { get; init; }
    [JsonPropertyName("to")] public DateTimeOffset? To { get; init; }
    [JsonPropertyName("credits")] public required long Credits { get; init; }
    [JsonPropertyName("debits")] public required long Debits { get; init; }
    [JsonPropertyName("net")] public required long Net { get; init; }
    [JsonPropertyName("count")] public required long Count { get; init; }
    [JsonPropertyName("by_operation")] public required IReadOnlyList<SummaryGroupResponse> ByOperation { get; init; }
    [JsonPropertyName("by_reason")] public required IReadOnlyList<SummaryGroupResponse> ByReason { get; init; }
    [JsonPropertyName("by_category")] public required IReadOnlyList<SummaryGroupResponse> ByCategory { get; init; }

    public static SummaryResponse Of(AccountSummary summary) => new()
    {
        AccountId = summary.Account.Value,
        From = summary.From,
        To = summary.To,
        Credits = summary.Totals.Credits,
        Debits = summary.Totals.Debits,
        Net = summary.Totals.Net,
        Count = summary.Totals.Count,
        ByOperation = summary.ByOperation.Select(SummaryGroupResponse.Of).ToArray(),
        ByReason = summary.ByReason.Select(SummaryGroupResponse.Of).ToArray(),
        ByCategory = summary.ByCategory.Select(SummaryGroupResponse.Of).ToArray(),
    };
}

/// <summary>An export's status; <c>file_url</c> appears once it is completed, <c>error_code</c> and <c>failure_reason</c> when it failed.</summary>
public sealed record ExportResponse
{
    [JsonPropertyName("export_id")] public required string ExportId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("scope")] public required string Scope { get; init; }
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }
    [JsonPropertyName("from")] public DateTimeOffset? From { get; init; }
    [JsonPropertyName("to")] public DateTimeOffset? To { get; init; }
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

    public static string StatusUrlOf(string exportId) => "/" + LedgerRoutes.Exports + "/" + exportId;

    public static ExportResponse Of(ExportDocument export) => new()
    {
        ExportId = export.ExportId,
        Status = export.Status,
        Scope = export.AccountId is null ? LedgerApi.AppExportScope : LedgerApi.AccountExportScope,
        AccountId = export.AccountId,
        From = export.From,
        To = export.To,
        CsvFormulaGuard = export.GuardsFormulas,
        RowCount = export.RowCount,
        FileBytes = export.FileBytes,
        ErrorCode = export.ErrorCode,
        FailureReason = export.FailureReason,
        CreatedAt = export.CreatedAt,
        StartedAt = export.StartedAt,
        CompletedAt = export.CompletedAt,
        StatusUrl = StatusUrlOf(export.ExportId),
        FileUrl = export.Status == ExportStatus.Completed ? StatusUrlOf(export.ExportId) + "/file" : null,
    };
}

/// <summary>One consumer; the volume figures and the error text appear only in the operator's view.</summary>
public sealed record ConsumerStatusResponse
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

    public static ConsumerStatusResponse Of(ConsumerStatus status) => new()
    {
        Name = status.Name,
        State = status.State switch
        {
            ConsumerState.Starting => "starting",
            ConsumerState.Running => "running",
            ConsumerState.Idle => "idle",
            ConsumerState.BackingOff => "backing_off",
            _ => "stopped",
        },
        ChangesBehind = status.ChangesBehind,
        ChangesBehindAtLeast = status.ChangesBehind is null ? null : status.ChangesBehindIsLowerBound,
        SecondsBehind = status.TimeBehind is { } behind ? Math.Round(behind.TotalSeconds, 3) : null,
        HandledChanges = status.HandledChanges,
        HandledBatches = status.HandledBatches,
        DeadLettered = status.DeadLettered,
        LastCheckpointAt = status.LastCheckpointAt,
        ConsecutiveFailures = status.ConsecutiveFailures,
        LastError = status.LastError,
        LastErrorAt = status.LastErrorAt,
        NextAttemptAt = status.NextAttemptAt,
    };
}

/// <summary>A change a consumer set aside after its bounded retries.</summary>
public sealed record DeadLetterResponse
{
    [JsonPropertyName("consumer")] public required string Consumer { get; init; }
    [JsonPropertyName("app_id")] public string? AppId { get; init; }
    [JsonPropertyName("change_id")] public required string ChangeId { get; init; }
    [JsonPropertyName("document_type")] public required string DocumentType { get; init; }
    [JsonPropertyName("committed_at")] public required DateTimeOffset CommittedAt { get; init; }
    [JsonPropertyName("attempts")] public required int Attempts { get; init; }
    [JsonPropertyName("error")] public required string Error { get; init; }
    [JsonPropertyName("dead_lettered_at")] public required DateTimeOffset DeadLetteredAt { get; init; }

    public static DeadLetterResponse Of(DeadLetterDocument letter) => new()
    {
        Consumer = letter.Consumer,
        AppId = letter.AppId,
        ChangeId = letter.ChangeId,
        DocumentType = letter.DocumentType,
        CommittedAt = letter.CommittedAt,
        Attempts = letter.Attempts,
        Error = letter.Error,
        DeadLetteredAt = letter.DeadLetteredAt,
    };
}

/// <summary>
/// <c>GET /status/consumers</c>: <c>scope</c> is the caller's app id, or <c>all</c> for an operator;
/// <c>dead_letters</c> holds at most <see cref="DeadLetterStore.MaxListed"/>, with <c>dead_letters_truncated</c> when there are more.
/// </summary>
public sealed record ConsumerStatusListResponse
{
    public const string AllApps = "all";

    [JsonPropertyName("scope")] public required string Scope { get; init; }
    [JsonPropertyName("consumers")] public required IReadOnlyList<ConsumerStatusResponse> Consumers { get; init; }
    [JsonPropertyName("dead_letters")] public required IReadOnlyList<DeadLetterResponse> DeadLetters { get; init; }
    [JsonPropertyName("dead_letters_truncated")] public required bool DeadLettersTruncated { get; init; }

    /// <summary>The continuous audit per app the caller sees (totals, violations count, the newest violations); absent when the audit does not run.</summary>
    [JsonPropertyName("audit")] public IReadOnlyList<AuditAppResponse>? Audit { get; init; }

    public static ConsumerStatusListResponse Of(ConsumersReport report) => new()
    {
        Scope = report.App is { } app ? app.Value : AllApps,
        Consumers = report.Consumers.Select(ConsumerStatusResponse.Of).ToArray(),
        DeadLetters = report.DeadLetters.Letters.Select(DeadLetterResponse.Of).ToArray(),
        DeadLettersTruncated = report.DeadLetters.Truncated,
        Audit = report.Audit?.Select(AuditAppResponse.Of).ToArray(),
    };
}

/// <summary>Source-generated JSON for the report responses (summaries, exports, consumer status).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SummaryResponse))]
[JsonSerializable(typeof(ExportResponse))]
[JsonSerializable(typeof(ConsumerStatusListResponse))]
public sealed partial class ReportJson : JsonSerializerContext;
