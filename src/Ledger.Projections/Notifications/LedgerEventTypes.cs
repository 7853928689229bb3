namespace Ledger.Projections.Notifications;

/// <summary>The CloudEvents <c>type</c> values the ledger publishes; receivers branch on these, so they never change.</summary>
public static class LedgerEventTypes
{
    public const string EntryPosted = "ledger.entry.posted";
    public const string TransferPosted = "ledger.transfer.posted";
    public const string TransferVoided = "ledger.transfer.voided";
    public const string HoldExpired = "ledger.hold.expired";

    /// <summary>A transfer's saga cannot end by itself (see <c>stuck_reason</c> on the transfer): an alert for an operator, raised once.</summary>
    public const string TransferStuck = "ledger.transfer.stuck";
    public const string BalanceLow = "ledger.balance.low";
    public const string ExportCompleted = "ledger.export.completed";

    /// <summary>The continuous audit found an inconsistency (published by the audit consumer, not the notifications consumer).</summary>
    public const string AuditViolation = "ledger.audit.violation";

    public static IReadOnlyList<string> All { get; } = [EntryPosted, TransferPosted, TransferVoided, HoldExpired, TransferStuck, BalanceLow, ExportCompleted, AuditViolation];

    /// <summary>Appended to a change id for the events derived from the same change, so each has its own stable id.</summary>
    public const string BalanceLowIdSuffix = "#balance.low";

    /// <summary>The failure code the transfer saga sets on a hold that expired before it was captured.</summary>
    public const string HoldExpiredFailureCode = "hold_expired";
}
