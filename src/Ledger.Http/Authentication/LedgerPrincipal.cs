using System.Security.Claims;
using Ledger.Domain;

namespace Ledger.Http.Authentication;

/// <summary>
/// The identity every credential becomes, whichever scheme authenticated it: the app it acts for (none
/// for an operator), its scopes, and an id of the credential itself for per-key rate limits.
/// </summary>
public static class LedgerPrincipal
{
    public const string AppClaim = "ledger_app";
    public const string ScopeClaim = "ledger_scope";
    public const string CredentialClaim = "ledger_credential";

    public static ClaimsPrincipal Create(string scheme, AppId? app, IEnumerable<string> scopes, string credential)
    {
        var claims = new List<Claim> { new(CredentialClaim, credential) };
        if (app is { } owner)
        {
            claims.Add(new Claim(AppClaim, owner.Value));
        }

        claims.AddRange(scopes.Distinct(StringComparer.Ordinal).Select(scope => new Claim(ScopeClaim, scope)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, CredentialClaim, ScopeClaim));
    }

    /// <summary>The app the principal acts for; null for operators (and for anyone not authenticated).</summary>
    public static AppId? AppOf(ClaimsPrincipal principal)
        => principal.FindFirst(AppClaim)?.Value is { } app ? AppId.From(app) : null;

    public static bool HasScope(ClaimsPrincipal principal, string scope) => principal.HasClaim(ScopeClaim, scope);

    public static string? CredentialOf(ClaimsPrincipal principal) => principal.FindFirst(CredentialClaim)?.Value;
}
