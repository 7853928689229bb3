using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;
using Ledger.Engine;
using Microsoft.Extensions.Configuration;

namespace Ledger.Http;

/// <summary>One configured app: its id, its API keys (kept only as digests) and its operation catalog.</summary>
public sealed record AppRegistration(AppId App, IReadOnlyList<byte[]> ApiKeyDigests, OperationCatalog Catalog);

/// <summary>
/// The apps this ledger serves, from configuration <c>Ledger:Apps:{appId}</c> with <c>ApiKeys</c> (a list)
/// and <c>Operations</c> (name → <c>+N</c>, <c>-N</c>, <c>credit</c> or <c>debit</c>). A misconfigured app
/// stops the host at start-up with a message that names the app and the operation.
/// </summary>
public sealed class AppRegistry
{
    public const string SectionName = "Ledger:Apps";

    /// <summary>Shorter keys are guessable; refuse them at start-up rather than in production.</summary>
    public const int MinApiKeyLength = 8;

    public const int MaxApiKeyLength = 256;

    private readonly IReadOnlyList<AppRegistration> _apps;

    public AppRegistry(IReadOnlyList<AppRegistration> apps)
    {
        if (apps.Count == 0)
        {
            throw new InvalidOperationException($"No apps are configured under '{SectionName}'.");
        }

        _apps = apps;
        Catalogs = new AppCatalogs(apps.Select(app => app.Catalog));
    }

    public AppCatalogs Catalogs { get; }

    public IReadOnlyList<AppRegistration> Apps => _apps;

    public static AppRegistry FromConfiguration(IConfiguration configuration)
    {
        var apps = new List<AppRegistration>();
        foreach (var section in configuration.GetSection(SectionName).GetChildren())
        {
            var app = AppId.Parse(section.Key, "Ledger:Apps");
            if (!app.IsSuccess)
            {
                throw new InvalidOperationException($"App id '{section.Key}' under '{SectionName}' is invalid: {app.Error!.Message}");
            }

            var keys = section.GetSection("ApiKeys").GetChildren().Select(key => key.Value ?? string.Empty).ToArray();
            if (keys.Length == 0)
            {
                throw new InvalidOperationException($"App '{section.Key}' has no API keys under '{SectionName}:{section.Key}:ApiKeys'.");
            }

            foreach (var key in keys)
            {
                if (key.Length is < MinApiKeyLength or > MaxApiKeyLength)
                {
                    throw new InvalidOperationException($"An API key of app '{section.Key}' is not {MinApiKeyLength} to {MaxApiKeyLength} characters long.");
                }
            }

            var operations = section.GetSection("Operations").GetChildren().Select(operation => new KeyValuePair<string, string?>(operation.Key, operation.Value));
            var catalog = OperationCatalog.Parse(app.Value, operations);
            if (!catalog.IsSuccess)
            {
                throw new InvalidOperationException(catalog.Error!.Message);
            }

            apps.Add(new AppRegistration(app.Value, keys.Select(Digest).ToArray(), catalog.Value));
        }

        return new AppRegistry(apps);
    }

    /// <summary>
    /// Finds the app a key belongs to, comparing digests in constant time against every key, so the
    /// time taken says nothing about how close a guess was or which app it hit.
    /// </summary>
    public AppId? Authenticate(string presentedKey)
    {
        var presented = Digest(presentedKey);
        AppId? match = null;
        foreach (var app in _apps)
        {
            foreach (var digest in app.ApiKeyDigests)
            {
                if (CryptographicOperations.FixedTimeEquals(presented, digest))
                {
                    match = app.App;
                }
            }
        }

        return match;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
