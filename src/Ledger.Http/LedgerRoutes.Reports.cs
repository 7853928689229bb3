namespace Ledger.Http;

public static partial class LedgerRoutes
{
    private static RouteDefinition[] ReportRoutes => [];
}
