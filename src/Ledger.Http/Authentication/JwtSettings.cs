using System.Security.Claims;
using Ledger.Domain;
using Microsoft.Extensions.Configuration;

namespace Ledger.Http.Authentication;

/// <summary>
/// Bearer tokens, from <c>Ledger:Jwt</c>: who issues them (<c>Authority</c> for OpenID Connect metadata such as
/// Entra ID, or <c>Issuer</c>/<c>Issuers</c> with <c>SigningKeys</c>), for whom (<c>Audience</c>/<c>Audiences</c>),
/// and how a token names its app: the claim <c>AppClaim</c> (default <c>ledger_app</c>), or its client id
/// (<c>azp</c>, <c>appid</c>) mapped by <c>ClientApps:{clientId}</c> = app. Scopes come from <c>scp</c>
/// (space-separated) and <c>roles</c>.
/// </summary>
public sealed record JwtSettings
{
    public const string SectionName = "Ledger:Jwt";
    public const string DefaultAppClaim = "ledger_app";

    public string? Authority { get; init; }

    public required IReadOnlyList<string> Issuers { get; init; }

    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>PEM public keys (RSA or EC) or base64 symmetric secrets of at least 32 bytes.</summary>
    public required IReadOnlyList<string> SigningKeys { get; init; }

    public string AppClaim { get; init; } = DefaultAppClaim;

    public required IReadOnlyDictionary<string, string> ClientApps { get; init; }

    public bool RequireHttpsMetadata { get; init; } = true;

    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The settings, or null when <c>Ledger:Jwt</c> is absent (API keys only). Incomplete settings stop the host.</summary>
    public static JwtSettings? FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        if (!section.Exists())
        {
            return null;
        }

        var settings = new JwtSettings
        {
            Authority = section["Authority"],
            Issuers = OneOrMany(section, "Issuer", "Issuers"),
            Audiences = OneOrMany(section, "Audience", "Audiences"),
            SigningKeys = [.. section.GetSection("SigningKeys").GetChildren().Select(key => key.Value ?? string.Empty)],
            AppClaim = section["AppClaim"] is { Length: > 0 } claim ? claim : DefaultAppClaim,
            ClientApps = section.GetSection("ClientApps").GetChildren().ToDictionary(client => client.Key, client => client.Value ?? string.Empty, StringComparer.Ordinal),
            RequireHttpsMetadata = !bool.TryParse(section["RequireHttpsMetadata"], out var https) || https,
            ClockSkew = TimeSpan.FromSeconds(int.TryParse(section["ClockSkewSeconds"], out var skew) ? skew : 60),
        };

        if (settings.Audiences.Count == 0)
        {
            throw new InvalidOperationException($"'{SectionName}:Audience' is required: the audience (aud) tokens for this ledger carry.");
        }

        if (settings.Authority is null && (settings.Issuers.Count == 0 || settings.SigningKeys.Count == 0))
        {
            throw new InvalidOperationException($"'{SectionName}' needs 'Authority' (OpenID Connect metadata), or 'Issuer' and 'SigningKeys'.");
        }

        return settings;
    }

    /// <summary>
    /// The ledger identity of a validated token: its app (from <see cref="AppClaim"/> or the client id mapped
    /// by <see cref="ClientApps"/>) and its ledger scopes. A token that names no served app is refused,
    /// unless it is an operator's.
    /// </summary>
    public Result<ClaimsPrincipal> ToLedgerPrincipal(ClaimsPrincipal token, AppRegistry apps, string scheme)
    {
        var scopes = token.FindAll("scp").Concat(token.FindAll("scope"))
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Concat(token.FindAll("roles").Concat(token.FindAll("role")).Select(claim => claim.Value))
            .Where(LedgerScopes.IsKnown)
            .ToArray();
        var client = token.FindFirst("azp")?.Value ?? token.FindFirst("appid")?.Value ?? token.FindFirst("client_id")?.Value;
        var appName = token.FindFirst(AppClaim)?.Value ?? (client is not null && ClientApps.TryGetValue(client, out var mapped) ? mapped : null);
        if (appName is null)
        {
            return scopes.Contains(LedgerScopes.Operator)
                ? LedgerPrincipal.Create(scheme, app: null, scopes, "token:" + (client ?? token.FindFirst("sub")?.Value))
                : new LedgerError(ErrorCodes.InvalidToken, $"The token names no ledger app: it needs a '{AppClaim}' claim, or a client id mapped under '{SectionName}:ClientApps'.");
        }

        var app = AppId.Parse(appName);
        if (!app.IsSuccess || !apps.Serves(app.Value))
        {
            return new LedgerError(ErrorCodes.InvalidToken, $"The token's app '{appName}' is not served by this ledger.");
        }

        return LedgerPrincipal.Create(scheme, app.Value, scopes, "token:" + (client ?? token.FindFirst("sub")?.Value) + "@" + app.Value.Value);
    }

    private static string[] OneOrMany(IConfigurationSection section, string one, string many)
        => [.. section[one] is { Length: > 0 } single ? [single] : Array.Empty<string>(), .. section.GetSection(many).GetChildren().Select(item => item.Value ?? string.Empty).Where(item => item.Length > 0)];
}
