namespace Ledger.Http;

public static partial class LedgerRoutes
{
    public const string AccountSummary = "accounts/{account_id}/summary";
    public const string Exports = "exports";
    public const string Export = "exports/{export_id}";
    public const string ExportFile = "exports/{export_id}/file";
    public const string ConsumerStatus = "status/consumers";

    private static RouteDefinition[] ReportRoutes =>
    [
        new("GetAccountSummary", "GET", AccountSummary, Anonymous: false, (api, request) => api.GetAccountSummaryAsync(request)),
        new("RequestExport", "POST", Exports, Anonymous: false, (api, request) => api.RequestExportAsync(request)),
        new("GetExport", "GET", Export, Anonymous: false, (api, request) => api.GetExportAsync(request)),
        new("DownloadExport", "GET", ExportFile, Anonymous: false, (api, request) => api.DownloadExportAsync(request)),

        // Like /health: operational data only (names, counts, times), for probes that hold no app key.
        new("GetConsumerStatus", "GET", ConsumerStatus, Anonymous: true, (api, request) => api.GetConsumerStatusAsync(request)),
    ];
}
