namespace Ledger.Cli.Audit;

/// <summary>
/// Where the audit starts: named owners and accounts, or (when none is named) every account the app's
/// export lists. From there it follows every counterparty and every owner's other accounts, so the
/// audited set is closed under the transfers between its accounts and the issuance totals can balance.
/// </summary>
public sealed record AuditScope(IReadOnlyList<string> Owners, IReadOnlyList<string> Accounts)
{
    public bool WholeApp => Owners.Count == 0 && Accounts.Count == 0;
}
