using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Transfers;

/// <summary>POST /transfers/{id}/refunds and POST /transactions/{id}/refunds: partial, full, over, not refundable, replays.</summary>
public sealed class RefundRouteTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    private static async Task<(string Source, string Destination, string Transfer)> PostedTransferAsync(LedgerClient client, long amount = 60)
    {
        var (source, destination) = await TransferApi.FundedPairAsync(client, 100);
        var transfer = (await client.PostAsync("/transfers", TransferApi.Transfer(source, destination, amount))).Expect(201).Id();
        return (source, destination, transfer);
    }

    [Fact]
    public async Task A_partial_refund_answers_201_posted_refund_linked_to_the_original_with_a_Location_and_moves_the_amount_back()
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1);

        var response = await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(25));

        var body = TransferApi.AssertTransfer(response, 201, "refund", "posted", destination, source, 25);
        Assert.Equal(transfer, body.Text("refund_of"));
        Assert.Equal("refund", body.Text("reason"));
        Assert.Equal($"/transfers/{response.Id()}", response.Header("Location"));
        Assert.Equal(response.Body, (await app1.GetAsync($"/transfers/{response.Id()}")).Expect(200).Body);
        Assert.Equal((65, 0, 65), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((35, 0, 35), await TransferApi.BalanceAsync(app1, destination));

        // The original is unchanged: still posted, still the whole amount.
        var original = (await app1.GetAsync($"/transfers/{transfer}")).Expect(200).Json;
        Assert.Equal("posted", original.Text("state"));
        Assert.Equal(60, original.GetProperty("settle_amount").GetInt64());
    }

    [Fact]
    public async Task A_refund_without_an_amount_refunds_what_is_left_and_then_nothing_is_left()
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1);
        (await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(20))).Expect(201);

        var rest = await app1.PostAsync($"/transfers/{transfer}/refunds", new JsonObject { ["nonce"] = Ids.Nonce(), ["reason"] = "goodwill", ["memo"] = "sorry" });

        var body = TransferApi.AssertTransfer(rest, 201, "refund", "posted", destination, source, 40);
        Assert.Equal("goodwill", body.Text("reason"));
        Assert.Equal("sorry", body.Text("memo"));
        ProblemAssert.Is(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(null)), 422, "refund_exceeds_remaining");
        ProblemAssert.Is(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(1)), 422, "refund_exceeds_remaining");
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
    }

    [Fact]
    public async Task A_refund_of_more_than_is_left_is_422_refund_exceeds_remaining_and_moves_nothing()
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1);
        (await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(50))).Expect(201);

        var problem = ProblemAssert.Is(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(11)), 422, "refund_exceeds_remaining");

        Assert.Equal("amount", problem.Text("field"));
        ProblemAssert.Is(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(61)), 422, "refund_exceeds_remaining");
        Assert.Equal((90, 0, 90), await TransferApi.BalanceAsync(app1, source));
        (await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(10))).Expect(201);
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_refund_of_a_refund_a_voided_transfer_or_an_uncaptured_hold_is_422_transfer_not_refundable()
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1);
        var refund = (await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(10))).Expect(201).Id();
        var voided = (await app1.PostAsync("/transfers", TransferApi.Transfer(source, Ids.Owner("nowhere"), 5))).Expect(201);
        Assert.Equal("voided", voided.State());
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 5))).Expect(201).Id();
        var before = (await TransferApi.BalanceAsync(app1, source), await TransferApi.BalanceAsync(app1, destination));

        ProblemAssert.Is(await app1.PostAsync($"/transfers/{refund}/refunds", TransferApi.WithAmount(1)), 422, "transfer_not_refundable");
        ProblemAssert.Is(await app1.PostAsync($"/transfers/{voided.Id()}/refunds", TransferApi.WithAmount(null)), 422, "transfer_not_refundable");
        ProblemAssert.Is(await app1.PostAsync($"/transfers/{hold}/refunds", TransferApi.WithAmount(null)), 422, "transfer_not_refundable");

        Assert.Equal(before, (await TransferApi.BalanceAsync(app1, source), await TransferApi.BalanceAsync(app1, destination)));
    }

    [Fact]
    public async Task A_captured_hold_is_refundable_up_to_what_was_captured()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();
        (await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(30))).Expect(201);

        ProblemAssert.Is(await app1.PostAsync($"/transfers/{hold}/refunds", TransferApi.WithAmount(31)), 422, "refund_exceeds_remaining");
        TransferApi.AssertTransfer(await app1.PostAsync($"/transfers/{hold}/refunds", TransferApi.WithAmount(null)), 201, "refund", "posted", destination, source, 30);

        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_refund_the_destination_can_no_longer_pay_is_422_insufficient_funds_and_a_frozen_original_source_voids_it()
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1);
        (await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", destination, 50))).Expect(201);

        ProblemAssert.Is(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(11)), 422, "insufficient_funds");

        (await app1.PostAsync($"/accounts/{source}/freeze")).Expect(200);
        var voided = await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(10));
        Assert.Equal("account_frozen", TransferApi.AssertTransfer(voided, 201, "refund", "voided", destination, source, 10).Text("failure_code"));

        // A voided refund gives its amount back to what may still be refunded.
        (await app1.PostAsync($"/accounts/{source}/unfreeze")).Expect(200);
        TransferApi.AssertTransfer(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(10)), 201, "refund", "posted", destination, source, 10);
        Assert.Equal((50, 0, 50), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
    }

    [Fact]
    public async Task A_refund_of_an_unknown_or_other_apps_transfer_is_404_transfer_not_found()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var (source, destination, transfer) = await PostedTransferAsync(app1);

        ProblemAssert.Is(await app2.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(1)), 404, "transfer_not_found");
        ProblemAssert.Is(await app1.PostAsync($"/transfers/tr_000000000000000000000000_{source}/refunds", TransferApi.WithAmount(1)), 404, "transfer_not_found");
        ProblemAssert.Is(await app1.PostAsync("/transfers/nope/refunds", TransferApi.WithAmount(1)), 404, "transfer_not_found");
        Assert.Equal((60, 0, 60), await TransferApi.BalanceAsync(app1, destination));
    }

    [Theory]
    [InlineData("""{"amount":0,"nonce":"{nonce}"}""", 400, "invalid_amount")]
    [InlineData("""{"amount":-3,"nonce":"{nonce}"}""", 400, "invalid_amount")]
    [InlineData("""{"amount":"3","nonce":"{nonce}"}""", 400, "invalid_field")]
    [InlineData("""{"amount":3,"nonce":"{nonce}","to":"x"}""", 400, "unknown_field")]
    [InlineData("""{"amount":3}""", 400, "missing_idempotency_key")]
    [InlineData("""{"amount":3,"nonce":"{nonce}","reason":""}""", 400, null)]
    public async Task Invalid_refund_bodies_are_400_and_move_nothing(string template, int status, string? code)
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1);

        var response = await app1.PostAsync($"/transfers/{transfer}/refunds", template.Replace("{nonce}", Ids.Nonce(), StringComparison.Ordinal));

        if (code is null)
        {
            Assert.Equal(status, response.Status);
            ProblemAssert.IsProblem(response);
        }
        else
        {
            ProblemAssert.Is(response, status, code);
        }

        Assert.Equal((40, 0, 40), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((60, 0, 60), await TransferApi.BalanceAsync(app1, destination));
    }

    [Fact]
    public async Task A_replayed_refund_answers_its_original_body_even_after_nothing_is_left_and_a_reused_key_is_409()
    {
        using var app1 = factory.App1();
        var (source, _, transfer) = await PostedTransferAsync(app1);
        var body = TransferApi.WithAmount(null).ToJsonString();

        var original = (await app1.PostAsync($"/transfers/{transfer}/refunds", body)).Expect(201);
        var replay = await app1.PostAsync($"/transfers/{transfer}/refunds", body);

        Assert.Equal((201, original.Body, original.Header("Location")), (replay.Status, replay.Body, replay.Header("Location")));
        var nonce = JsonNode.Parse(body)!["nonce"]!.GetValue<string>();
        ProblemAssert.Is(await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(5, nonce)), 409, "idempotency_key_reused");
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task Concurrent_refunds_never_refund_more_than_the_transfer()
    {
        using var app1 = factory.App1();
        var (source, destination, transfer) = await PostedTransferAsync(app1, amount: 50);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(5)))));

        Assert.Equal(10, responses.Count(response => response.Status == 201));
        Assert.All(responses.Where(response => response.Status != 201), response => ProblemAssert.Is(response, 422, "refund_exceeds_remaining"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
    }

    // Mint refunds: POST /transactions/{transaction_id}/refunds with the account the mint credited.

    private static async Task<(string Account, string Mint)> MintedAsync(LedgerClient client, long amount = 50)
    {
        var account = await client.OpenAccountAsync(Ids.Owner("buyer"));
        var mint = (await client.MintAsync(account, amount)).Json.Text("transaction_id")!;
        return (account, mint);
    }

    private static JsonObject MintRefund(string account, long? amount, string? nonce = null)
    {
        var body = TransferApi.WithAmount(amount, nonce);
        body["account_id"] = account;
        return body;
    }

    [Fact]
    public async Task A_mint_refund_burns_part_then_the_rest_of_the_mint_with_entries_that_point_at_it_and_no_more()
    {
        using var app1 = factory.App1();
        var (account, mint) = await MintedAsync(app1);

        var partial = (await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, 20))).Expect(201);
        var rest = (await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, null))).Expect(201);

        foreach (var (refund, amount) in new[] { (partial, -20L), (rest, -30L) })
        {
            var body = refund.Json;
            Assert.Equal("burn", body.Text("kind"));
            Assert.Equal(amount, body.GetProperty("amount").GetInt64());
            Assert.Equal(mint, body.Text("reverses_transaction_id"));
            Assert.Equal(account, body.Text("account_id"));
            Assert.Equal(0, body.GetProperty("legs").EnumerateArray().Sum(leg => leg.GetProperty("amount").GetInt64()));
        }

        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, 1)), 422, "refund_exceeds_remaining");
        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, null)), 422, "refund_exceeds_remaining");
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, account));
    }

    [Fact]
    public async Task A_mint_refund_over_the_mint_is_422_refund_exceeds_remaining_and_one_the_account_cannot_pay_is_422_insufficient_funds()
    {
        using var app1 = factory.App1();
        var (account, mint) = await MintedAsync(app1);
        var other = await app1.OpenAccountAsync(Ids.Owner("other"));
        (await app1.PostAsync("/transfers", TransferApi.Transfer(account, other, 45))).Expect(201);

        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, 51)), 422, "refund_exceeds_remaining");
        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, 6)), 422, "insufficient_funds");
        (await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(account, 5))).Expect(201);
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, account));
    }

    [Fact]
    public async Task Only_a_mint_of_that_account_is_refundable_this_way()
    {
        using var app1 = factory.App1();
        var (account, mint) = await MintedAsync(app1);
        var (otherAccount, _) = await MintedAsync(app1);
        var burn = (await app1.PostAsync("/transactions", LedgerClient.Transaction("burn", account, 5))).Expect(201).Json.Text("transaction_id")!;
        var transfer = (await app1.PostAsync("/transfers", TransferApi.Transfer(account, otherAccount, 5))).Expect(201).Json.Text("transaction_id")!;

        ProblemAssert.Is(await app1.PostAsync($"/transactions/{burn}/refunds", MintRefund(account, 1)), 422, "transfer_not_refundable");
        ProblemAssert.Is(await app1.PostAsync($"/transactions/{transfer}/refunds", MintRefund(account, 1)), 422, "transfer_not_refundable");
        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(otherAccount, 1)), 422, "transfer_not_refundable");
        ProblemAssert.Is(await app1.PostAsync("/transactions/not-a-transaction/refunds", MintRefund(account, 1)), 422, "transfer_not_refundable");
        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", MintRefund(Ids.Owner("ghost"), 1)), 404, "account_not_found");
        Assert.Equal((40, 0, 40), await TransferApi.BalanceAsync(app1, account));
        Assert.Equal((55, 0, 55), await TransferApi.BalanceAsync(app1, otherAccount));
    }

    [Theory]
    [InlineData("""{"amount":5,"nonce":"{nonce}"}""", "missing_field")]
    [InlineData("""{"account_id":"{account}","amount":0,"nonce":"{nonce}"}""", "invalid_amount")]
    [InlineData("""{"account_id":"{account}","amount":5,"nonce":"{nonce}","kind":"burn"}""", "unknown_field")]
    [InlineData("""{"account_id":"{account}","amount":5}""", "missing_idempotency_key")]
    public async Task Invalid_mint_refund_bodies_are_400_and_burn_nothing(string template, string code)
    {
        using var app1 = factory.App1();
        var (account, mint) = await MintedAsync(app1);

        ProblemAssert.Is(await app1.PostAsync($"/transactions/{mint}/refunds", template.Replace("{account}", account, StringComparison.Ordinal).Replace("{nonce}", Ids.Nonce(), StringComparison.Ordinal)), 400, code);

        Assert.Equal((50, 0, 50), await TransferApi.BalanceAsync(app1, account));
    }

    [Fact]
    public async Task A_replayed_mint_refund_answers_its_original_body_and_burns_once()
    {
        using var app1 = factory.App1();
        var (account, mint) = await MintedAsync(app1);
        var body = MintRefund(account, null).ToJsonString();

        var original = (await app1.PostAsync($"/transactions/{mint}/refunds", body)).Expect(201);
        var replay = await app1.PostAsync($"/transactions/{mint}/refunds", body);

        Assert.Equal((201, original.Body), (replay.Status, replay.Body));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, account));
        var entries = (await app1.GetAsync($"/accounts/{account}/entries")).Expect(200).Json.GetProperty("entries");
        Assert.Equal(2, entries.GetArrayLength());
        Assert.Equal(JsonValueKind.Array, entries.ValueKind);
    }
}
