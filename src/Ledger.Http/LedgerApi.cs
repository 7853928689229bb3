using Ledger.Domain;
using Ledger.Engine;
using Ledger.Http.Authentication;
using Ledger.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Ledger.Http;

/// <summary>A request that passed authentication: the HTTP context and the app it acts for.</summary>
public sealed record ApiRequest(HttpContext Http, AppId App)
{
    public HttpRequest Request => Http.Request;

    /// <summary>On operator routes, the app whose data the caller sees: its own, or null (every app) for an operator.</summary>
    public AppId? VisibleApp => LedgerPrincipal.AppOf(Http.User) is { } own ? own : null;

    public CancellationToken Aborted => Http.RequestAborted;

    public string RouteValue(string name) => Http.Request.RouteValues[name]?.ToString() ?? string.Empty;
}

/// <summary>A posting the engine can run, with the idempotency key it runs under.</summary>
internal readonly record struct KeyedPosting(IdempotencyKey Key, TransactionPosting Posting);

/// <summary>
/// The HTTP API's request handling: authenticate, parse, call the engine, map the result. Both hosts
/// call <see cref="HandleAsync"/> with a route from <see cref="LedgerRoutes"/>; nothing here knows which
/// host it runs in.
/// </summary>
public sealed partial class LedgerApi(LedgerEngine engine, TimeProvider time, ILogger<LedgerApi> logger)
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly HashSet<string> LedgerPostFields = ["owner_id", "operation", "amount", "nonce"];
    private static readonly HashSet<string> OpenAccountFields = ["owner_id", "account_id", "floor", "low_balance_threshold", "nonce"];
    private static readonly HashSet<string> TransactionFields = ["kind", "account_id", "amount", "operation", "reason", "memo", "category", "nonce"];
    private static readonly HashSet<string> NoFields = ["nonce"];

    public LedgerEngine Engine => engine;

    /// <summary>Runs one route: authentication, the handler, and the mapping of every failure to a problem.</summary>
    public async Task<IResult> HandleAsync(RouteDefinition route, HttpContext context)
    {
        try
        {
            AppId app = default;
            if (route.Scope is { } scope)
            {
                if (await RequestAuthorization.AuthorizeAsync(context, scope).ConfigureAwait(false) is { } refused)
                {
                    return Problems.Result(refused, context);
                }

                // An operator acts for no app; only operator routes admit one, and they read VisibleApp.
                app = LedgerPrincipal.AppOf(context.User) ?? default;
            }

            if (QueryValues.CheckShape(context.Request) is { } badQuery)
            {
                return Problems.Result(badQuery, context);
            }

            return await route.Handler(this, new ApiRequest(context, app)).ConfigureAwait(false);
        }
        catch (StoreUnavailableException exception)
        {
            logger.LogWarning(exception, "Store unavailable while serving {Route}", route.Name);
            return Problems.Result(new LedgerError(ErrorCodes.StoreUnavailable, "The ledger's store is unavailable; retry shortly. Nothing was acknowledged."), context);
        }
        catch (BadHttpRequestException exception)
        {
            return Problems.Result(UnreadableRequest.ErrorOf(exception), context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Unexpected failure while serving {Route}", route.Name);
            return Problems.Result(new LedgerError(ErrorCodes.InternalError, "The ledger failed unexpectedly; the request may be retried with the same idempotency key."), context);
        }
    }

    /// <summary>
    /// Anonymous, so it names nothing a caller without a key should learn (not even which apps exist): only
    /// the readiness of the host's health checks tagged <see cref="LedgerHealth.ReadyTag"/> when it registers them, else "ok".
    /// </summary>
    internal async Task<IResult> HealthAsync(ApiRequest request)
    {
        if (request.Http.RequestServices.GetService(typeof(HealthCheckService)) is not HealthCheckService checks)
        {
            return Json(new HealthResponse { Status = "ok", Time = time.GetUtcNow() }, HttpJson.Api.HealthResponse);
        }

        var report = await checks.CheckHealthAsync(check => check.Tags.Contains(LedgerHealth.ReadyTag), request.Aborted).ConfigureAwait(false);
        var status = report.Status switch
        {
            HealthStatus.Healthy => "ok",
            HealthStatus.Degraded => "degraded",
            _ => "unavailable",
        };
        return Json(new HealthResponse { Status = status, Time = time.GetUtcNow() }, HttpJson.Api.HealthResponse, report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    internal Task<IResult> PingAsync(ApiRequest request) => Task.FromResult<IResult>(Json(new PingResponse(true), HttpJson.Api.PingResponse));

    internal async Task<IResult> PostLedgerAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, LedgerPostFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var owner = fields.RequiredString("owner_id").Then(text => OwnerId.Parse(text));
            var operation = fields.RequiredString("operation");
            var amount = fields.Integer("amount");
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(owner.Error, operation.Error, amount.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var posted = await engine.PostOperationAsync(request.App, key.Value, new OperationPosting(owner.Value, operation.Value, amount.Value), request.Aborted).ConfigureAwait(false);
            return posted.TryGetValue(out var entry, out var refusal)
                ? Json(new LedgerPostingResponse
                {
                    TransactionId = entry.TransactionId,
                    OwnerId = owner.Value.Value,
                    AccountId = entry.AccountId,
                    Operation = entry.Operation!,
                    Amount = entry.Amount,
                    Balance = entry.BalanceAfter,
                    Nonce = key.Value.Value,
                    PostedAt = entry.PostedAt,
                }, HttpJson.Api.LedgerPostingResponse, StatusCodes.Status201Created)
                : Problem(refusal, request);
        }
    }

    internal async Task<IResult> GetLedgerBalanceAsync(ApiRequest request)
    {
        var owner = OwnerId.Parse(request.RouteValue("owner_id"));
        if (!owner.IsSuccess)
        {
            return Problem(owner.Error!, request);
        }

        var account = await engine.FindOwnerAccountAsync(request.App, owner.Value, request.Aborted).ConfigureAwait(false);
        if (!account.TryGetValue(out var found, out var error))
        {
            return Problem(error, request);
        }

        return Json(new OwnerBalanceResponse
        {
            OwnerId = owner.Value.Value,
            AccountId = AccountId.DefaultFor(owner.Value).Value,
            Balance = found?.Balance ?? 0,
            Pending = found?.PendingDebits ?? 0,
            Available = found?.Available ?? 0,
        }, HttpJson.Api.OwnerBalanceResponse);
    }

    internal async Task<IResult> OpenAccountAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, OpenAccountFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var owner = fields.RequiredString("owner_id").Then(text => OwnerId.Parse(text));
            var accountText = fields.String("account_id");
            var accountId = accountText.IsSuccess && accountText.Value is { } text ? AccountId.Parse(text).Then(id => Result<AccountId?>.Success(id)) : accountText.Then(_ => Result<AccountId?>.Success(null));
            var floor = fields.Integer("floor");
            var threshold = fields.Integer("low_balance_threshold");
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(owner.Error, accountId.Error, floor.Error, threshold.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var opened = await engine.OpenAccountAsync(request.App, key.Value, new OpenAccountCommand(owner.Value, accountId.Value, floor.Value ?? 0, threshold.Value), request.Aborted).ConfigureAwait(false);
            return opened.TryGetValue(out var account, out var refusal)
                ? Json(AccountResponse.From(account), HttpJson.Api.AccountResponse, StatusCodes.Status201Created, ("Location", "/" + LedgerRoutes.Accounts + "/" + account.Id.Value))
                : Problem(refusal, request);
        }
    }

    internal async Task<IResult> ListAccountsAsync(ApiRequest request)
    {
        var owner = OwnerId.Parse(QueryValues.Optional(request.Request, "owner_id"));
        var limit = QueryValues.PageSize(request.Request, LedgerEngine.DefaultPageSize, LedgerEngine.MaxPageSize);
        if (FirstError(owner.Error, limit.Error) is { } invalid)
        {
            return Problem(invalid, request);
        }

        var page = await engine.ListAccountsByOwnerAsync(request.App, owner.Value, QueryValues.Optional(request.Request, "continuation"), limit.Value, request.Aborted).ConfigureAwait(false);
        return page.TryGetValue(out var accounts, out var error)
            ? Json(new AccountListResponse { Accounts = accounts.Accounts.Select(AccountResponse.From).ToArray(), Continuation = accounts.Continuation }, HttpJson.Api.AccountListResponse)
            : Problem(error, request);
    }

    internal async Task<IResult> GetAccountAsync(ApiRequest request)
    {
        var accountId = AccountId.Parse(request.RouteValue("account_id"));
        if (!accountId.IsSuccess)
        {
            return Problem(NotFoundFor(accountId.Error!), request);
        }

        var account = await engine.GetAccountAsync(request.App, accountId.Value, request.Aborted).ConfigureAwait(false);
        return AccountResult(account, request);
    }

    internal Task<IResult> FreezeAccountAsync(ApiRequest request) => ChangeAccountAsync(request, engine.FreezeAsync);

    internal Task<IResult> UnfreezeAccountAsync(ApiRequest request) => ChangeAccountAsync(request, engine.UnfreezeAsync);

    internal Task<IResult> CloseAccountAsync(ApiRequest request) => ChangeAccountAsync(request, engine.CloseAsync);

    private async Task<IResult> ChangeAccountAsync(ApiRequest request, Func<AppId, AccountId, Task<Result<AccountState>>> change)
    {
        var accountId = AccountId.Parse(request.RouteValue("account_id"));
        if (!accountId.IsSuccess)
        {
            return Problem(NotFoundFor(accountId.Error!), request);
        }

        // Status changes set a state rather than add an effect, so they are idempotent by nature; a body,
        // when sent, may only carry a nonce.
        if (await NonceOnlyBodyErrorAsync(request).ConfigureAwait(false) is { } error)
        {
            return Problem(error, request);
        }

        return AccountResult(await change(request.App, accountId.Value).ConfigureAwait(false), request);
    }

    internal async Task<IResult> GetBalanceAsync(ApiRequest request)
    {
        var accountId = AccountId.Parse(request.RouteValue("account_id"));
        if (!accountId.IsSuccess)
        {
            return Problem(NotFoundFor(accountId.Error!), request);
        }

        var asOfText = QueryValues.Optional(request.Request, "asOf");
        if (asOfText is not null)
        {
            var asOf = QueryValues.ParseInstant(asOfText, "asOf");
            if (!asOf.IsSuccess)
            {
                return Problem(asOf.Error!, request);
            }

            var historical = await engine.GetBalanceAsOfAsync(request.App, accountId.Value, asOf.Value, request.Aborted).ConfigureAwait(false);
            return historical.TryGetValue(out var balance, out var asOfError)
                ? Json(new BalanceResponse { AccountId = accountId.Value.Value, Balance = balance, AsOf = asOf.Value }, HttpJson.Api.BalanceResponse)
                : Problem(asOfError, request);
        }

        var account = await engine.GetAccountAsync(request.App, accountId.Value, request.Aborted).ConfigureAwait(false);
        return account.TryGetValue(out var current, out var error)
            ? Json(new BalanceResponse { AccountId = current.Id.Value, Balance = current.Balance, Pending = current.PendingDebits, Available = current.Available }, HttpJson.Api.BalanceResponse)
            : Problem(error, request);
    }

    internal async Task<IResult> ListEntriesAsync(ApiRequest request)
    {
        var accountId = AccountId.Parse(request.RouteValue("account_id"));
        if (!accountId.IsSuccess)
        {
            return Problem(NotFoundFor(accountId.Error!), request);
        }

        var limit = QueryValues.PageSize(request.Request, LedgerEngine.DefaultPageSize, LedgerEngine.MaxPageSize);
        if (!limit.IsSuccess)
        {
            return Problem(limit.Error!, request);
        }

        var page = await engine.GetEntriesAsync(request.App, accountId.Value, QueryValues.Optional(request.Request, "cursor"), limit.Value, request.Aborted).ConfigureAwait(false);
        return page.TryGetValue(out var entries, out var error)
            ? Json(new EntryPageResponse { Entries = entries.Entries, NextCursor = entries.NextCursor }, HttpJson.Api.EntryPageResponse)
            : Problem(error, request);
    }

    internal async Task<IResult> PostTransactionAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, TransactionFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var kind = KindOf(fields);
            if (kind.IsSuccess && await RequestAuthorization.RequireScopeAsync(request.Http, ScopeOf(kind.Value)).ConfigureAwait(false) is { } refused)
            {
                return Problem(refused, request);
            }

            if (!TransactionOf(fields, kind, IdempotencyKeyOf(request, fields)).TryGetValue(out var keyed, out var invalid))
            {
                return Problem(invalid, request);
            }

            var posted = await engine.PostTransactionAsync(request.App, keyed.Key, keyed.Posting, request.Aborted).ConfigureAwait(false);
            return posted.TryGetValue(out var entry, out var refusal)
                ? Json(entry, HttpJson.Api.EntryDocument, StatusCodes.Status201Created)
                : Problem(refusal, request);
        }
    }

    private static Result<TransactionKind> KindOf(RequestBody fields) => fields.RequiredString("kind").Then(ParseKind);

    /// <summary>
    /// A <c>POST /transactions</c> body (or a batch item) as the engine's posting and its key; the first
    /// invalid field, in the order the fields are documented, otherwise.
    /// </summary>
    internal static Result<KeyedPosting> TransactionOf(RequestBody fields, Result<TransactionKind> kind, Result<IdempotencyKey> key)
    {
        var accountId = fields.RequiredString("account_id").Then(text => AccountId.Parse(text));
        var amount = fields.Integer("amount");
        var operation = fields.String("operation");
        var details = DetailsOf(fields, required: kind.IsSuccess && kind.Value != TransactionKind.Operation);
        if (FirstError(kind.Error, accountId.Error, amount.Error, operation.Error, details.Error, key.Error) is { } invalid)
        {
            return invalid;
        }

        return new KeyedPosting(key.Value, new TransactionPosting(kind.Value, accountId.Value, amount.Value, operation.Value, details.Value));
    }

    /// <summary>What a transaction of this kind needs: the route admits either scope, the kind picks one.</summary>
    private static string ScopeOf(TransactionKind kind) => kind == TransactionKind.Operation ? LedgerScopes.Operations : LedgerScopes.Issue;

    private static Result<TransactionKind> ParseKind(string kind) => kind switch
    {
        "mint" => TransactionKind.Mint,
        "burn" => TransactionKind.Burn,
        "operation" => TransactionKind.Operation,
        _ => LedgerError.Invalid("kind", "use mint, burn or operation."),
    };

    /// <summary>Reason, memo and category; absent altogether is allowed where the reason is optional.</summary>
    internal static Result<TransactionDetails?> DetailsOf(RequestBody fields, bool required)
    {
        var reason = fields.String("reason");
        var memo = fields.String("memo");
        var category = fields.String("category");
        if (FirstError(reason.Error, memo.Error, category.Error) is { } invalid)
        {
            return invalid;
        }

        if (reason.Value is null && memo.Value is null && category.Value is null && !required)
        {
            return Result<TransactionDetails?>.Success(null);
        }

        return TransactionDetails.Create(reason.Value, memo.Value, category.Value).Then(details => Result<TransactionDetails?>.Success(details));
    }

    /// <summary>The request's idempotency key: the Idempotency-Key header or the body's nonce; when both are sent they must agree.</summary>
    internal static Result<IdempotencyKey> IdempotencyKeyOf(ApiRequest request, RequestBody fields)
    {
        var nonce = fields.String("nonce");
        if (!nonce.IsSuccess)
        {
            return nonce.Error!;
        }

        var header = request.Request.Headers[IdempotencyKeyHeader];
        if (header.Count > 1)
        {
            return LedgerError.Invalid(IdempotencyKeyHeader, "send it once.");
        }

        var headerValue = header.Count == 1 ? header[0] : null;
        if (headerValue is not null && nonce.Value is not null && headerValue != nonce.Value)
        {
            return LedgerError.Invalid("nonce", $"the body's nonce and the {IdempotencyKeyHeader} header differ.");
        }

        return headerValue is not null ? IdempotencyKey.Parse(headerValue, IdempotencyKeyHeader) : IdempotencyKey.Parse(nonce.Value);
    }

    /// <summary>
    /// Checks the body of a write that is idempotent by nature (a status change, a void): empty, or an
    /// object with at most a nonce, which decides nothing here but must still be a valid key when sent.
    /// </summary>
    internal static async Task<LedgerError?> NonceOnlyBodyErrorAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, NoFields, allowEmpty: true).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return error;
        }

        using (fields)
        {
            var nonce = fields.String("nonce");
            return nonce.IsSuccess ? (nonce.Value is { } text ? IdempotencyKey.Parse(text).Error : null) : nonce.Error;
        }
    }

    internal static LedgerError? FirstError(params ReadOnlySpan<LedgerError?> errors)
    {
        foreach (var error in errors)
        {
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>An id that cannot exist names nothing: answered as not found, like any unknown id.</summary>
    private static LedgerError NotFoundFor(LedgerError invalidId) => new(ErrorCodes.AccountNotFound, "No account has that id.", invalidId.Field);

    private static IResult AccountResult(Result<AccountState> account, ApiRequest request)
        => account.TryGetValue(out var found, out var error) ? Json(AccountResponse.From(found), HttpJson.Api.AccountResponse) : Problem(error, request);

    internal static IResult Problem(LedgerError error, ApiRequest request) => Problems.Result(error, request.Http);

    internal static IResult Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK, params (string Name, string Value)[] headers)
        => new JsonResult<T>(value, typeInfo, status, headers: headers.Length == 0 ? null : headers.ToDictionary(header => header.Name, header => header.Value));
}
