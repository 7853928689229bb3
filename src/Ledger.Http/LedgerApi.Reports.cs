using Ledger.Domain;
using Ledger.Projections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Http;

/// <summary>
/// Reports: summaries, exports and the consumers' status. The report services come from the request's
/// service provider, because they exist only where a host registered the projections; a host without
/// them answers these routes with 404.
/// </summary>
public sealed partial class LedgerApi
{
    public const string AccountExportScope = "account";
    public const string AppExportScope = "app";
    public const string CsvContentType = "text/csv; charset=utf-8";

    /// <summary>The export option that, set to false, writes cells raw even when a spreadsheet would run them as formulas.</summary>
    public const string CsvFormulaGuardField = "csv_formula_guard";

    private static readonly HashSet<string> ExportFields = ["account_id", "scope", "from", "to", "nonce", CsvFormulaGuardField];

    internal async Task<IResult> GetAccountSummaryAsync(ApiRequest request)
    {
        if (ReportService<AccountSummaries>(request) is not { } summaries)
        {
            return ReportsNotEnabled(request);
        }

        var accountId = AccountId.Parse(request.RouteValue("account_id"));
        if (!accountId.IsSuccess)
        {
            return Problem(NotFoundFor(accountId.Error!), request);
        }

        var from = OptionalInstant(request, "from");
        var to = OptionalInstant(request, "to");
        if (FirstError(from.Error, to.Error) is { } invalid)
        {
            return Problem(invalid, request);
        }

        var summary = await summaries.SummarizeAsync(request.App, accountId.Value, from.Value, to.Value, request.Aborted).ConfigureAwait(false);
        return summary.TryGetValue(out var found, out var error)
            ? Json(SummaryResponse.Of(found), ReportJson.Default.SummaryResponse)
            : Problem(error, request);
    }

    internal async Task<IResult> RequestExportAsync(ApiRequest request)
    {
        if (ReportService<ExportService>(request) is not { } exports)
        {
            return ReportsNotEnabled(request);
        }

        var body = await RequestBody.ReadAsync(request.Request, ExportFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var scope = fields.String("scope").Then(ParseScope);
            var accountText = fields.String("account_id");
            var from = fields.Instant("from");
            var to = fields.Instant("to");
            var formulaGuard = fields.Boolean(CsvFormulaGuardField);
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(scope.Error, accountText.Error, from.Error, to.Error, formulaGuard.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var account = ExportAccount(scope.Value, accountText.Value);
            if (!account.IsSuccess)
            {
                return Problem(account.Error!, request);
            }

            var requested = await exports.RequestAsync(request.App, key.Value, new ExportRequest(account.Value, from.Value, to.Value, formulaGuard.Value ?? true), request.Aborted).ConfigureAwait(false);
            return requested.TryGetValue(out var export, out var refusal)
                ? Json(ExportResponse.Of(export), ReportJson.Default.ExportResponse, StatusCodes.Status202Accepted, ("Location", ExportResponse.StatusUrlOf(export.ExportId)))
                : Problem(refusal, request);
        }
    }

    internal async Task<IResult> GetExportAsync(ApiRequest request)
    {
        if (ReportService<ExportService>(request) is not { } exports)
        {
            return ReportsNotEnabled(request);
        }

        var export = await exports.GetAsync(request.App, request.RouteValue("export_id"), request.Aborted).ConfigureAwait(false);
        return export.TryGetValue(out var found, out var error)
            ? Json(ExportResponse.Of(found), ReportJson.Default.ExportResponse)
            : Problem(error, request);
    }

    /// <summary>Streams the CSV file from the export store to the client: never buffered whole.</summary>
    internal async Task<IResult> DownloadExportAsync(ApiRequest request)
    {
        if (ReportService<ExportService>(request) is not { } exports)
        {
            return ReportsNotEnabled(request);
        }

        var file = await exports.OpenFileAsync(request.App, request.RouteValue("export_id"), request.Aborted).ConfigureAwait(false);
        return file.TryGetValue(out var opened, out var error)
            ? TypedResults.Stream(opened.Content, CsvContentType, fileDownloadName: opened.Export.ExportId + ".csv")
            : Problem(error, request);
    }

    /// <summary>The consumers as the caller may see them: an app its own figures and dead letters, an operator everything.</summary>
    internal async Task<IResult> GetConsumerStatusAsync(ApiRequest request)
    {
        if (ReportService<ChangeFeedProcessors>(request) is not { } processors)
        {
            return ReportsNotEnabled(request);
        }

        var report = await processors.GetReportAsync(request.VisibleApp, request.Aborted).ConfigureAwait(false);
        return Json(ConsumerStatusListResponse.Of(report), ReportJson.Default.ConsumerStatusListResponse);
    }

    private static Result<string> ParseScope(string? scope) => scope switch
    {
        null or AccountExportScope => AccountExportScope,
        AppExportScope => AppExportScope,
        _ => LedgerError.Invalid("scope", $"use '{AccountExportScope}' (one account, the default) or '{AppExportScope}' (every account of the app)."),
    };

    /// <summary>The account an export covers: required for scope "account", refused for scope "app" (null = every account).</summary>
    private static Result<AccountId?> ExportAccount(string scope, string? accountText)
    {
        if (scope == AppExportScope)
        {
            return accountText is null
                ? Result<AccountId?>.Success(null)
                : LedgerError.Invalid("account_id", $"leave it out with scope '{AppExportScope}', which exports every account.");
        }

        return accountText is null
            ? LedgerError.Missing("account_id")
            : AccountId.Parse(accountText).Then(id => Result<AccountId?>.Success(id));
    }

    private static Result<DateTimeOffset?> OptionalInstant(ApiRequest request, string name)
        => QueryValues.Optional(request.Request, name) is { } text
            ? QueryValues.ParseInstant(text, name).Then(instant => Result<DateTimeOffset?>.Success(instant))
            : Result<DateTimeOffset?>.Success(null);

    private static T? ReportService<T>(ApiRequest request)
        where T : class
        => request.Http.RequestServices.GetService<T>();

    private static IResult ReportsNotEnabled(ApiRequest request)
        => Problem(new LedgerError(ErrorCodes.RouteNotFound, "Reports are not enabled in this host."), request);
}
