using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary>
/// Idempotency over HTTP: a repeat gets the original status and exact body with no second effect; the
/// Idempotency-Key header and the body's nonce are the same key; a key bound to one request refuses any
/// other; concurrent duplicates take effect once.
/// </summary>
public sealed class IdempotencyTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    private const int ConcurrentDuplicates = 50;

    [Fact]
    public async Task A_replayed_ledger_post_returns_the_original_status_and_exact_body_even_after_later_postings()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var body = LedgerClient.Ledger(owner, "CREDIT_ADD", 10).ToJsonString();

        var original = (await app1.PostAsync("/ledger", body)).Expect(201);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "SIGNUP_CREDIT"))).Expect(201);
        var replay = await app1.PostAsync("/ledger", body);

        Assert.Equal(original.Status, replay.Status);
        Assert.Equal(original.MediaType, replay.MediaType);
        Assert.Equal(original.Body, replay.Body);
        Assert.Equal(13, await app1.LedgerBalanceAsync(owner));
        Assert.Equal(2, await EntryCount(app1, owner));
    }

    [Fact]
    public async Task A_replayed_transaction_returns_the_exact_original_body()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var body = LedgerClient.Transaction("mint", accountId, 25, reason: "signup_bonus").ToJsonString();

        var original = (await app1.PostAsync("/transactions", body)).Expect(201);
        var replays = new List<ApiResponse>();
        for (var i = 0; i < 3; i++)
        {
            replays.Add(await app1.PostAsync("/transactions", body));
        }

        Assert.All(replays, replay => Assert.Equal((original.Status, original.Body), (replay.Status, replay.Body)));
        Assert.Equal(25, await app1.BalanceAsync(accountId));
        Assert.Equal(1, await EntryCount(app1, accountId));
    }

    [Fact]
    public async Task A_replay_is_recognised_by_meaning_not_bytes()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var nonce = Ids.Nonce();

        var original = (await app1.PostAsync("/ledger", $$"""{"owner_id":"{{owner}}","operation":"CREDIT_ADD","nonce":"{{nonce}}"}""")).Expect(201);
        var reordered = await app1.PostAsync("/ledger", $$"""
            {
              "nonce": "{{nonce}}",
              "amount": 10,
              "operation": "CREDIT_ADD",
              "owner_id": "{{owner}}"
            }
            """);

        Assert.Equal((original.Status, original.Body), (reordered.Status, reordered.Body));
        Assert.Equal(10, await app1.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task The_Idempotency_Key_header_is_the_same_key_as_the_body_nonce()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var key = Ids.Nonce();
        var withoutNonce = LedgerClient.Ledger(owner, "CREDIT_ADD");
        withoutNonce.Remove("nonce");

        var byHeader = (await app1.PostAsync("/ledger", withoutNonce, ("Idempotency-Key", key))).Expect(201);
        var byNonce = await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD", nonce: key));
        var byBoth = await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD", nonce: key), ("Idempotency-Key", key));

        Assert.Equal(key, byHeader.Json.GetProperty("nonce").GetString());
        Assert.Equal((byHeader.Status, byHeader.Body), (byNonce.Status, byNonce.Body));
        Assert.Equal((byHeader.Status, byHeader.Body), (byBoth.Status, byBoth.Body));
        Assert.Equal(10, await app1.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task The_Idempotency_Key_header_works_for_transactions_and_accounts_too()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var openKey = Ids.Nonce();
        var open = new JsonObject { ["owner_id"] = owner, ["account_id"] = owner };

        var opened = (await app1.PostAsync("/accounts", open, ("Idempotency-Key", openKey))).Expect(201);
        var reopened = await app1.PostAsync("/accounts", new JsonObject { ["owner_id"] = owner, ["account_id"] = owner, ["nonce"] = openKey });
        Assert.Equal((opened.Status, opened.Body), (reopened.Status, reopened.Body));

        var mintKey = Ids.Nonce();
        var mint = LedgerClient.Transaction("mint", owner, 4);
        mint.Remove("nonce");
        var minted = (await app1.PostAsync("/transactions", mint.ToJsonString(), "application/json", ("Idempotency-Key", mintKey))).Expect(201);
        var reminted = await app1.PostAsync("/transactions", LedgerClient.Transaction("mint", owner, 4, nonce: mintKey));
        Assert.Equal((minted.Status, minted.Body), (reminted.Status, reminted.Body));
        Assert.Equal(4, await app1.BalanceAsync(owner));
    }

    [Fact]
    public async Task Header_and_nonce_that_differ_are_400_and_take_no_effect_under_either_key()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var headerKey = Ids.Nonce();
        var bodyKey = Ids.Nonce();

        var response = await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD", nonce: bodyKey), ("Idempotency-Key", headerKey));

        var problem = ProblemAssert.Is(response, 400, "invalid_field");
        Assert.Equal("nonce", problem.GetProperty("field").GetString());
        Assert.Equal(0, await app1.LedgerBalanceAsync(owner));

        // Neither key was bound: both are free for a new request.
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "DAILY_REWARD", nonce: bodyKey))).Expect(201);
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "SIGNUP_CREDIT", nonce: headerKey))).Expect(201);
        Assert.Equal(4, await app1.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task A_key_reused_for_a_different_request_is_409_and_changes_nothing()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var nonce = Ids.Nonce();
        var original = (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD", nonce: nonce))).Expect(201);
        var before = await app1.SnapshotAsync(owner);

        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "DAILY_REWARD", nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(Ids.Owner(), "CREDIT_ADD", nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_SPEND", nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/transactions", LedgerClient.Transaction("mint", owner, 10, nonce: nonce)), 409, "idempotency_key_reused");

        Assert.Equal(before, await app1.SnapshotAsync(owner));
        var replay = await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD", nonce: nonce));
        Assert.Equal((original.Status, original.Body), (replay.Status, replay.Body));
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_app()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var owner = Ids.Owner();
        var nonce = Ids.Nonce();

        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD", nonce: nonce))).Expect(201);
        (await app2.PostAsync("/ledger", LedgerClient.Ledger(owner, "REFERRAL_BONUS", nonce: nonce))).Expect(201);

        Assert.Equal(10, await app1.LedgerBalanceAsync(owner));
        Assert.Equal(25, await app2.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task Concurrent_identical_ledger_posts_take_effect_once_and_all_get_the_same_answer()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var body = LedgerClient.Ledger(owner, "CREDIT_ADD").ToJsonString();

        var responses = await Task.WhenAll(Enumerable.Range(0, ConcurrentDuplicates).Select(_ => app1.PostAsync("/ledger", body)));

        Assert.All(responses, response => response.Expect(201));
        Assert.Single(responses.Select(response => response.Body).Distinct(StringComparer.Ordinal));
        Assert.Equal(10, await app1.LedgerBalanceAsync(owner));
        Assert.Equal(1, await EntryCount(app1, owner));
    }

    [Fact]
    public async Task Concurrent_identical_mints_take_effect_once_and_all_get_the_same_answer()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var body = LedgerClient.Transaction("mint", accountId, 7).ToJsonString();

        var responses = await Task.WhenAll(Enumerable.Range(0, ConcurrentDuplicates).Select(_ => app1.PostAsync("/transactions", body)));

        Assert.All(responses, response => response.Expect(201));
        Assert.Single(responses.Select(response => response.Body).Distinct(StringComparer.Ordinal));
        Assert.Equal(7, await app1.BalanceAsync(accountId));
        Assert.Equal(1, await EntryCount(app1, accountId));
    }

    [Fact]
    public async Task Concurrent_identical_debits_that_only_fit_once_all_get_the_original_success()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "DAILY_REWARD"))).Expect(201);
        var body = LedgerClient.Ledger(owner, "CREDIT_SPEND").ToJsonString();

        var responses = await Task.WhenAll(Enumerable.Range(0, ConcurrentDuplicates).Select(_ => app1.PostAsync("/ledger", body)));

        Assert.Equal(0, await app1.LedgerBalanceAsync(owner));
        Assert.Equal(2, await EntryCount(app1, owner));
        var outcomes = string.Join(", ", responses.GroupBy(response => response.Status).Select(group => $"{group.Count()} x {group.Key}"));
        Assert.True(responses.All(response => response.Status == 201), $"Every repeat of the spend that succeeded must replay its 201; got {outcomes}: {responses.FirstOrDefault(response => response.Status != 201)}");
        Assert.Single(responses.Select(response => response.Body).Distinct(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refused_request_replayed_with_the_same_key_gets_the_original_refusal()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var spend = LedgerClient.Ledger(owner, "CONTENT_CREATION").ToJsonString();
        var refused = ProblemAssert.Is(await app1.PostAsync("/ledger", spend), 422, "insufficient_funds");

        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "CREDIT_ADD"))).Expect(201);
        var replay = await app1.PostAsync("/ledger", spend);

        // Issue 2: "Same key and same request: the original status and body again, no second effect."
        Assert.Equal(422, replay.Status);
        Assert.Equal(refused.GetProperty("code").GetString(), ProblemAssert.IsProblem(replay).GetProperty("code").GetString());
        Assert.Equal(10, await app1.LedgerBalanceAsync(owner));
    }

    private static async Task<int> EntryCount(LedgerClient client, string accountId)
        => (await client.GetAsync($"/accounts/{accountId}/entries?limit=200")).Expect(200).Json.GetProperty("entries").GetArrayLength();
}
