using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Ledger.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger.Http.Authentication;

public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions;

/// <summary>
/// Authenticates the <c>X-Api-Key</c> header against <see cref="AppRegistry"/>: no header is no result (another
/// scheme or the route decides), an unknown key is a failure whose code the 401 carries.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, AppRegistry apps)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[LedgerApi.ApiKeyHeader];
        if (presented.Count == 0 || (presented.Count == 1 && string.IsNullOrEmpty(presented[0])))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // A key longer than any configured one is not hashed: it cannot match, and hashing it is work an attacker chooses.
        if (presented.Count > 1 || presented[0]!.Length > ApiKeyCredential.MaxKeyLength || apps.FindKey(presented[0]!) is not { } key)
        {
            return Task.FromResult(LedgerAuthentication.Failure(ErrorCodes.InvalidApiKey, "The API key is not valid."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(PrincipalOf(key), Scheme.Name)));
    }

    /// <summary>
    /// One principal per configured key, built on its first use and shared by every request it
    /// authenticates: a key's app, scopes and id never change while the host runs, and nothing in the
    /// host changes a principal (no claims transformation is registered). Keyed by the credential
    /// object, so nothing a caller sends becomes a key of this table.
    /// </summary>
    private ClaimsPrincipal PrincipalOf(ApiKeyCredential key)
        => Principals.GetValue(key, credential => LedgerPrincipal.Create(Scheme.Name, credential.App, credential.Scopes, credential.Id));

    private static readonly ConditionalWeakTable<ApiKeyCredential, ClaimsPrincipal> Principals = new();
}
