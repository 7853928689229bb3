using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary>The shared-ledger contract: <c>POST /ledger</c> and <c>GET /ledger/{owner_id}</c>, as the seed documents them.</summary>
public sealed class SharedLedgerContractTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    /// <summary>The seed's first curl call, byte for byte, with app1's development key added.</summary>
    private const string SeedBody = """{"operation": "CREDIT_ADD", "amount": 10, "owner_id": "test_user", "nonce": "123e4567-e89b-12d3-a456-426655440000"}""";

    [Theory]
    [InlineData("/ledger/")]
    [InlineData("/ledger")]
    public async Task Seed_curl_examples_post_then_read_a_balance_of_10(string postPath)
    {
        // A host of its own: the seed's owner and nonce are fixed, so they must not meet another test's.
        await using var host = new LedgerApiFactory();
        using var app1 = host.App1();

        var posted = (await app1.PostAsync(postPath, SeedBody)).Expect(201);
        Assert.Equal("application/json", posted.MediaType);
        Assert.Equal("test_user", posted.Json.GetProperty("owner_id").GetString());
        Assert.Equal("CREDIT_ADD", posted.Json.GetProperty("operation").GetString());
        Assert.Equal(10, posted.Json.GetProperty("amount").GetInt64());
        Assert.Equal(10, posted.Json.GetProperty("balance").GetInt64());
        Assert.Equal("123e4567-e89b-12d3-a456-426655440000", posted.Json.GetProperty("nonce").GetString());

        var balance = (await app1.GetAsync("/ledger/test_user")).Expect(200);
        Assert.Equal("test_user", balance.Json.GetProperty("owner_id").GetString());
        Assert.Equal(10, balance.Json.GetProperty("balance").GetInt64());
        Assert.Equal(10, balance.Json.GetProperty("available").GetInt64());

        // The seed's retry of the same call is a replay, not a second credit.
        (await app1.PostAsync(postPath, SeedBody)).Expect(201);
        Assert.Equal(10, await app1.LedgerBalanceAsync("test_user"));
    }

    [Fact]
    public async Task Seed_curl_without_an_api_key_is_401_and_posts_nothing()
    {
        using var anonymous = factory.Client(apiKey: null);
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var body = SeedBody.Replace("test_user", owner, StringComparison.Ordinal).Replace("123e4567-e89b-12d3-a456-426655440000", Ids.Nonce(), StringComparison.Ordinal);

        ProblemAssert.Is(await anonymous.PostAsync("/ledger/", body), 401, "missing_api_key");
        ProblemAssert.Is(await anonymous.GetAsync($"/ledger/{owner}"), 401, "missing_api_key");
        Assert.Equal(0, await app1.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task Balance_of_an_owner_never_seen_is_zero_and_creates_nothing()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();

        var response = (await app1.GetAsync($"/ledger/{owner}")).Expect(200);
        Assert.Equal(0, response.Json.GetProperty("balance").GetInt64());
        Assert.Equal(0, response.Json.GetProperty("pending").GetInt64());
        Assert.Equal(0, response.Json.GetProperty("available").GetInt64());
        ProblemAssert.Is(await app1.GetAsync($"/accounts/{owner}"), 404, "account_not_found");
    }

    [Theory]
    [InlineData("DAILY_REWARD", 1)]
    [InlineData("SIGNUP_CREDIT", 3)]
    [InlineData("CREDIT_ADD", 10)]
    public async Task Shared_credit_operations_post_their_fixed_amount_with_or_without_the_amount_field(string operation, long amount)
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var owner = Ids.Owner();

        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, operation))).Expect(201);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, operation, amount))).Expect(201);
        (await app2.PostAsync("/ledger", LedgerClient.Ledger(owner, operation, amount))).Expect(201);

        Assert.Equal(2 * amount, await app1.LedgerBalanceAsync(owner));
        Assert.Equal(amount, await app2.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task Credit_spend_debits_one_and_the_owner_account_keeps_the_history()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "SIGNUP_CREDIT"))).Expect(201);

        var spent = (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_SPEND", 1))).Expect(201);
        Assert.Equal(-1, spent.Json.GetProperty("amount").GetInt64());
        Assert.Equal(2, spent.Json.GetProperty("balance").GetInt64());

        var entries = (await app1.GetAsync($"/accounts/{owner}/entries")).Expect(200).Json.GetProperty("entries");
        Assert.Equal(["CREDIT_SPEND", "SIGNUP_CREDIT"], entries.EnumerateArray().Select(entry => entry.GetProperty("operation").GetString()));
    }

    [Fact]
    public async Task App_specific_operations_belong_to_their_own_app()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var owner = Ids.Owner();

        (await app2.PostAsync("/ledger", LedgerClient.Ledger(owner, "REFERRAL_BONUS"))).Expect(201);
        (await app2.PostAsync("/ledger", LedgerClient.Ledger(owner, "STREAK_BONUS", 7))).Expect(201);
        (await app2.PostAsync("/ledger", LedgerClient.Ledger(owner, "PREMIUM_UNLOCK", 2))).Expect(201);
        Assert.Equal(30, await app2.LedgerBalanceAsync(owner));

        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD"))).Expect(201);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CONTENT_CREATION"))).Expect(201);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CONTENT_ACCESS", 4))).Expect(201);
        Assert.Equal(1, await app1.LedgerBalanceAsync(owner));

        // Each app's catalog is its own: app1 has no REFERRAL_BONUS, app2 no CONTENT_CREATION.
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "REFERRAL_BONUS")), 400, "unknown_operation");
        ProblemAssert.Is(await app2.PostAsync("/ledger", LedgerClient.Ledger(owner, "CONTENT_CREATION")), 400, "unknown_operation");
        Assert.Equal(1, await app1.LedgerBalanceAsync(owner));
        Assert.Equal(30, await app2.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task Overdraw_through_the_contract_is_422_and_changes_nothing()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "SIGNUP_CREDIT"))).Expect(201);
        var before = await app1.SnapshotAsync(owner);

        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CONTENT_CREATION")), 422, "insufficient_funds");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CONTENT_ACCESS", 4)), 422, "insufficient_funds");

        Assert.Equal(before, await app1.SnapshotAsync(owner));
    }

    [Fact]
    public async Task A_first_debit_of_an_owner_never_seen_is_422_and_opens_no_account()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();

        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_SPEND")), 422, "insufficient_funds");

        ProblemAssert.Is(await app1.GetAsync($"/accounts/{owner}"), 404, "account_not_found");
        Assert.Equal(0, await app1.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task An_owner_whose_default_account_id_belongs_to_someone_else_gets_409_owner_mismatch()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner("bob");
        var squatter = Ids.Owner("alice");

        // Alice opens an account whose id is Bob's owner id, then funds it.
        await app1.OpenAccountAsync(squatter, accountId: owner);
        await app1.MintAsync(owner, 50);
        var before = await app1.SnapshotAsync(owner);

        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD")), 409, "account_owner_mismatch");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_SPEND")), 409, "account_owner_mismatch");
        ProblemAssert.Is(await app1.GetAsync($"/ledger/{owner}"), 409, "account_owner_mismatch");

        Assert.Equal(before, await app1.SnapshotAsync(owner));
    }

    [Fact]
    public async Task An_invalid_owner_id_in_the_path_is_400()
    {
        using var app1 = factory.App1();

        ProblemAssert.Is(await app1.GetAsync("/ledger/has%20space"), 400, "invalid_field");
        ProblemAssert.Is(await app1.GetAsync("/ledger/" + new string('a', 129)), 400, "invalid_field");
    }
}
