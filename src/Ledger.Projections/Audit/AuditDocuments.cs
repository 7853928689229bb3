using System.Text.Json.Serialization;
using Ledger.Domain;

namespace Ledger.Projections.Audit;

/// <summary>
/// Where the continuous audit keeps its state: one partition per app, <c>$audit/{app}</c> ('$' is never in an
/// app id, and the name is reserved besides), holding the app's totals, one small document per account and
/// one per transfer whose two legs have not both been seen. Every document the audit writes for one app in
/// one step goes in one batch, so its state never holds half a step.
/// </summary>
public static class AuditDocuments
{
    public const string PartitionPrefix = "$audit/";
    public const string TotalsType = "audit_totals";
    public const string AccountType = "audit_account";
    public const string LegsType = "audit_legs";
    public const string TotalsId = "totals";

    /// <summary>The index key prefix of every app's totals, so the operator's trial balance lists every app.</summary>
    public const string TotalsIndexPrefix = "audit-totals|";

    public static string Partition(AppId app) => PartitionPrefix + app.Value;

    public static string AccountStateId(string accountId) => "account:" + accountId;

    public static string LegsId(string transferId) => "legs:" + transferId;
}

/// <summary>One account as the audit last saw it: from its entries and from its account document.</summary>
public sealed record AuditAccountState
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }

    /// <summary>The newest entry seen (its sequence), its balance after, and the sum of its issuance legs so far.</summary>
    [JsonPropertyName("entry_sequence")] public long EntrySequence { get; set; }
    [JsonPropertyName("entry_balance")] public long EntryBalance { get; set; }
    [JsonPropertyName("entry_issuance")] public long EntryIssuance { get; set; }

    /// <summary>The newest account document seen: null until one is.</summary>
    [JsonPropertyName("account_etag")] public string? AccountETag { get; set; }
    [JsonPropertyName("account_sequence")] public long AccountSequence { get; set; }
    [JsonPropertyName("balance")] public long Balance { get; set; }
    [JsonPropertyName("pending")] public long Pending { get; set; }
    [JsonPropertyName("issuance_contra")] public long IssuanceContra { get; set; }
    [JsonPropertyName("floor")] public long Floor { get; set; }

    /// <summary>The open reservations drawn on this account (transfer id → amount): what its pending must equal.</summary>
    [JsonPropertyName("open")] public Dictionary<string, long> Open { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>The legs of one transfer seen so far; deleted once both are seen and sum to zero.</summary>
public sealed record AuditTransferLegs
{
    [JsonPropertyName("transfer_id")] public required string TransferId { get; init; }
    [JsonPropertyName("credit")] public long? Credit { get; set; }
    [JsonPropertyName("debit")] public long? Debit { get; set; }

    /// <summary>The transfer's final state once seen ("posted", "voided"), else null.</summary>
    [JsonPropertyName("final_state")] public string? FinalState { get; set; }

    /// <summary>What the legs seen so far add up to: money in flight while only one side exists.</summary>
    [JsonIgnore] public long Net => checked((Credit ?? 0) + (Debit ?? 0));
}

/// <summary>One inconsistency the audit found.</summary>
public sealed record AuditViolation
{
    /// <summary>Derived from what was found, so a step repeated after a crash finds the same id (events are de-duplicated on it).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }
    [JsonPropertyName("transfer_id")] public string? TransferId { get; init; }
    [JsonPropertyName("expected")] public long? Expected { get; init; }
    [JsonPropertyName("actual")] public long? Actual { get; init; }
    [JsonPropertyName("detail")] public required string Detail { get; init; }
    [JsonPropertyName("change_id")] public string? ChangeId { get; init; }
    [JsonPropertyName("detected_at")] public required DateTimeOffset DetectedAt { get; init; }
}

/// <summary>
/// An app's running totals as of the audit's checkpoint, and what the audit has found. Bounded: it keeps the
/// newest <see cref="AuditBook.MaxRecentViolations"/> violations and at most <see cref="AuditBook.MaxUnsettled"/>
/// ids waiting for the head of the feed.
/// </summary>
public sealed record AuditTotals
{
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("minted")] public long Minted { get; set; }
    [JsonPropertyName("burned")] public long Burned { get; set; }
    [JsonPropertyName("balances")] public long Balances { get; set; }
    [JsonPropertyName("pending")] public long Pending { get; set; }
    [JsonPropertyName("issuance_contra")] public long IssuanceContra { get; set; }

    /// <summary>The legs of transfers whose other leg has not been seen: credited, not yet committed.</summary>
    [JsonPropertyName("in_flight")] public long InFlight { get; set; }
    [JsonPropertyName("accounts")] public long Accounts { get; set; }
    [JsonPropertyName("changes_audited")] public long ChangesAudited { get; set; }
    [JsonPropertyName("audited_through")] public DateTimeOffset? AuditedThrough { get; set; }
    [JsonPropertyName("settled_at")] public DateTimeOffset? SettledAt { get; set; }
    [JsonPropertyName("violations")] public long Violations { get; set; }
    [JsonPropertyName("recent_violations")] public List<AuditViolation> RecentViolations { get; init; } = [];

    /// <summary>Accounts and transfers changed since the feed's head was last reached: their cross-document checks wait for it.</summary>
    [JsonPropertyName("unsettled_accounts")] public List<string> UnsettledAccounts { get; init; } = [];
    [JsonPropertyName("unsettled_transfers")] public List<string> UnsettledTransfers { get; init; } = [];

    /// <summary>The issuance gap last reported, so one gap is reported once, not at every head.</summary>
    [JsonPropertyName("reported_issuance_gap")] public long? ReportedIssuanceGap { get; set; }
}
