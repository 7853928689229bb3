namespace Ledger.Http.Authentication;

/// <summary>
/// The scopes a credential can hold; each route names the one it needs (<see cref="RouteDefinition.Scope"/>).
/// They are also the authorization policy names, and the scope values an identity provider issues
/// (<c>scp</c> or <c>roles</c> claims of a token).
/// </summary>
public static class LedgerScopes
{
    /// <summary>Reads: balances, accounts, entries, transfers, holds, summaries and exports.</summary>
    public const string Read = "ledger.read";

    /// <summary>Posting the app's catalog operations (<c>POST /ledger</c>, <c>kind: operation</c>).</summary>
    public const string Operations = "ledger.operations";

    /// <summary>Account administration: open, freeze, unfreeze, close.</summary>
    public const string Accounts = "ledger.accounts";

    /// <summary>Transfers, holds (place, capture, void) and transfer refunds.</summary>
    public const string Transfers = "ledger.transfers";

    /// <summary>Changing the supply: mint, burn and the refund of a mint.</summary>
    public const string Issue = "ledger.issue";

    /// <summary>Operational routes across every app; an operator credential belongs to no app.</summary>
    public const string Operator = "ledger.operator";

    /// <summary>
    /// <c>POST /transactions</c>: either scope lets the request in, then its <c>kind</c> decides which one it
    /// needs (<see cref="Operations"/> for <c>operation</c>, <see cref="Issue"/> for <c>mint</c> and <c>burn</c>).
    /// </summary>
    public const string OperationsOrIssue = Operations + AnyOfSeparator + Issue;

    /// <summary>Separates alternatives in a route's policy name: <c>a|b</c> admits a credential holding either.</summary>
    public const string AnyOfSeparator = "|";

    /// <summary>The scopes a credential of an app can hold: all of them are what a plain <c>ApiKeys</c> entry gets.</summary>
    public static IReadOnlyList<string> AppScopes { get; } = [Read, Operations, Accounts, Transfers, Issue];

    public static IReadOnlyList<string> All { get; } = [.. AppScopes, Operator];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>The scopes any one of which satisfies a route's policy.</summary>
    public static IReadOnlyList<string> AnyOf(string policy) => policy.Split(AnyOfSeparator);
}
