using Ledger.Http.Authentication;

namespace Ledger.Http;

public static partial class LedgerRoutes
{
    public const string AccountSummary = "accounts/{account_id}/summary";
    public const string Exports = "exports";
    public const string Export = "exports/{export_id}";
    public const string ExportFile = "exports/{export_id}/file";
    public const string ConsumerStatus = "status/consumers";
    public const string TrialBalance = "reports/trial-balance";

    private static RouteDefinition[] ReportRoutes =>
    [
        new("GetAccountSummary", "GET", AccountSummary, Scope: LedgerScopes.Read, (api, request) => api.GetAccountSummaryAsync(request)),
        new("RequestExport", "POST", Exports, Scope: LedgerScopes.Read, (api, request) => api.RequestExportAsync(request)),
        new("GetExport", "GET", Export, Scope: LedgerScopes.Read, (api, request) => api.GetExportAsync(request)),
        new("DownloadExport", "GET", ExportFile, Scope: LedgerScopes.Read, (api, request) => api.DownloadExportAsync(request)),

        // Operational data: an operator sees every app's consumers, an app's read credential its own.
        new("GetConsumerStatus", "GET", ConsumerStatus, Scope: LedgerScopes.Operator, (api, request) => api.GetConsumerStatusAsync(request)),

        // The continuous audit's totals: an operator sees every app's, an app's read credential its own.
        new("GetTrialBalance", "GET", TrialBalance, Scope: LedgerScopes.Operator, (api, request) => api.GetTrialBalanceAsync(request)),
    ];
}
