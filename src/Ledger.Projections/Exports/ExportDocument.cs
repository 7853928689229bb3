using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Ledger.Domain;

namespace Ledger.Projections;

/// <summary>The life of an export: pending → running → completed, or failed with a reason.</summary>
public static class ExportStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static bool IsFinal(string status) => status is Completed or Failed;
}

/// <summary>
/// An export request and its progress, stored through the store port in the app's export partition. The
/// export worker reads it from the change feed; the HTTP API reads it for status and download.
/// </summary>
public sealed record ExportDocument
{
    [JsonPropertyName("export_id")] public required string ExportId { get; init; }
    [JsonPropertyName("app_id")] public required string AppId { get; init; }

    /// <summary>The one account exported; null when the export covers every account of the app.</summary>
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }

    [JsonPropertyName("from")] public DateTimeOffset? From { get; init; }
    [JsonPropertyName("to")] public DateTimeOffset? To { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }

    /// <summary>
    /// Whether text cells that a spreadsheet would run as formulas are neutralized (see <see cref="CsvEntryWriter"/>).
    /// Null, in documents written before the option existed, means on.
    /// </summary>
    [JsonPropertyName("csv_formula_guard")] public bool? CsvFormulaGuard { get; init; }

    /// <summary>The guard in effect: on unless the request turned it off.</summary>
    [JsonIgnore] public bool GuardsFormulas => CsvFormulaGuard ?? true;

    /// <summary>How many times a worker started this export; bounded by <see cref="ExportOptions.MaxAttempts"/>.</summary>
    [JsonPropertyName("attempts")] public int Attempts { get; init; }

    [JsonPropertyName("row_count")] public long? RowCount { get; init; }
    [JsonPropertyName("file_bytes")] public long? FileBytes { get; init; }

    /// <summary>The stable error code of a failed export (e.g. <c>export_too_large</c>).</summary>
    [JsonPropertyName("error_code")] public string? ErrorCode { get; init; }

    [JsonPropertyName("failure_reason")] public string? FailureReason { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset? StartedAt { get; init; }
    [JsonPropertyName("completed_at")] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Whether a request asks for the same export as this one (an idempotent repeat).</summary>
    public bool IsSameRequest(ExportDocument other)
        => AccountId == other.AccountId && From == other.From && To == other.To && GuardsFormulas == other.GuardsFormulas;
}

/// <summary>Where export documents live and how they are named.</summary>
public static class ExportDocuments
{
    public const string Type = "export";
    public const string PartitionPrefix = "exports/";

    /// <summary>"exp_" and 24 hex digits.</summary>
    private const int IdLength = 28;

    /// <summary>One partition per app: exports are few and small, and an app never sees another app's exports.</summary>
    public static string Partition(AppId app) => PartitionPrefix + app.Value;

    /// <summary>Derived from the app and the idempotency key, so a repeated request names the same export.</summary>
    public static string IdFor(AppId app, IdempotencyKey key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{app.Value}\nexport\n{key.Value}"), hash);
        return "exp_" + Convert.ToHexStringLower(hash)[..24];
    }

    /// <summary>Whether text can be an export id; anything else names no export.</summary>
    public static bool IsWellFormedId(string? text)
        => text is { Length: IdLength }
           && text.StartsWith("exp_", StringComparison.Ordinal)
           && !text.AsSpan(4).ContainsAnyExcept("0123456789abcdef");
}
