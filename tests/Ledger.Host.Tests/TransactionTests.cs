using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary><c>POST /transactions</c> (mint, burn, operation) and <c>GET /accounts/{id}/balance</c>.</summary>
public sealed class TransactionTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task Mint_credits_the_account_against_the_issuance_contra_account()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        var body = LedgerClient.Transaction("mint", accountId, 250, reason: "credit_purchase");
        body["memo"] = "Starter pack\nthank you";
        body["category"] = "purchases";
        var entry = (await app1.PostAsync("/transactions", body)).Expect(201).Json;

        Assert.Equal("mint", entry.GetProperty("kind").GetString());
        Assert.Equal(accountId, entry.GetProperty("account_id").GetString());
        Assert.Equal(250, entry.GetProperty("amount").GetInt64());
        Assert.Equal(250, entry.GetProperty("balance_after").GetInt64());
        Assert.Equal("credit_purchase", entry.GetProperty("reason").GetString());
        Assert.Equal("Starter pack\nthank you", entry.GetProperty("memo").GetString());
        Assert.Equal("purchases", entry.GetProperty("category").GetString());
        Assert.Equal("$issuance", entry.GetProperty("counterparty").GetString());
        Assert.StartsWith("tx_", entry.GetProperty("transaction_id").GetString());
        AssertLegsBalance(entry);
        Assert.Equal(250, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task Burn_debits_and_may_empty_the_account_but_not_go_below_the_floor()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 30);

        var burned = (await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 30, reason: "creator_payout"))).Expect(201).Json;
        Assert.Equal(-30, burned.GetProperty("amount").GetInt64());
        Assert.Equal(0, burned.GetProperty("balance_after").GetInt64());
        AssertLegsBalance(burned);

        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 1, reason: "expiry")), 422, "insufficient_funds");
        Assert.Equal(0, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task A_negative_floor_allows_exactly_that_overdraft()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner(), floor: -5);

        (await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 5))).Expect(201);
        var before = await app1.SnapshotAsync(accountId);
        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 1)), 422, "insufficient_funds");

        Assert.Equal(before, await app1.SnapshotAsync(accountId));
        var balance = (await app1.GetAsync($"/accounts/{accountId}/balance")).Expect(200).Json;
        Assert.Equal(-5, balance.GetProperty("balance").GetInt64());
        Assert.Equal(-5, balance.GetProperty("available").GetInt64());
    }

    [Theory]
    [InlineData("DAILY_REWARD", null, 1)]
    [InlineData("SIGNUP_CREDIT", null, 3)]
    [InlineData("CREDIT_ADD", 10L, 10)]
    [InlineData("CREDIT_SPEND", null, -1)]
    [InlineData("CONTENT_CREATION", 5L, -5)]
    [InlineData("CONTENT_ACCESS", 7L, -7)]
    public async Task Operation_posts_the_catalog_amount_with_the_catalog_direction(string operation, long? amount, long expected)
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 100);

        var entry = (await app1.PostAsync("/transactions", LedgerClient.Transaction("operation", accountId, amount, operation, reason: null))).Expect(201).Json;

        Assert.Equal("operation", entry.GetProperty("kind").GetString());
        Assert.Equal(operation, entry.GetProperty("operation").GetString());
        Assert.Equal(expected, entry.GetProperty("amount").GetInt64());
        Assert.Equal(operation.ToLowerInvariant(), entry.GetProperty("reason").GetString());
        AssertLegsBalance(entry);
        Assert.Equal(100 + expected, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task Operation_keeps_a_reason_memo_and_category_the_caller_gives()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 10);
        var body = LedgerClient.Transaction("operation", accountId, 3, "CONTENT_ACCESS", reason: "content_unlock");
        body["memo"] = "Episode 4";
        body["category"] = "video";

        var entry = (await app1.PostAsync("/transactions", body)).Expect(201).Json;

        Assert.Equal("content_unlock", entry.GetProperty("reason").GetString());
        Assert.Equal("Episode 4", entry.GetProperty("memo").GetString());
        Assert.Equal("video", entry.GetProperty("category").GetString());
    }

    [Fact]
    public async Task Balance_reports_balance_pending_and_available()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 42);

        var balance = (await app1.GetAsync($"/accounts/{accountId}/balance")).Expect(200).Json;

        Assert.Equal(accountId, balance.GetProperty("account_id").GetString());
        Assert.Equal(42, balance.GetProperty("balance").GetInt64());
        Assert.Equal(0, balance.GetProperty("pending").GetInt64());
        Assert.Equal(42, balance.GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task Balance_as_of_an_instant_reads_the_balance_then()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var first = (await app1.MintAsync(accountId, 5)).Json.GetProperty("posted_at").GetDateTimeOffset();
        var second = (await app1.MintAsync(accountId, 7)).Json.GetProperty("posted_at").GetDateTimeOffset();
        Assert.True(second > first);

        Assert.Equal(0, await BalanceAsOf(app1, accountId, first.AddTicks(-1)));
        Assert.Equal(5, await BalanceAsOf(app1, accountId, first));
        Assert.Equal(5, await BalanceAsOf(app1, accountId, second.AddTicks(-1)));
        Assert.Equal(12, await BalanceAsOf(app1, accountId, second));
        Assert.Equal(12, await BalanceAsOf(app1, accountId, second.AddYears(1)));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("12345")]
    public async Task Balance_as_of_something_that_is_not_an_instant_is_400(string asOf)
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        ProblemAssert.Is(await app1.GetAsync($"/accounts/{accountId}/balance?asOf={Uri.EscapeDataString(asOf)}"), 400, "invalid_field");
    }

    [Fact]
    public async Task Mint_burn_and_operation_share_one_key_space_per_app()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var nonce = Ids.Nonce();
        (await app1.MintAsync(accountId, 10, nonce)).Expect(201);
        var before = await app1.SnapshotAsync(accountId);

        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 10, nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("operation", accountId, null, "CREDIT_ADD", reason: null, nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(accountId, "CREDIT_ADD", nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/accounts", new JsonObject { ["owner_id"] = Ids.Owner(), ["nonce"] = nonce }), 409, "idempotency_key_reused");

        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    private static async Task<long> BalanceAsOf(LedgerClient client, string accountId, DateTimeOffset asOf)
    {
        var response = (await client.GetAsync($"/accounts/{accountId}/balance?asOf={Uri.EscapeDataString(asOf.ToString("O"))}")).Expect(200).Json;
        return response.GetProperty("balance").GetInt64();
    }

    private static void AssertLegsBalance(JsonElement entry)
    {
        var legs = entry.GetProperty("legs").EnumerateArray().ToArray();
        Assert.Equal(2, legs.Length);
        Assert.Equal(0, legs.Sum(leg => leg.GetProperty("amount").GetInt64()));
        Assert.Contains(legs, leg => leg.GetProperty("account_id").GetString() == "$issuance");
        Assert.Contains(legs, leg => leg.GetProperty("account_id").GetString() == entry.GetProperty("account_id").GetString() && leg.GetProperty("amount").GetInt64() == entry.GetProperty("amount").GetInt64());
    }
}
