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

public sealed record ConsumerStatusResponse
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("state")] public required string State { get; init; }
    [JsonPropertyName("changes_behind")] public long? ChangesBehind { get; init; }
    [JsonPropertyName("seconds_behind")] public double? SecondsBehind { get; init; }
    [JsonPropertyName("handled_changes")] public required long HandledChanges { get; init; }
    [JsonPropertyName("handled_batches")] public required long HandledBatches { get; init; }
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
        SecondsBehind = status.TimeBehind is { } behind ? Math.Round(behind.TotalSeconds, 3) : null,
        HandledChanges = status.HandledChanges,
        HandledBatches = status.HandledBatches,
        LastCheckpointAt = status.LastCheckpointAt,
        ConsecutiveFailures = status.ConsecutiveFailures,
        LastError = status.LastError,
        LastErrorAt = status.LastErrorAt,
        NextAttemptAt = status.NextAttemptAt,
    };
}

public sealed record ConsumerStatusListResponse
{
    [JsonPropertyName("consumers")] public required IReadOnlyList<ConsumerStatusResponse> Consumers { get; init; }
}

/// <summary>Source-generated JSON for the report responses (summaries, exports, consumer status).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SummaryResponse))]
[JsonSerializable(typeof(ExportResponse))]
[JsonSerializable(typeof(ConsumerStatusListResponse))]
public sealed partial class ReportJson : JsonSerializerContext;
