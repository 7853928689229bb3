using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Ledger.Domain;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http.Authentication;

namespace Ledger.Host.Tests.Authentication;

/// <summary>
/// JWT bearer tokens, as an app in Azure sends Entra ID tokens: validated for issuer, audience, lifetime and
/// signature; the app from the <c>ledger_app</c> claim or the client id mapped to an app; scopes from
/// <c>scp</c> and <c>roles</c>. Every refusal is 401 <c>invalid_token</c> with a Bearer challenge.
/// </summary>
public sealed class BearerTokenTests : IClassFixture<BearerTokenTests.Fixture>
{
    private readonly SecuredLedger _ledger;

    public BearerTokenTests(Fixture fixture) => _ledger = fixture.Secured;

    [Fact]
    public async Task A_valid_token_acts_for_its_app_with_the_scopes_of_scp_and_roles()
    {
        var token = SecuredLedger.Token(new Dictionary<string, object>
        {
            ["ledger_app"] = "app1",
            ["scp"] = $"{LedgerScopes.Accounts} {LedgerScopes.Operations}",
            ["roles"] = new[] { LedgerScopes.Read, "Unrelated.Role" },
        });
        using var client = _ledger.Bearer(token);
        using var app1 = _ledger.Client(LedgerApiFactory.App1Key);

        var owner = Ids.Owner();
        var accountId = await client.OpenAccountAsync(owner);
        (await client.PostAsync("/ledger", new JsonObject { ["owner_id"] = owner, ["operation"] = "SIGNUP_CREDIT", ["nonce"] = Ids.Nonce() })).Expect(201);

        Assert.Equal(3, (await client.GetAsync($"/accounts/{accountId}/balance")).Expect(200).Json.GetProperty("balance").GetInt64());
        (await app1.GetAsync($"/accounts/{accountId}")).Expect(200);
        ProblemAssert.Is(await client.PostAsync("/transactions", LedgerClient.Transaction("mint", accountId, 5)), 403, ErrorCodes.InsufficientScope);
    }

    [Fact]
    public async Task A_token_whose_client_id_is_mapped_acts_for_that_app()
    {
        var token = SecuredLedger.Token(new Dictionary<string, object> { ["azp"] = SecuredLedger.MappedClient, ["roles"] = new[] { LedgerScopes.Accounts, LedgerScopes.Read } });
        using var client = _ledger.Bearer(token);
        using var app1 = _ledger.Client(LedgerApiFactory.App1Key);
        using var app2 = _ledger.Client(LedgerApiFactory.App2Key);

        var accountId = await client.OpenAccountAsync(Ids.Owner());

        (await app2.GetAsync($"/accounts/{accountId}")).Expect(200);
        ProblemAssert.Is(await app1.GetAsync($"/accounts/{accountId}"), 404, ErrorCodes.AccountNotFound);
    }

    public static TheoryData<string, string> RefusedTokens() => new()
    {
        { "expired", SecuredLedger.Token(AppReader(), expires: DateTime.UtcNow.AddMinutes(-10)) },
        { "wrong audience", SecuredLedger.Token(AppReader(), audience: "api://another-api") },
        { "wrong issuer", SecuredLedger.Token(AppReader(), issuer: "https://someone-else.test/") },
        { "signed with another key", SecuredLedger.Token(AppReader(), key: RandomNumberGenerator.GetBytes(32)) },
        { "no app claim", SecuredLedger.Token(new Dictionary<string, object> { ["scp"] = LedgerScopes.Read }) },
        { "an app this ledger does not serve", SecuredLedger.Token(new Dictionary<string, object> { ["ledger_app"] = "app9", ["scp"] = LedgerScopes.Read }) },
        { "not a token", "not.a.token" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_token_that_is_not_valid_is_401_invalid_token_with_a_bearer_challenge(string why, string token)
    {
        using var client = _ledger.Bearer(token);

        var response = await client.GetAsync("/accounts/acct-1");

        Assert.True(response.Status == 401, $"{why}: {response}");
        ProblemAssert.Is(response, 401, ErrorCodes.InvalidToken);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task A_token_without_an_app_claim_is_told_which_claim_it_needs()
    {
        using var client = _ledger.Bearer(SecuredLedger.Token(new Dictionary<string, object> { ["scp"] = LedgerScopes.Read }));

        var response = await client.GetAsync("/accounts/acct-1");

        Assert.Contains("ledger_app", ProblemAssert.Is(response, 401, ErrorCodes.InvalidToken).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_token_belongs_to_no_app_sees_the_status_route_and_nothing_of_an_app()
    {
        using var client = _ledger.Bearer(SecuredLedger.Token(new Dictionary<string, object> { ["roles"] = new[] { LedgerScopes.Operator } }));

        (await client.GetAsync("/status/consumers")).Expect(200);
        ProblemAssert.Is(await client.GetAsync("/accounts/acct-1"), 403, ErrorCodes.InsufficientScope);
    }

    private static Dictionary<string, object> AppReader() => new() { ["ledger_app"] = "app1", ["scp"] = LedgerScopes.Read };

    /// <summary>One secured host for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public SecuredLedger Secured { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => Secured.DisposeAsync().AsTask();
    }
}
