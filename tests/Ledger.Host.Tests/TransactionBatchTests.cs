using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;
using Ledger.Http.Authentication;

namespace Ledger.Host.Tests;

/// <summary><c>POST /transactions/batch</c>: many postings in one request, each answered on its own.</summary>
public sealed class TransactionBatchTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    private const string Route = "/transactions/batch";

    [Fact]
    public async Task Each_item_is_answered_in_request_order_with_its_own_status_and_entry_or_problem()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        var answer = (await app1.PostAsync(Route, Batch(
            LedgerClient.Transaction("mint", accountId, 100),
            LedgerClient.Transaction("burn", accountId, 1_000),
            LedgerClient.Transaction("mint", "no-such-account", 5),
            LedgerClient.Transaction("mint", accountId, 0),
            LedgerClient.Transaction("operation", accountId, amount: null, operation: "CREDIT_SPEND", reason: null)))).Expect(200).Json;

        Assert.Equal([201, 422, 404, 400, 201], Statuses(answer));
        Assert.Equal(["insufficient_funds", "account_not_found", "invalid_amount"], Codes(answer));
        var results = answer.GetProperty("results");
        Assert.Equal(100, results[0].GetProperty("entry").GetProperty("balance_after").GetInt64());
        Assert.Equal(99, results[4].GetProperty("entry").GetProperty("balance_after").GetInt64());
        Assert.False(results[1].TryGetProperty("entry", out _));
        Assert.Equal(2, answer.GetProperty("posted").GetInt32());
        Assert.Equal(3, answer.GetProperty("refused").GetInt32());
        Assert.Equal(99, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task Replaying_a_batch_answers_every_item_as_before_and_changes_nothing()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var batch = Batch(LedgerClient.Transaction("mint", accountId, 40), LedgerClient.Transaction("burn", accountId, 500), LedgerClient.Transaction("burn", accountId, 15));

        var first = (await app1.PostAsync(Route, batch.ToJsonString())).Expect(200);
        var before = await app1.SnapshotAsync(accountId);
        var replay = (await app1.PostAsync(Route, batch.ToJsonString())).Expect(200);

        Assert.Equal(first.Body, replay.Body);
        Assert.Equal(before, await app1.SnapshotAsync(accountId));
        Assert.Equal(25, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task An_item_shares_its_key_space_with_POST_transactions()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var single = (await app1.MintAsync(accountId, 30)).Json;
        var nonce = "batch-shared-" + Guid.NewGuid().ToString("N");
        var item = LedgerClient.Transaction("mint", accountId, 7, nonce: nonce);

        var batched = (await app1.PostAsync(Route, Batch(item.DeepClone().AsObject()))).Expect(200).Json.GetProperty("results")[0];
        var replayedAlone = (await app1.PostAsync("/transactions", item)).Expect(201).Json;

        Assert.Equal(201, batched.GetProperty("status").GetInt32());
        Assert.Equal(batched.GetProperty("entry").GetRawText(), replayedAlone.GetRawText());
        Assert.NotEqual(single.GetProperty("transaction_id").GetString(), replayedAlone.GetProperty("transaction_id").GetString());
        Assert.Equal(37, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task A_nonce_reused_with_another_body_is_refused_for_that_item_only()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var nonce = "batch-reuse-" + Guid.NewGuid().ToString("N");
        (await app1.PostAsync("/transactions", LedgerClient.Transaction("mint", accountId, 10, nonce: nonce))).Expect(201);

        var answer = (await app1.PostAsync(Route, Batch(
            LedgerClient.Transaction("mint", accountId, 11, nonce: nonce),
            LedgerClient.Transaction("mint", accountId, 5)))).Expect(200).Json;

        Assert.Equal([409, 201], Statuses(answer));
        Assert.Equal(["idempotency_key_reused"], Codes(answer));
        Assert.Equal(15, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task Racing_debits_in_one_batch_never_overdraw_and_the_refusals_are_exact()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 50);

        var burns = Enumerable.Range(0, 120).Select(_ => LedgerClient.Transaction("burn", accountId, 1)).ToArray();
        var answer = (await app1.PostAsync(Route, Batch(burns))).Expect(200).Json;

        Assert.Equal(50, Statuses(answer).Count(status => status == 201));
        Assert.Equal(70, Codes(answer).Count(code => code == "insufficient_funds"));
        Assert.Equal(0, await app1.BalanceAsync(accountId));
        var balancesAfter = answer.GetProperty("results").EnumerateArray()
            .Where(result => result.GetProperty("status").GetInt32() == 201)
            .Select(result => result.GetProperty("entry").GetProperty("balance_after").GetInt64())
            .Order();
        Assert.Equal(Enumerable.Range(0, 50).Select(balance => (long)balance), balancesAfter);
    }

    [Fact]
    public async Task A_batch_of_the_most_items_allowed_posts_every_one()
    {
        using var app1 = factory.App1();
        var accounts = new List<string>();
        for (var index = 0; index < 10; index++)
        {
            accounts.Add(await app1.OpenAccountAsync(Ids.Owner()));
        }

        var items = Enumerable.Range(0, LedgerApi.MaxBatchItems).Select(index => LedgerClient.Transaction("mint", accounts[index % accounts.Count], index + 1)).ToArray();
        var answer = (await app1.PostAsync(Route, Batch(items))).Expect(200).Json;

        Assert.Equal(LedgerApi.MaxBatchItems, answer.GetProperty("posted").GetInt32());
        var expected = Enumerable.Range(0, accounts.Count).Select(account => Enumerable.Range(0, LedgerApi.MaxBatchItems).Where(index => index % accounts.Count == account).Sum(index => (long)index + 1));
        Assert.Equal(expected, await Task.WhenAll(accounts.Select(app1.BalanceAsync)));
    }

    [Fact]
    public async Task One_item_more_than_allowed_is_refused_whole_and_nothing_is_posted()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var before = await app1.SnapshotAsync(accountId);

        var items = Enumerable.Range(0, LedgerApi.MaxBatchItems + 1).Select(_ => LedgerClient.Transaction("mint", accountId, 1)).ToArray();
        var problem = ProblemAssert.Is(await app1.PostAsync(Route, Batch(items)), 400, "invalid_field");

        Assert.Equal("items", problem.GetProperty("field").GetString());
        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    [Theory]
    [InlineData("not json", "malformed_json")]
    [InlineData("[]", "malformed_json")]
    [InlineData("{}", "missing_field")]
    [InlineData("{\"items\": {}}", "invalid_field")]
    [InlineData("{\"items\": []}", "invalid_field")]
    [InlineData("{\"items\": [], \"nonce\": \"x1\"}", "unknown_field")]
    public async Task An_envelope_that_cannot_be_read_is_one_400(string body, string code)
        => ProblemAssert.Is(await factory.App1().PostAsync(Route, body), 400, code);

    [Fact]
    public async Task Two_items_with_one_nonce_refuse_the_whole_batch_and_nothing_is_posted()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var before = await app1.SnapshotAsync(accountId);

        var problem = ProblemAssert.Is(await app1.PostAsync(Route, Batch(
            LedgerClient.Transaction("mint", accountId, 1, nonce: "twice-" + accountId),
            LedgerClient.Transaction("mint", accountId, 2),
            LedgerClient.Transaction("mint", accountId, 1, nonce: "twice-" + accountId))), 400, "invalid_field");

        Assert.Equal("items[2].nonce", problem.GetProperty("field").GetString());
        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    [Fact]
    public async Task A_batch_takes_no_Idempotency_Key_of_its_own()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());

        var problem = ProblemAssert.Is(await app1.PostAsync(Route, Batch(LedgerClient.Transaction("mint", accountId, 1)).ToJsonString(), "application/json", ("Idempotency-Key", "batch-key-1")), 400, "invalid_field");

        Assert.Equal("Idempotency-Key", problem.GetProperty("field").GetString());
        Assert.Equal(0, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task A_body_over_the_batch_bound_is_413_and_one_under_the_single_bound_is_not_the_limit()
    {
        using var app1 = factory.App1();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var memo = new string('m', 400);
        var items = Enumerable.Range(0, 200).Select(_ =>
        {
            var item = LedgerClient.Transaction("mint", accountId, 1);
            item["memo"] = memo;
            return item;
        }).ToArray();
        var large = Batch(items).ToJsonString();
        Assert.True(Encoding.UTF8.GetByteCount(large) > RequestBody.MaxBytes * 4, "the batch must exceed the host's bound for other routes");

        (await app1.PostAsync(Route, large)).Expect(200);
        var tooLarge = "{\"items\": [" + string.Join(",", Enumerable.Repeat("{\"memo\":\"" + new string('x', 1000) + "\"}", 1100)) + "]}";
        ProblemAssert.Is(await app1.PostAsync(Route, tooLarge), 413, "body_too_large");
        ProblemAssert.Is(await app1.PostAsync("/transactions", "{\"memo\":\"" + new string('x', RequestBody.MaxBytes) + "\"}"), 413, "body_too_large");
        Assert.Equal(200, await app1.BalanceAsync(accountId));
    }

    [Fact]
    public async Task Each_item_needs_the_scope_its_kind_needs()
    {
        await using var secured = new SecuredLedger();
        using var admin = secured.Client(LedgerApiFactory.App1Key);
        using var operations = secured.Client(SecuredLedger.KeyFor(LedgerScopes.Operations));
        var accountId = await admin.OpenAccountAsync(Ids.Owner());
        await admin.MintAsync(accountId, 10);

        var answer = (await operations.PostAsync(Route, Batch(
            LedgerClient.Transaction("mint", accountId, 5),
            LedgerClient.Transaction("operation", accountId, amount: null, operation: "CREDIT_SPEND", reason: null)))).Expect(200).Json;

        Assert.Equal([403, 201], Statuses(answer));
        Assert.Equal(["insufficient_scope"], Codes(answer));
        ProblemAssert.Is(await secured.Client(SecuredLedger.KeyFor(LedgerScopes.Read)).PostAsync(Route, Batch(LedgerClient.Transaction("mint", accountId, 5))), 403, "insufficient_scope");
        Assert.Equal(9, await admin.BalanceAsync(accountId));
    }

    private static JsonObject Batch(params JsonObject[] items) => new() { ["items"] = new JsonArray([.. items]) };

    private static int[] Statuses(JsonElement answer)
        => answer.GetProperty("results").EnumerateArray().Select(result => result.GetProperty("status").GetInt32()).ToArray();

    private static string[] Codes(JsonElement answer)
        => answer.GetProperty("results").EnumerateArray()
            .Where(result => result.TryGetProperty("problem", out _))
            .Select(result => result.GetProperty("problem").GetProperty("code").GetString()!)
            .ToArray();
}
