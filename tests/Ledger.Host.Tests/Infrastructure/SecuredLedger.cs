using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Ledger.Http;
using Ledger.Http.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>
/// The local host configured as a deployment with scoped credentials would be: app1 has one key per scope
/// (<see cref="KeyFor"/>) and a key configured only by its SHA-256 digest, an operator has a key, and bearer
/// tokens from <see cref="Issuer"/> for <see cref="Audience"/>, signed with <see cref="SigningKey"/>, are
/// accepted; a token's client <see cref="MappedClient"/> acts for app2. Extra settings (rate limits) are
/// layered on top. The development keys of appsettings stay, with every app scope.
/// </summary>
public sealed class SecuredLedger : IAsyncDisposable
{
    public const string Issuer = "https://issuer.ledger.test/";
    public const string Audience = "api://ledger-tests";
    public const string OperatorKey = "operator-key-0001";
    public const string HashedReadKey = "hashed-read-key-0001";
    public const string MappedClient = "0b7c6a52-client-of-app2";

    /// <summary>This process's token signing key: tests sign with it, the host validates with it.</summary>
    public static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);

    private readonly LedgerApiFactory _factory = new();
    private readonly WebApplicationFactory<Program> _host;

    public SecuredLedger(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = Settings();
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }

        _host = _factory.WithWebHostBuilder(builder =>
        {
            foreach (var (name, value) in settings)
            {
                builder.UseSetting(name, value);
            }
        });
    }

    /// <summary>The key of app1 that holds exactly <paramref name="scope"/>.</summary>
    public static string KeyFor(string scope) => "key-of-app1-" + scope;

    public WebApplicationFactory<Program> Host => _host;

    public static Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ledger:Apps:app1:Keys:100:Sha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(HashedReadKey))),
            ["Ledger:Apps:app1:Keys:100:Scopes:0"] = LedgerScopes.Read,
            ["Ledger:Operators:ops:Keys:0:Key"] = OperatorKey,
            ["Ledger:Jwt:Issuer"] = Issuer,
            ["Ledger:Jwt:Audience"] = Audience,
            ["Ledger:Jwt:SigningKeys:0"] = Convert.ToBase64String(SigningKey),
            ["Ledger:Jwt:ClientApps:" + MappedClient] = "app2",
        };
        foreach (var (scope, index) in LedgerScopes.AppScopes.Select((scope, index) => (scope, index)))
        {
            settings[$"Ledger:Apps:app1:Keys:{index}:Key"] = KeyFor(scope);
            settings[$"Ledger:Apps:app1:Keys:{index}:Scopes:0"] = scope;
        }

        return settings;
    }

    /// <summary>A client that sends <paramref name="apiKey"/> as X-Api-Key (none when null).</summary>
    public LedgerClient Client(string? apiKey)
    {
        var http = _host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add(LedgerApi.ApiKeyHeader, apiKey);
        }

        return new LedgerClient(http);
    }

    /// <summary>A client that sends <paramref name="token"/> as a bearer token.</summary>
    public LedgerClient Bearer(string token)
    {
        var client = Client(apiKey: null);
        client.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// A signed token with the given claims (<c>ledger_app</c>, <c>scp</c>, <c>roles</c>, <c>azp</c>, ...),
    /// valid for an hour unless <paramref name="expires"/> says otherwise.
    /// </summary>
    public static string Token(IDictionary<string, object> claims, string issuer = Issuer, string audience = Audience, DateTime? expires = null, byte[]? key = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddHours(-2),
            NotBefore = expiry.AddHours(-2),
            Expires = expiry,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _factory.DisposeAsync();
    }
}
