using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;
using Microsoft.Extensions.Configuration;

namespace Ledger.Http.Authentication;

/// <summary>
/// One configured API key, kept only as its SHA-256 digest: the app it acts for (none for an operator),
/// its scopes, and a stable id (never the key) that logs and per-key rate limits use.
/// </summary>
public sealed record ApiKeyCredential(string Id, AppId? App, byte[] Digest, IReadOnlyList<string> Scopes)
{
    /// <summary>Shorter keys are guessable; refuse them at start-up rather than in production.</summary>
    public const int MinKeyLength = 8;

    public const int MaxKeyLength = 256;

    public static byte[] DigestOf(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// The keys of one app or operator: <c>ApiKeys</c> (plaintext, with <paramref name="defaultScopes"/>)
    /// and <c>Keys:{n}</c> with <c>Key</c> (plaintext) or <c>Sha256</c> (hex digest), and <c>Scopes</c>
    /// unless <paramref name="fixedScopes"/> is given. Anything malformed stops the host with the setting's path.
    /// </summary>
    public static IReadOnlyList<ApiKeyCredential> Read(IConfigurationSection owner, AppId? app, IReadOnlyList<string>? defaultScopes, IReadOnlyList<string>? fixedScopes)
    {
        var credentials = new List<ApiKeyCredential>();
        var plain = owner.GetSection("ApiKeys").GetChildren().ToArray();
        if (plain.Length > 0 && defaultScopes is null)
        {
            throw new InvalidOperationException($"'{owner.Path}:ApiKeys' is not supported here; use '{owner.Path}:Keys:{{n}}:Key' or ':Sha256'.");
        }

        foreach (var entry in plain)
        {
            credentials.Add(new ApiKeyCredential($"{owner.Path}:ApiKeys:{entry.Key}", app, DigestOf(CheckedKey(entry.Value, entry.Path)), defaultScopes!));
        }

        foreach (var entry in owner.GetSection("Keys").GetChildren())
        {
            credentials.Add(new ApiKeyCredential(entry.Path, app, ConfiguredDigest(entry), fixedScopes ?? ConfiguredScopes(entry)));
        }

        return credentials;
    }

    private static byte[] ConfiguredDigest(IConfigurationSection entry)
    {
        var key = entry["Key"];
        var hash = entry["Sha256"];
        if ((key is null) == (hash is null))
        {
            throw new InvalidOperationException($"'{entry.Path}' needs exactly one of 'Key' (the key) or 'Sha256' (its SHA-256 digest as 64 hex digits).");
        }

        if (key is not null)
        {
            return DigestOf(CheckedKey(key, entry.Path + ":Key"));
        }

        try
        {
            var digest = Convert.FromHexString(hash!);
            return digest.Length == SHA256.HashSizeInBytes ? digest : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"'{entry.Path}:Sha256' is not a SHA-256 digest: use 64 hex digits (e.g. the output of `printf %s KEY | sha256sum`).");
        }
    }

    private static string[] ConfiguredScopes(IConfigurationSection entry)
    {
        var scopes = entry.GetSection("Scopes").GetChildren().Select(scope => scope.Value ?? string.Empty).ToArray();
        if (scopes.Length == 0)
        {
            throw new InvalidOperationException($"'{entry.Path}:Scopes' is empty: list what the key may do ({string.Join(", ", LedgerScopes.AppScopes)}).");
        }

        if (scopes.FirstOrDefault(scope => !LedgerScopes.AppScopes.Contains(scope, StringComparer.Ordinal)) is { } unknown)
        {
            throw new InvalidOperationException($"'{entry.Path}:Scopes' names '{unknown}'; an app's key can hold {string.Join(", ", LedgerScopes.AppScopes)}.");
        }

        return scopes;
    }

    private static string CheckedKey(string? key, string path)
        => key is { Length: >= MinKeyLength and <= MaxKeyLength }
            ? key
            : throw new InvalidOperationException($"The API key at '{path}' is not {MinKeyLength} to {MaxKeyLength} characters long.");
}
