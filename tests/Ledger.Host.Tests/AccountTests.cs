using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary>Accounts: open, get, list by owner, freeze, unfreeze, close, and the refusals each state brings.</summary>
public sealed class AccountTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task Open_returns_201_with_a_Location_and_the_account_reads_back()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var accountId = Ids.Owner("acct");

        var opened = (await app1.PostAsync("/accounts", new JsonObject { ["owner_id"] = owner, ["account_id"] = accountId, ["floor"] = -5, ["low_balance_threshold"] = 3, ["nonce"] = Ids.Nonce() })).Expect(201);

        Assert.Equal($"/accounts/{accountId}", opened.Header("Location"));
        var account = opened.Json;
        Assert.Equal(accountId, account.GetProperty("account_id").GetString());
        Assert.Equal(owner, account.GetProperty("owner_id").GetString());
        Assert.Equal("app1", account.GetProperty("app_id").GetString());
        Assert.Equal("open", account.GetProperty("status").GetString());
        Assert.Equal(-5, account.GetProperty("floor").GetInt64());
        Assert.Equal(0, account.GetProperty("balance").GetInt64());
        Assert.Equal(3, account.GetProperty("low_balance_threshold").GetInt64());

        var read = (await app1.GetAsync($"/accounts/{accountId}")).Expect(200);
        Assert.Equal(opened.Body, read.Body);
    }

    [Fact]
    public async Task Open_without_an_account_id_derives_one_from_the_request_so_a_retry_gets_the_same_account()
    {
        using var app1 = factory.App1();
        var body = new JsonObject { ["owner_id"] = Ids.Owner(), ["nonce"] = Ids.Nonce() };

        var first = (await app1.PostAsync("/accounts", body.ToJsonString())).Expect(201);
        var again = (await app1.PostAsync("/accounts", body.ToJsonString())).Expect(201);

        var id = first.Json.GetProperty("account_id").GetString();
        Assert.StartsWith("acc_", id);
        Assert.Equal(first.Body, again.Body);
    }

    [Fact]
    public async Task Opening_an_existing_account_id_again_is_409_account_already_exists_and_changes_nothing()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var accountId = await app1.OpenAccountAsync(owner);
        await app1.MintAsync(accountId, 7);
        var before = await app1.SnapshotAsync(accountId);

        ProblemAssert.Is(await app1.PostAsync("/accounts", new JsonObject { ["owner_id"] = owner, ["account_id"] = accountId, ["nonce"] = Ids.Nonce() }), 409, "account_already_exists");
        ProblemAssert.Is(await app1.PostAsync("/accounts", new JsonObject { ["owner_id"] = Ids.Owner(), ["account_id"] = accountId, ["nonce"] = Ids.Nonce() }), 409, "account_already_exists");

        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    [Fact]
    public async Task The_same_account_id_in_two_apps_is_two_accounts()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var accountId = Ids.Owner("shared-id");

        await app1.OpenAccountAsync(Ids.Owner(), accountId);
        await app2.OpenAccountAsync(Ids.Owner(), accountId);
        await app1.MintAsync(accountId, 5);

        Assert.Equal(5, await app1.BalanceAsync(accountId));
        Assert.Equal(0, await app2.BalanceAsync(accountId));
    }

    [Fact]
    public async Task List_by_owner_pages_through_every_account_of_the_owner_and_only_those()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var owner = Ids.Owner();
        var opened = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            opened.Add(await app1.OpenAccountAsync(owner, $"{owner}-{i}"));
        }

        await app1.OpenAccountAsync(Ids.Owner());
        await app2.OpenAccountAsync(owner, $"{owner}-app2");

        var listed = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = (await app1.GetAsync($"/accounts?owner_id={owner}&limit=2" + (continuation is null ? string.Empty : "&continuation=" + Uri.EscapeDataString(continuation)))).Expect(200).Json;
            var accounts = page.GetProperty("accounts").EnumerateArray().ToArray();
            Assert.True(accounts.Length <= 2);
            Assert.All(accounts, account => Assert.Equal(owner, account.GetProperty("owner_id").GetString()));
            listed.AddRange(accounts.Select(account => account.GetProperty("account_id").GetString()!));
            continuation = page.TryGetProperty("continuation", out var next) ? next.GetString() : null;
            pages++;
        }
        while (continuation is not null && pages < 10);

        Assert.Null(continuation);
        Assert.Equal(opened.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_of_an_owner_without_accounts_is_empty()
    {
        using var app1 = factory.App1();

        var page = (await app1.GetAsync($"/accounts?owner_id={Ids.Owner()}")).Expect(200).Json;

        Assert.Empty(page.GetProperty("accounts").EnumerateArray());
    }

    [Theory]
    [InlineData("/accounts", "missing_field")]
    [InlineData("/accounts?owner_id=", "invalid_field")]
    [InlineData("/accounts?owner_id=has%20space", "invalid_field")]
    [InlineData("/accounts?owner_id=someone&limit=0", "invalid_field")]
    [InlineData("/accounts?owner_id=someone&limit=201", "invalid_field")]
    [InlineData("/accounts?owner_id=someone&limit=-1", "invalid_field")]
    [InlineData("/accounts?owner_id=someone&limit=ten", "invalid_field")]
    public async Task List_with_bad_query_values_is_400(string path, string code)
    {
        using var app1 = factory.App1();

        ProblemAssert.Is(await app1.GetAsync(path), 400, code);
    }

    [Fact]
    public async Task List_with_a_continuation_this_ledger_never_issued_is_a_4xx_not_a_server_error()
    {
        using var app1 = factory.App1();

        var response = await app1.GetAsync($"/accounts?owner_id={Ids.Owner()}&continuation=not-a-continuation");

        ProblemAssert.NotServerError(response);
    }

    [Fact]
    public async Task Freeze_refuses_postings_with_409_account_frozen_and_unfreeze_allows_them_again()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var accountId = await app1.OpenAccountAsync(owner);
        await app1.MintAsync(accountId, 20);

        var frozen = (await app1.PostAsync($"/accounts/{accountId}/freeze")).Expect(200);
        Assert.Equal("frozen", frozen.Json.GetProperty("status").GetString());
        (await app1.PostAsync($"/accounts/{accountId}/freeze", "{}")).Expect(200);
        var before = await app1.SnapshotAsync(accountId);

        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("mint", accountId, 1)), 409, "account_frozen");
        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 1)), 409, "account_frozen");
        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("operation", accountId, null, "CREDIT_SPEND", reason: null)), 409, "account_frozen");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD")), 409, "account_frozen");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_SPEND")), 409, "account_frozen");
        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/close"), 409, "account_not_empty");
        Assert.Equal(before, await app1.SnapshotAsync(accountId));

        // Reads still work while frozen.
        Assert.Equal(20, await app1.LedgerBalanceAsync(owner));

        var unfrozen = (await app1.PostAsync($"/accounts/{accountId}/unfreeze")).Expect(200);
        Assert.Equal("open", unfrozen.Json.GetProperty("status").GetString());
        (await app1.PostAsync($"/accounts/{accountId}/unfreeze")).Expect(200);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_SPEND"))).Expect(201);
        Assert.Equal(19, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task Close_of_a_non_empty_account_is_409_account_not_empty_and_changes_nothing()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 1);
        var before = await app1.SnapshotAsync(accountId);

        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/close"), 409, "account_not_empty");

        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    [Fact]
    public async Task A_closed_account_refuses_postings_and_status_changes_with_409_account_closed()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var accountId = await app1.OpenAccountAsync(owner);
        await app1.MintAsync(accountId, 3);
        (await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 3))).Expect(201);

        var closed = (await app1.PostAsync($"/accounts/{accountId}/close")).Expect(200);
        Assert.Equal("closed", closed.Json.GetProperty("status").GetString());
        (await app1.PostAsync($"/accounts/{accountId}/close")).Expect(200);
        var before = await app1.SnapshotAsync(accountId);

        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("mint", accountId, 1)), 409, "account_closed");
        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", accountId, 1)), 409, "account_closed");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "SIGNUP_CREDIT")), 409, "account_closed");
        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/freeze"), 409, "account_closed");
        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/unfreeze"), 409, "account_closed");

        Assert.Equal(before, await app1.SnapshotAsync(accountId));
        Assert.Equal(0, await app1.LedgerBalanceAsync(owner));
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/balance")]
    [InlineData("GET", "/entries")]
    [InlineData("POST", "/freeze")]
    [InlineData("POST", "/unfreeze")]
    [InlineData("POST", "/close")]
    public async Task Every_account_route_answers_404_account_not_found_for_unknown_impossible_and_other_apps_accounts(string method, string suffix)
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var theirs = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(theirs, 4);
        var before = await app1.SnapshotAsync(theirs);

        foreach (var accountId in new[] { Ids.Owner("nobody"), "%24issuance", "has%20space", new string('a', 129) })
        {
            var path = $"/accounts/{accountId}{suffix}";
            ProblemAssert.Is(await app1.SendAsync(new HttpMethod(method), path, null), 404, "account_not_found");
        }

        // app2 can neither see nor touch app1's account, and learns nothing of its existence.
        var fromOtherApp = await app2.SendAsync(new HttpMethod(method), $"/accounts/{theirs}{suffix}", null);
        ProblemAssert.Is(fromOtherApp, 404, "account_not_found");
        Assert.Equal(before, await app1.SnapshotAsync(theirs));
    }

    [Fact]
    public async Task Another_apps_account_cannot_be_posted_to_and_stays_unchanged()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var owner = Ids.Owner();
        var theirs = await app1.OpenAccountAsync(owner);
        await app1.MintAsync(theirs, 4);
        var before = await app1.SnapshotAsync(theirs);

        ProblemAssert.Is(await app2.PostAsync("/transactions", LedgerClient.Transaction("mint", theirs, 1)), 404, "account_not_found");
        ProblemAssert.Is(await app2.PostAsync("/transactions", LedgerClient.Transaction("burn", theirs, 1)), 404, "account_not_found");
        ProblemAssert.Is(await app2.PostAsync("/transactions", LedgerClient.Transaction("operation", theirs, null, "CREDIT_ADD")), 404, "account_not_found");
        Assert.Empty((await app2.GetAsync($"/accounts?owner_id={owner}")).Expect(200).Json.GetProperty("accounts").EnumerateArray());

        Assert.Equal(before, await app1.SnapshotAsync(theirs));
    }

    [Fact]
    public async Task Status_routes_accept_only_an_optional_nonce_in_their_body()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var before = await app1.SnapshotAsync(accountId);

        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/freeze", "{\"status\":\"frozen\"}"), 400, "unknown_field");
        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/freeze", "{\"nonce\":"), 400, "malformed_json");
        ProblemAssert.Is(await app1.PostAsync($"/accounts/{accountId}/close", "close", "text/plain"), 415, "unsupported_media_type");
        Assert.Equal(before, await app1.SnapshotAsync(accountId));

        (await app1.PostAsync($"/accounts/{accountId}/freeze", new JsonObject { ["nonce"] = Ids.Nonce() })).Expect(200);
    }
}
