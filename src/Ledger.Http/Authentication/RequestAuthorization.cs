using Ledger.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Http.Authentication;

/// <summary>
/// The one path every authenticated route takes, in both hosts: the framework's <see cref="IAuthenticationService"/>
/// with the <see cref="LedgerAuthentication.Scheme"/> scheme, then its <see cref="IAuthorizationService"/> with
/// the route's scope policy. The Functions worker runs no ASP.NET Core authentication middleware, so the
/// shared handler calls the services itself; in the local host the middleware's result is reused (a
/// handler authenticates once per request).
/// </summary>
public static class RequestAuthorization
{
    /// <summary>
    /// False for the ledger's anonymous routes (their handlers never read the caller), true for every other
    /// endpoint, including unmatched paths and endpoints of the host's own.
    /// </summary>
    public static bool ReadsCaller(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<RouteDefinition>() is not { Anonymous: true };

    /// <summary>Null when the request may proceed (and <see cref="HttpContext.User"/> is its principal); else the 401 or 403 to answer.</summary>
    public static async Task<LedgerError?> AuthorizeAsync(HttpContext context, string scope)
    {
        var authenticated = await context.AuthenticateAsync(LedgerAuthentication.Scheme).ConfigureAwait(false);
        if (!authenticated.Succeeded)
        {
            var bearerEnabled = await BearerEnabledAsync(context).ConfigureAwait(false);
            var error = AuthenticationError(authenticated, bearerEnabled);
            context.Response.Headers.WWWAuthenticate = Challenge(error, bearerEnabled);
            return error;
        }

        context.User = authenticated.Principal;
        return await RequireScopeAsync(context, scope).ConfigureAwait(false);
    }

    /// <summary>Checks one more scope for an authenticated request, where the body decides what it needs (a mint on <c>/transactions</c>).</summary>
    public static async Task<LedgerError?> RequireScopeAsync(HttpContext context, string scope)
    {
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        var decision = await authorization.AuthorizeAsync(context.User, context, scope).ConfigureAwait(false);
        return decision.Succeeded
            ? null
            : new LedgerError(ErrorCodes.InsufficientScope, $"This credential may not do this: it needs the scope '{scope}'.");
    }

    private static LedgerError AuthenticationError(AuthenticateResult authenticated, bool bearerEnabled)
    {
        if (authenticated.None)
        {
            var how = bearerEnabled ? $"the {LedgerApi.ApiKeyHeader} header or a bearer token" : $"the {LedgerApi.ApiKeyHeader} header";
            return new LedgerError(ErrorCodes.MissingApiKey, $"Send the app's API key in {how}.");
        }

        if (authenticated.Properties?.Items.TryGetValue(LedgerAuthentication.ErrorCodeItem, out var code) == true && code is not null)
        {
            return new LedgerError(code, authenticated.Failure?.Message ?? "The credential is not valid.");
        }

        return new LedgerError(ErrorCodes.InvalidToken, "The bearer token is not valid: " + authenticated.Failure?.Message);
    }

    private static string Challenge(LedgerError error, bool bearerEnabled)
    {
        var apiKey = $"ApiKey header=\"{LedgerApi.ApiKeyHeader}\"";
        return error.Code == ErrorCodes.InvalidToken
            ? "Bearer error=\"invalid_token\""
            : bearerEnabled ? apiKey + ", Bearer" : apiKey;
    }

    private static async Task<bool> BearerEnabledAsync(HttpContext context)
        => await context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(LedgerAuthentication.BearerScheme).ConfigureAwait(false) is not null;
}
