using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ledger.Host.Tests.Authentication;

/// <summary>
/// X-Api-Key through the ASP.NET Core authentication handler: keys configured in plain text or as SHA-256
/// digests, each with its scopes; a client app's key posts its catalog's operations and nothing more; 401s
/// keep their codes and say how to authenticate; a key configured twice stops the host.
/// </summary>
public sealed class ApiKeyAuthenticationTests : IClassFixture<ApiKeyAuthenticationTests.Fixture>
{
    private readonly SecuredLedger _ledger;

    public ApiKeyAuthenticationTests(Fixture fixture) => _ledger = fixture.Secured;

    [Fact]
    public async Task A_catalog_only_key_posts_its_catalogs_operations_but_gets_403_on_a_mint_and_a_burn()
    {
        using var catalog = _ledger.Client(SecuredLedger.KeyFor(LedgerScopes.Operations));
        using var admin = _ledger.Client(LedgerApiFactory.App1Key);
        var owner = Ids.Owner();
        var accountId = await admin.OpenAccountAsync(owner);

        var posted = await catalog.PostAsync("/ledger", new JsonObject { ["owner_id"] = owner, ["operation"] = "DAILY_REWARD", ["nonce"] = Ids.Nonce() });
        posted.Expect(201);

        var before = await admin.SnapshotAsync(accountId);
        foreach (var kind in new[] { "mint", "burn" })
        {
            var refused = await catalog.PostAsync("/transactions", LedgerClient.Transaction(kind, accountId, 1_000_000));
            var problem = ProblemAssert.Is(refused, 403, ErrorCodes.InsufficientScope);
            Assert.Contains(LedgerScopes.Issue, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await admin.SnapshotAsync(accountId));
    }

    [Fact]
    public async Task A_key_with_the_issue_scope_mints_through_the_same_route()
    {
        using var issuer = _ledger.Client(SecuredLedger.KeyFor(LedgerScopes.Issue));
        using var admin = _ledger.Client(LedgerApiFactory.App1Key);
        var accountId = await admin.OpenAccountAsync(Ids.Owner());

        (await issuer.PostAsync("/transactions", LedgerClient.Transaction("mint", accountId, 25))).Expect(201);
        var operation = await issuer.PostAsync("/transactions", LedgerClient.Transaction("operation", accountId, null, operation: "DAILY_REWARD"));

        ProblemAssert.Is(operation, 403, ErrorCodes.InsufficientScope);
    }

    [Fact]
    public async Task A_key_configured_by_its_SHA256_digest_authenticates_with_its_scopes_only()
    {
        using var admin = _ledger.Client(LedgerApiFactory.App1Key);
        using var reader = _ledger.Client(SecuredLedger.HashedReadKey);
        var accountId = await admin.OpenAccountAsync(Ids.Owner());

        (await reader.GetAsync($"/accounts/{accountId}/balance")).Expect(200);
        ProblemAssert.Is(await reader.PostAsync("/accounts", new JsonObject { ["owner_id"] = Ids.Owner(), ["nonce"] = Ids.Nonce() }), 403, ErrorCodes.InsufficientScope);

        // The digest itself is not a key.
        using var digest = _ledger.Client(SecuredLedger.Settings()["Ledger:Apps:app1:Keys:100:Sha256"]);
        ProblemAssert.Is(await digest.GetAsync($"/accounts/{accountId}/balance"), 401, ErrorCodes.InvalidApiKey);
    }

    [Fact]
    public async Task Without_a_credential_the_401_keeps_its_code_and_names_both_schemes()
    {
        using var anonymous = _ledger.Client(apiKey: null);

        var missing = await anonymous.GetAsync("/accounts/acct-1");

        ProblemAssert.Is(missing, 401, ErrorCodes.MissingApiKey);
        Assert.Equal("ApiKey header=\"X-Api-Key\", Bearer", missing.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task An_unknown_key_or_a_key_sent_twice_is_invalid_api_key()
    {
        using var client = _ledger.Client(apiKey: null);

        var unknown = await client.GetAsync("/accounts/acct-1", ("X-Api-Key", "not-a-configured-key"));
        var twice = await client.GetAsync("/accounts/acct-1", ("X-Api-Key", LedgerApiFactory.App1Key), ("X-Api-Key", LedgerApiFactory.App1Key));

        foreach (var response in new[] { unknown, twice })
        {
            ProblemAssert.Is(response, 401, ErrorCodes.InvalidApiKey);
            Assert.StartsWith("ApiKey", response.Header("WWW-Authenticate"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_plain_ApiKeys_entry_keeps_every_app_scope()
    {
        using var legacy = _ledger.Client(LedgerApiFactory.App1Key);
        var accountId = await legacy.OpenAccountAsync(Ids.Owner());

        (await legacy.PostAsync("/transactions", LedgerClient.Transaction("mint", accountId, 10))).Expect(201);
        (await legacy.PostAsync($"/accounts/{accountId}/freeze")).Expect(200);
    }

    [Fact]
    public async Task A_key_configured_for_two_apps_stops_the_host_at_start_naming_both_places_but_not_the_key()
    {
        await using var factory = new LedgerApiFactory();
        await using var host = factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Ledger:Apps:app2:Keys:7:Key", LedgerApiFactory.App1Key);
            builder.UseSetting("Ledger:Apps:app2:Keys:7:Scopes:0", LedgerScopes.Read);
        });

        var refused = Assert.ThrowsAny<InvalidOperationException>(() => host.CreateClient());

        var message = refused.InnerException?.Message ?? refused.Message;
        Assert.Contains("Ledger:Apps:app1:ApiKeys:0", message, StringComparison.Ordinal);
        Assert.Contains("Ledger:Apps:app2:Keys:7", message, StringComparison.Ordinal);
        Assert.DoesNotContain(LedgerApiFactory.App1Key, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_compared_as_digests_in_constant_time_against_every_configured_key()
    {
        var registry = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Ledger.Http", "AppRegistry.cs"));
        var findKey = Regex.Match(registry, @"public ApiKeyCredential\? FindKey\(string presentedKey\)\s*\{(?<body>.*?)\n    \}", RegexOptions.Singleline).Groups["body"].Value;

        Assert.Contains("CryptographicOperations.FixedTimeEquals(presented, key.Digest)", findKey, StringComparison.Ordinal);
        Assert.DoesNotContain("break", findKey, StringComparison.Ordinal);
        Assert.DoesNotContain("return key", findKey, StringComparison.Ordinal);
        Assert.DoesNotContain("SequenceEqual", registry, StringComparison.Ordinal);
    }

    /// <summary>The checkout this test was compiled from (the build output may live elsewhere).</summary>
    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    /// <summary>One secured host for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public SecuredLedger Secured { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => Secured.DisposeAsync().AsTask();
    }
}
