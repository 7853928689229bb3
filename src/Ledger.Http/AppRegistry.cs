using System.Security.Cryptography;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Http.Authentication;
using Microsoft.Extensions.Configuration;

namespace Ledger.Http;

/// <summary>One configured app: its id, its API keys (kept only as digests, each with its scopes) and its operation catalog.</summary>
public sealed record AppRegistration(AppId App, IReadOnlyList<ApiKeyCredential> Keys, OperationCatalog Catalog);

/// <summary>
/// The apps this ledger serves, from configuration <c>Ledger:Apps:{appId}</c> with <c>ApiKeys</c> (a list of
/// keys holding every app scope) and/or <c>Keys:{n}</c> (<c>Key</c> or <c>Sha256</c>, and <c>Scopes</c>),
/// and <c>Operations</c> (name → <c>+N</c>, <c>-N</c>, <c>credit</c> or <c>debit</c>); and the operators,
/// <c>Ledger:Operators:{name}:Keys:{n}</c>, whose keys belong to no app. A misconfigured app or key stops
/// the host at start-up with a message that names the setting.
/// </summary>
public sealed class AppRegistry
{
    public const string SectionName = "Ledger:Apps";
    public const string OperatorsSectionName = "Ledger:Operators";

    /// <summary>When bearer tokens are configured, an app may have no keys at all.</summary>
    public const string JwtSectionName = "Ledger:Jwt";

    private readonly IReadOnlyList<AppRegistration> _apps;
    private readonly IReadOnlyList<ApiKeyCredential> _keys;

    public AppRegistry(IReadOnlyList<AppRegistration> apps, IReadOnlyList<ApiKeyCredential>? operatorKeys = null)
    {
        if (apps.Count == 0)
        {
            throw new InvalidOperationException($"No apps are configured under '{SectionName}'.");
        }

        _apps = apps;
        _keys = [.. apps.SelectMany(app => app.Keys), .. operatorKeys ?? []];
        RefuseSharedKeys(_keys);
        Catalogs = new AppCatalogs(apps.Select(app => app.Catalog));
    }

    public AppCatalogs Catalogs { get; }

    public IReadOnlyList<AppRegistration> Apps => _apps;

    public bool Serves(AppId app) => _apps.Any(registration => registration.App == app);

    public static AppRegistry FromConfiguration(IConfiguration configuration)
    {
        var keysRequired = !configuration.GetSection(JwtSectionName).Exists();
        var apps = configuration.GetSection(SectionName).GetChildren().Select(section => ReadApp(section, keysRequired)).ToArray();
        var operators = configuration.GetSection(OperatorsSectionName).GetChildren()
            .SelectMany(section => ApiKeyCredential.Read(section, app: null, defaultScopes: null, fixedScopes: [LedgerScopes.Operator]))
            .ToArray();
        return new AppRegistry(apps, operators);
    }

    /// <summary>
    /// The key the presented one is, or null. Digests are compared in constant time against every key,
    /// without stopping at a match, so the time taken says nothing about how close a guess was or which
    /// app it hit.
    /// </summary>
    public ApiKeyCredential? FindKey(string presentedKey)
    {
        var presented = ApiKeyCredential.DigestOf(presentedKey);
        ApiKeyCredential? match = null;
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, key.Digest))
            {
                match = key;
            }
        }

        return match;
    }

    private static AppRegistration ReadApp(IConfigurationSection section, bool keysRequired)
    {
        var app = AppId.Parse(section.Key, SectionName);
        if (!app.IsSuccess)
        {
            throw new InvalidOperationException($"App id '{section.Key}' under '{SectionName}' is invalid: {app.Error!.Message}");
        }

        if (Projections.ReservedAppIds.RefusalOf(app.Value) is { } reserved)
        {
            throw new InvalidOperationException($"'{section.Path}': {reserved}");
        }

        var keys = ApiKeyCredential.Read(section, app.Value, defaultScopes: LedgerScopes.AppScopes, fixedScopes: null);
        if (keys.Count == 0 && keysRequired)
        {
            throw new InvalidOperationException($"App '{section.Key}' has no API keys: configure '{section.Path}:Keys:0:Key' (or ':Sha256') with its ':Scopes', or '{section.Path}:ApiKeys'.");
        }

        var operations = section.GetSection("Operations").GetChildren().Select(operation => new KeyValuePair<string, string?>(operation.Key, operation.Value));
        var catalog = OperationCatalog.Parse(app.Value, operations);
        if (!catalog.IsSuccess)
        {
            throw new InvalidOperationException(catalog.Error!.Message);
        }

        return new AppRegistration(app.Value, keys, catalog.Value);
    }

    /// <summary>A key configured twice would act for whichever entry matched last: refuse it, naming both places but not the key.</summary>
    private static void RefuseSharedKeys(IReadOnlyList<ApiKeyCredential> keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            for (var j = i + 1; j < keys.Count; j++)
            {
                if (CryptographicOperations.FixedTimeEquals(keys[i].Digest, keys[j].Digest))
                {
                    throw new InvalidOperationException($"The same API key is configured at '{keys[i].Id}' and '{keys[j].Id}'; every key must belong to one app or operator only.");
                }
            }
        }
    }
}
