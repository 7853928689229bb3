using System.Text.Json.Serialization;

namespace Ledger.Client;

/// <summary>
/// <c>GET /reports/trial-balance</c>: per app, the continuous audit's totals as of its checkpoint.
/// <see cref="Scope"/> is the caller's app id, or <c>all</c> for an operator.
/// </summary>
public sealed record TrialBalance
{
    [JsonPropertyName("scope")] public required string Scope { get; init; }

    /// <summary>True when no app has a violation on record.</summary>
    [JsonPropertyName("clean")] public required bool Clean { get; init; }

    [JsonPropertyName("apps")] public required IReadOnlyList<AuditedApp> Apps { get; init; }
}

/// <summary>One app's audit: its totals, how far the audit has read, and what it found.</summary>
public sealed record AuditedApp
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

    /// <summary>The latest violations, newest first.</summary>
    [JsonPropertyName("recent_violations")] public required IReadOnlyList<AuditViolation> RecentViolations { get; init; }
}

/// <summary>One violation the audit found, with the stable <see cref="Code"/> of the invariant it broke.</summary>
public sealed record AuditViolation
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
}
