using System.Text.Json.Serialization;

namespace Ledger.Cli.Audit;

/// <summary>What the audit needs to know about an account: its current balance, pending amount and owner.</summary>
public sealed record AuditAccount(string AccountId, string OwnerId, long Balance, long Pending, string Status);

/// <summary>One leg of a transaction: the change of one account's balance.</summary>
public sealed record AuditLeg(string AccountId, long Amount);

/// <summary>One entry of an account's history, as the entries route answers it.</summary>
public sealed record AuditEntry(
    string AccountId,
    long Sequence,
    string TransactionId,
    string Kind,
    long Amount,
    long BalanceAfter,
    string? Counterparty,
    string? TransferId,
    IReadOnlyList<AuditLeg> Legs);

/// <summary>A transfer that cannot end by itself, as the stuck-transfers route lists it.</summary>
public sealed record AuditStuckTransfer(string TransferId, string State, string? Reason);

/// <summary>What the ledger's own hash-chain check answered for an account.</summary>
public sealed record AuditChainResult(bool Ok, string? Problem);

/// <summary>One thing the audit found wrong: which check, on what, and a sentence saying how.</summary>
public sealed record AuditFinding(
    [property: JsonPropertyName("check")] string Check,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>The checks of <see cref="LedgerAudit"/>, by the name a finding carries.</summary>
public static class AuditChecks
{
    /// <summary>The account's balance differs from the sum of its entries.</summary>
    public const string BalanceMismatch = "balance_mismatch";

    /// <summary>An entry's balance_after is not the running sum of the entries up to it.</summary>
    public const string RunningBalanceMismatch = "running_balance_mismatch";

    /// <summary>The account's sequence numbers are not 1, 2, 3… without gaps or repeats.</summary>
    public const string SequenceGap = "sequence_gap";

    /// <summary>A transaction's legs do not sum to zero.</summary>
    public const string UnbalancedTransaction = "unbalanced_transaction";

    /// <summary>Minted − burned differs from the sum of the audited balances.</summary>
    public const string IssuanceMismatch = "issuance_mismatch";

    /// <summary>An account still has a pending (reserved) amount.</summary>
    public const string PendingLeft = "pending_left";

    /// <summary>A transfer is not final: in flight, or listed as stuck.</summary>
    public const string TransferNotFinal = "transfer_not_final";

    /// <summary>An entry names a counterparty account that does not exist.</summary>
    public const string MissingAccount = "missing_account";

    /// <summary>The ledger's hash-chain check failed for an account.</summary>
    public const string ChainBroken = "chain_broken";
}

/// <summary>The outcome of an audit: the totals it reconciled and every finding.</summary>
public sealed record AuditReport
{
    [JsonPropertyName("ok")]
    public bool Ok => Findings.Count == 0;

    [JsonPropertyName("accounts")]
    public required int Accounts { get; init; }

    [JsonPropertyName("entries")]
    public required long Entries { get; init; }

    [JsonPropertyName("transactions")]
    public required int Transactions { get; init; }

    [JsonPropertyName("minted")]
    public required Int128 Minted { get; init; }

    [JsonPropertyName("burned")]
    public required Int128 Burned { get; init; }

    [JsonPropertyName("total_balance")]
    public required Int128 TotalBalance { get; init; }

    [JsonPropertyName("total_pending")]
    public required Int128 TotalPending { get; init; }

    /// <summary>Whether the ledger's per-account hash-chain check was available and run.</summary>
    [JsonPropertyName("chains_checked")]
    public required bool ChainsChecked { get; init; }

    /// <summary>Whether the stuck-transfers list was readable with this key.</summary>
    [JsonPropertyName("stuck_transfers_checked")]
    public required bool StuckTransfersChecked { get; init; }

    [JsonPropertyName("findings")]
    public required IReadOnlyList<AuditFinding> Findings { get; init; }
}
