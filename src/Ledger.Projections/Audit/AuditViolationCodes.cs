namespace Ledger.Projections.Audit;

/// <summary>The stable codes of what the continuous audit can find; receivers and dashboards branch on them.</summary>
public static class AuditViolationCodes
{
    /// <summary>An entry's legs do not sum to zero, or its own leg is not its amount; or a transfer's two legs do not cancel out.</summary>
    public const string TransactionUnbalanced = "transaction_unbalanced";

    /// <summary>A transfer ended (posted or voided) and its legs say otherwise: a debit without its credit, a credit on a voided transfer.</summary>
    public const string TransferUnbalanced = "transfer_unbalanced";

    /// <summary>An entry's balance after is not the previous balance plus its amount, or an account's balance is not its entries'.</summary>
    public const string BalanceMismatch = "balance_mismatch";

    /// <summary>An account's share of the issuance contra-account is not the sum of its entries' issuance legs.</summary>
    public const string IssuanceContraMismatch = "issuance_contra_mismatch";

    /// <summary>An account's entries skip a sequence number: an entry is missing.</summary>
    public const string EntryMissing = "entry_missing";

    /// <summary>An account's available balance (balance − pending) is below its floor.</summary>
    public const string BelowFloor = "below_floor";

    /// <summary>An account's pending debits are not the sum of its open reservations.</summary>
    public const string PendingMismatch = "pending_mismatch";

    /// <summary>An app's minted − burned is not the sum of its balances (less transfers in flight), or not minus its issuance contra-balance.</summary>
    public const string IssuanceMismatch = "issuance_mismatch";

    /// <summary>An account, entry or transfer document that cannot be read as one.</summary>
    public const string UnreadableDocument = "unreadable_document";

    public static IReadOnlyList<string> All { get; } =
        [TransactionUnbalanced, TransferUnbalanced, BalanceMismatch, IssuanceContraMismatch, EntryMissing, BelowFloor, PendingMismatch, IssuanceMismatch, UnreadableDocument];
}
