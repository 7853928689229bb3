using Ledger.Http.Authentication;

namespace Ledger.Http;

/// <summary>
/// The API's routes, written once. The local host maps every entry of <see cref="All"/>; the Functions
/// app declares one HTTP function per entry using these constants; a test checks the two never drift.
/// Templates carry no leading slash, as Azure Functions routes do.
/// </summary>
public static partial class LedgerRoutes
{
    public const string Health = "health";
    public const string Ping = "ping";
    public const string Ledger = "ledger";
    public const string LedgerOwner = "ledger/{owner_id}";
    public const string Accounts = "accounts";
    public const string Account = "accounts/{account_id}";
    public const string AccountFreeze = "accounts/{account_id}/freeze";
    public const string AccountUnfreeze = "accounts/{account_id}/unfreeze";
    public const string AccountClose = "accounts/{account_id}/close";
    public const string AccountBalance = "accounts/{account_id}/balance";
    public const string AccountEntries = "accounts/{account_id}/entries";
    public const string AccountVerify = "accounts/{account_id}/verify";
    public const string Transactions = "transactions";
    public const string TransactionsBatch = "transactions/batch";

    /// <summary>Every route of the API, from each area's own list.</summary>
    public static IReadOnlyList<RouteDefinition> All { get; } = [.. CoreRoutes, .. TransferRoutes, .. ReportRoutes];

    private static RouteDefinition[] CoreRoutes =>
    [
        new("Health", "GET", Health, Scope: null, (api, request) => api.HealthAsync(request)),
        new("Ping", "GET", Ping, Scope: null, (api, request) => api.PingAsync(request)),
        new("PostLedger", "POST", Ledger, Scope: LedgerScopes.Operations, (api, request) => api.PostLedgerAsync(request)),
        new("GetLedgerBalance", "GET", LedgerOwner, Scope: LedgerScopes.Read, (api, request) => api.GetLedgerBalanceAsync(request)),
        new("OpenAccount", "POST", Accounts, Scope: LedgerScopes.Accounts, (api, request) => api.OpenAccountAsync(request)),
        new("ListAccounts", "GET", Accounts, Scope: LedgerScopes.Read, (api, request) => api.ListAccountsAsync(request)),
        new("GetAccount", "GET", Account, Scope: LedgerScopes.Read, (api, request) => api.GetAccountAsync(request)),
        new("FreezeAccount", "POST", AccountFreeze, Scope: LedgerScopes.Accounts, (api, request) => api.FreezeAccountAsync(request)),
        new("UnfreezeAccount", "POST", AccountUnfreeze, Scope: LedgerScopes.Accounts, (api, request) => api.UnfreezeAccountAsync(request)),
        new("CloseAccount", "POST", AccountClose, Scope: LedgerScopes.Accounts, (api, request) => api.CloseAccountAsync(request)),
        new("GetBalance", "GET", AccountBalance, Scope: LedgerScopes.Read, (api, request) => api.GetBalanceAsync(request)),
        new("ListEntries", "GET", AccountEntries, Scope: LedgerScopes.Read, (api, request) => api.ListEntriesAsync(request)),
        new("VerifyAccount", "GET", AccountVerify, Scope: LedgerScopes.Read, (api, request) => api.VerifyAccountAsync(request)),
        new("PostTransaction", "POST", Transactions, Scope: LedgerScopes.OperationsOrIssue, (api, request) => api.PostTransactionAsync(request)),
        new("PostTransactionBatch", "POST", TransactionsBatch, Scope: LedgerScopes.OperationsOrIssue, (api, request) => api.PostTransactionBatchAsync(request)),
    ];

    public static RouteDefinition Named(string name) => All.Single(route => route.Name == name);

    /// <summary>The methods the API serves on a path, so an unsupported method gets 405 rather than 404.</summary>
    public static IReadOnlyList<string> MethodsServing(string path)
    {
        var methods = new List<string>();
        foreach (var route in All)
        {
            var matcher = new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
                Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(route.Template),
                new Microsoft.AspNetCore.Routing.RouteValueDictionary());
            if (matcher.TryMatch(path, new Microsoft.AspNetCore.Routing.RouteValueDictionary()))
            {
                methods.Add(route.Method);
            }
        }

        return methods;
    }
}

/// <summary>
/// One route: its name (the Functions function name), method, template, the scope a credential needs to
/// call it (a <see cref="LedgerScopes"/> value and policy name; null = anonymous) and handler.
/// </summary>
public sealed record RouteDefinition(string Name, string Method, string Template, string? Scope, Func<LedgerApi, ApiRequest, Task<Microsoft.AspNetCore.Http.IResult>> Handler)
{
    public bool Anonymous => Scope is null;
}
