using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http.Authentication;

/// <summary>
/// The scheme names and the one rule that picks a scheme for a request: <c>X-Api-Key</c> when sent, else a
/// bearer token when sent and tokens are configured, else the API key scheme (which then reports no key).
/// </summary>
public static class LedgerAuthentication
{
    /// <summary>The scheme routes authenticate with: it forwards to one of the two below.</summary>
    public const string Scheme = "Ledger";
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    /// <summary>Where a failed authentication keeps the error code the 401 answers with.</summary>
    internal const string ErrorCodeItem = "ledger.error-code";

    public static string SelectScheme(HttpContext context, bool bearerEnabled)
        => bearerEnabled && context.Request.Headers[LedgerApi.ApiKeyHeader].Count == 0 && BearerTokenSent(context.Request)
            ? BearerScheme
            : ApiKeyScheme;

    public static bool BearerTokenSent(HttpRequest request)
        => request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    internal static AuthenticateResult Failure(string code, string message)
        => AuthenticateResult.Fail(message, new AuthenticationProperties(new Dictionary<string, string?> { [ErrorCodeItem] = code }));
}
