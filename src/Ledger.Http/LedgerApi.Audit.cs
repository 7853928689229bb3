using System.Text.Json.Serialization;
using Ledger.Http.Authentication;
using Ledger.Projections.Audit;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

public sealed partial class LedgerApi
{
    /// <summary>The audit's totals as of its checkpoint: every app's for an operator, its own for an app's read key.</summary>
    internal async Task<IResult> GetTrialBalanceAsync(ApiRequest request)
    {
        if (ReportService<AuditStore>(request) is not { } audit)
        {
            return ReportsNotEnabled(request);
        }

        var totals = await audit.ListTotalsAsync(request.VisibleApp, request.Aborted).ConfigureAwait(false);
        return Json(TrialBalanceResponse.Of(request.VisibleApp?.Value, totals), AuditJson.Default.TrialBalanceResponse);
    }
}

/// <summary>
/// <c>GET /reports/trial-balance</c>: per app, the continuous audit's totals as of its checkpoint.
/// <c>scope</c> is the caller's app id, or <c>all</c> for an operator.
/// </summary>
public sealed record TrialBalanceResponse
{
    [JsonPropertyName("scope")] public required string Scope { get; init; }

    /// <summary>True when no app has a violation on record.</summary>
    [JsonPropertyName("clean")] public required bool Clean { get; init; }
    [JsonPropertyName("apps")] public required IReadOnlyList<AuditAppResponse> Apps { get; init; }

    public static TrialBalanceResponse Of(string? app, IReadOnlyList<AuditTotals> totals) => new()
    {
        Scope = app ?? ConsumerStatusListResponse.AllApps,
        Clean = totals.All(one => one.Violations == 0),
        Apps = totals.Select(AuditAppResponse.Of).ToArray(),
    };
}

/// <summary>One app's audit: its totals, how far the audit has read, and what it found.</summary>
public sealed record AuditAppResponse
{
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("minted")] public required long Minted { get; init; }
    [JsonPropertyName("burned")] public required long Burned { get; init; }

    /// <summary>minted − burned: what the sum of balances must be once no transfer is in flight.</summary>
    [JsonPropertyName("issued")] public required long Issued { get; init; }
    [JsonPropertyName("sum_of_balances")] public required long SumOfBalances { get; init; }
    [JsonPropertyName("sum_of_pending")] public required long SumOfPending { get; init; }
    [JsonPropertyName("in_flight")] public required long InFlight { get; init; }
    [JsonPropertyName("issuance_contra_balance")] public required long IssuanceContraBalance { get; init; }
    [JsonPropertyName("accounts")] public required long Accounts { get; init; }
    [JsonPropertyName("changes_audited")] public required long ChangesAudited { get; init; }
    [JsonPropertyName("audited_through")] public DateTimeOffset? AuditedThrough { get; init; }
    [JsonPropertyName("settled_at")] public DateTimeOffset? SettledAt { get; init; }
    [JsonPropertyName("violations")] public required long Violations { get; init; }
    [JsonPropertyName("recent_violations")] public required IReadOnlyList<AuditViolationResponse> RecentViolations { get; init; }

    public static AuditAppResponse Of(AuditTotals totals) => new()
    {
        AppId = totals.AppId,
        Minted = totals.Minted,
        Burned = totals.Burned,
        Issued = checked(totals.Minted - totals.Burned),
        SumOfBalances = totals.Balances,
        SumOfPending = totals.Pending,
        InFlight = totals.InFlight,
        IssuanceContraBalance = totals.IssuanceContra,
        Accounts = totals.Accounts,
        ChangesAudited = totals.ChangesAudited,
        AuditedThrough = totals.AuditedThrough,
        SettledAt = totals.SettledAt,
        Violations = totals.Violations,
        RecentViolations = totals.RecentViolations.AsEnumerable().Reverse().Select(AuditViolationResponse.Of).ToArray(),
    };
}

/// <summary>One violation the audit found (newest first in lists).</summary>
public sealed record AuditViolationResponse
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }
    [JsonPropertyName("transfer_id")] public string? TransferId { get; init; }
    [JsonPropertyName("expected")] public long? Expected { get; init; }
    [JsonPropertyName("actual")] public long? Actual { get; init; }
    [JsonPropertyName("detail")] public required string Detail { get; init; }
    [JsonPropertyName("change_id")] public string? ChangeId { get; init; }
    [JsonPropertyName("detected_at")] public required DateTimeOffset DetectedAt { get; init; }

    public static AuditViolationResponse Of(AuditViolation violation) => new()
    {
        Id = violation.Id,
        Code = violation.Code,
        AccountId = violation.AccountId,
        TransferId = violation.TransferId,
        Expected = violation.Expected,
        Actual = violation.Actual,
        Detail = violation.Detail,
        ChangeId = violation.ChangeId,
        DetectedAt = violation.DetectedAt,
    };
}

/// <summary>Source-generated JSON for the audit's responses.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TrialBalanceResponse))]
public sealed partial class AuditJson : JsonSerializerContext;
