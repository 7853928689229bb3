using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Transfers;

/// <summary>POST /transfers and GET /transfers/{id}: final states, every refusal with its code, and idempotency.</summary>
public sealed class TransferRouteTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task A_transfer_answers_201_posted_with_a_Location_legs_that_sum_to_zero_and_moved_balances()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);

        var response = await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30, reason: "content_unlock"));

        var body = TransferApi.AssertTransfer(response, 201, "transfer", "posted", source, destination, 30);
        Assert.Equal(30, body.GetProperty("settle_amount").GetInt64());
        Assert.Equal("content_unlock", body.Text("reason"));
        Assert.Equal($"/transfers/{response.Id()}", response.Header("Location"));
        Assert.Equal((70, 0, 70), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((30, 0, 30), await TransferApi.BalanceAsync(app1, destination));

        var read = (await app1.GetAsync($"/transfers/{response.Id()}")).Expect(200);
        Assert.Equal(response.Body, read.Body);

        // Each side has one entry of the transfer, under the transfer's one transaction id.
        var sourceEntries = (await app1.GetAsync($"/accounts/{source}/entries")).Expect(200).Json.GetProperty("entries").EnumerateArray().ToArray();
        var destinationEntries = (await app1.GetAsync($"/accounts/{destination}/entries")).Expect(200).Json.GetProperty("entries").EnumerateArray().ToArray();
        var debit = Assert.Single(sourceEntries, entry => entry.Text("transfer_id") == response.Id());
        var credit = Assert.Single(destinationEntries);
        Assert.Equal(-30, debit.GetProperty("amount").GetInt64());
        Assert.Equal(30, credit.GetProperty("amount").GetInt64());
        Assert.Equal(body.Text("transaction_id"), debit.Text("transaction_id"));
        Assert.Equal(body.Text("transaction_id"), credit.Text("transaction_id"));
    }

    [Fact]
    public async Task Memo_and_category_are_kept_and_the_Idempotency_Key_header_may_stand_in_for_the_nonce()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var key = Ids.Nonce();
        var body = new JsonObject { ["from"] = source, ["to"] = destination, ["amount"] = 5, ["reason"] = "tip", ["memo"] = "thanks ✓", ["category"] = "social" };

        var response = await app1.PostAsync("/transfers", body, ("Idempotency-Key", key));
        var replay = await app1.PostAsync("/transfers", new JsonObject { ["from"] = source, ["to"] = destination, ["amount"] = 5, ["reason"] = "tip", ["memo"] = "thanks ✓", ["category"] = "social", ["nonce"] = key });

        var json = TransferApi.AssertTransfer(response, 201, "transfer", "posted", source, destination, 5);
        Assert.Equal("thanks ✓", json.Text("memo"));
        Assert.Equal("social", json.Text("category"));
        Assert.Equal((201, response.Body), (replay.Status, replay.Body));
        Assert.Equal(95, (await TransferApi.BalanceAsync(app1, source)).Balance);
    }

    [Fact]
    public async Task A_transfer_to_a_missing_destination_answers_201_voided_account_not_found_and_releases_the_reservation()
    {
        using var app1 = factory.App1();
        var (source, _) = await TransferApi.FundedPairAsync(app1, 100);
        var nowhere = Ids.Owner("nowhere");

        var response = await app1.PostAsync("/transfers", TransferApi.Transfer(source, nowhere, 30));

        var body = TransferApi.AssertTransfer(response, 201, "transfer", "voided", source, nowhere, 30);
        Assert.Equal("account_not_found", body.Text("failure_code"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        ProblemAssert.Is(await app1.GetAsync($"/accounts/{nowhere}"), 404, "account_not_found");
        Assert.Equal(response.Body, (await app1.GetAsync($"/transfers/{response.Id()}")).Expect(200).Body);
    }

    [Fact]
    public async Task A_transfer_to_a_frozen_destination_answers_201_voided_account_frozen_and_moves_nothing()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        (await app1.PostAsync($"/accounts/{destination}/freeze", new JsonObject { ["nonce"] = Ids.Nonce() })).Expect(200);

        var response = await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30));

        Assert.Equal("account_frozen", TransferApi.AssertTransfer(response, 201, "transfer", "voided", source, destination, 30).Text("failure_code"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
    }

    [Fact]
    public async Task A_transfer_to_a_closed_destination_answers_201_voided_account_closed()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        (await app1.PostAsync($"/accounts/{destination}/close", new JsonObject { ["nonce"] = Ids.Nonce() })).Expect(200);

        var response = await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30));

        Assert.Equal("account_closed", TransferApi.AssertTransfer(response, 201, "transfer", "voided", source, destination, 30).Text("failure_code"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_frozen_source_is_refused_409_account_frozen_and_a_missing_source_404_account_not_found()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        (await app1.PostAsync($"/accounts/{source}/freeze", new JsonObject { ["nonce"] = Ids.Nonce() })).Expect(200);

        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30)), 409, "account_frozen");
        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(Ids.Owner("ghost"), destination, 30)), 404, "account_not_found");
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task More_than_is_available_is_422_insufficient_funds_and_changes_nothing()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var before = await app1.SnapshotAsync(source);

        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 101)), 422, "insufficient_funds");

        (await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 100))).Expect(201);
        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 1)), 422, "insufficient_funds");
        Assert.NotEqual(before, await app1.SnapshotAsync(source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_transfer_to_the_same_account_is_400_same_account_transfer()
    {
        using var app1 = factory.App1();
        var (source, _) = await TransferApi.FundedPairAsync(app1, 100);
        var before = await app1.SnapshotAsync(source);

        var problem = ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, source, 10)), 400, "same_account_transfer");

        Assert.Equal("to", problem.Text("field"));
        Assert.Equal(before, await app1.SnapshotAsync(source));
    }

    public static TheoryData<string, int, string, string?> InvalidBodies() => new()
    {
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","colour":"red"}""", 400, "unknown_field", "colour" },
        { """{"to":"{to}","amount":5,"reason":"x","nonce":"{nonce}"}""", 400, "missing_field", "from" },
        { """{"from":"{from}","amount":5,"reason":"x","nonce":"{nonce}"}""", 400, "missing_field", "to" },
        { """{"from":"{from}","to":"{to}","reason":"x","nonce":"{nonce}"}""", 400, "missing_field", "amount" },
        { """{"from":"{from}","to":"{to}","amount":5,"nonce":"{nonce}"}""", 400, "missing_field", "reason" },
        { """{"from":"{from}","to":"{to}","amount":0,"reason":"x","nonce":"{nonce}"}""", 400, "invalid_amount", "amount" },
        { """{"from":"{from}","to":"{to}","amount":-5,"reason":"x","nonce":"{nonce}"}""", 400, "invalid_amount", "amount" },
        { """{"from":"{from}","to":"{to}","amount":1.5,"reason":"x","nonce":"{nonce}"}""", 400, "invalid_amount", "amount" },
        { """{"from":"{from}","to":"{to}","amount":"5","reason":"x","nonce":"{nonce}"}""", 400, "invalid_field", "amount" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x"}""", 400, "missing_idempotency_key", null },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}""", 400, "malformed_json", null },
        { """["{from}","{to}",5]""", 400, "malformed_json", null },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_bodies_are_a_clear_400_and_move_nothing(string template, int status, string code, string? field)
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var before = await app1.SnapshotAsync(source);
        var body = template.Replace("{from}", source, StringComparison.Ordinal).Replace("{to}", destination, StringComparison.Ordinal).Replace("{nonce}", Ids.Nonce(), StringComparison.Ordinal);

        var problem = ProblemAssert.Is(await app1.PostAsync("/transfers", body), status, code);

        if (field is not null)
        {
            Assert.Equal(field, problem.Text("field"));
        }

        Assert.Equal(before, await app1.SnapshotAsync(source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
    }

    [Fact]
    public async Task Get_of_an_unknown_malformed_or_other_apps_transfer_is_404_transfer_not_found()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var id = (await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 10))).Expect(201).Id();

        ProblemAssert.Is(await app2.GetAsync($"/transfers/{id}"), 404, "transfer_not_found");
        ProblemAssert.Is(await app1.GetAsync($"/transfers/tr_000000000000000000000000_{source}"), 404, "transfer_not_found");
        ProblemAssert.Is(await app1.GetAsync("/transfers/not-a-transfer"), 404, "transfer_not_found");
        ProblemAssert.Is(await app1.GetAsync($"/transfers/{id.ToUpperInvariant()}"), 404, "transfer_not_found");
        using var anonymous = factory.Client(apiKey: null);
        ProblemAssert.Is(await anonymous.GetAsync($"/transfers/{id}"), 401, "missing_api_key");
    }

    [Fact]
    public async Task Another_app_cannot_move_or_see_this_apps_accounts()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);

        ProblemAssert.Is(await app2.PostAsync("/transfers", TransferApi.Transfer(source, destination, 10)), 404, "account_not_found");
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_replayed_transfer_answers_the_original_status_and_exact_body_and_moves_the_amount_once()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var body = TransferApi.Transfer(source, destination, 30).ToJsonString();

        var original = (await app1.PostAsync("/transfers", body)).Expect(201);
        (await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 5))).Expect(201);
        var replays = new List<ApiResponse>();
        for (var repeat = 0; repeat < 3; repeat++)
        {
            replays.Add(await app1.PostAsync("/transfers", body));
        }

        Assert.All(replays, replay => Assert.Equal((original.Status, original.Body, original.Header("Location")), (replay.Status, replay.Body, replay.Header("Location"))));
        Assert.Equal((65, 0, 65), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(35, (await TransferApi.BalanceAsync(app1, destination)).Balance);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_409_idempotency_key_reused_and_moves_nothing()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var other = await app1.OpenAccountAsync(Ids.Owner("other"));
        var nonce = Ids.Nonce();
        (await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30, nonce: nonce))).Expect(201);

        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 31, nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, other, 30, nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30, reason: "other", nonce: nonce)), 409, "idempotency_key_reused");
        ProblemAssert.Is(await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 30, nonce: nonce)), 409, "idempotency_key_reused");

        Assert.Equal((70, 0, 70), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(0, (await TransferApi.BalanceAsync(app1, other)).Balance);
    }

    [Fact]
    public async Task Refused_requests_replayed_after_the_state_changed_answer_their_original_problem_byte_for_byte()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 10);
        var transferBody = TransferApi.Transfer(source, destination, 30).ToJsonString();
        var holdBody = TransferApi.Hold(source, destination, 30).ToJsonString();
        var refusedTransfer = ProblemAssert.Is(await app1.PostAsync("/transfers", transferBody), 422, "insufficient_funds");
        var refusedHold = await app1.PostAsync("/holds", holdBody);
        ProblemAssert.Is(refusedHold, 422, "insufficient_funds");
        var transferProblem = (await app1.PostAsync("/transfers", transferBody)).Body;

        await app1.MintAsync(source, 100);

        var transferReplay = await app1.PostAsync("/transfers", transferBody);
        var holdReplay = await app1.PostAsync("/holds", holdBody);
        Assert.Equal((422, transferProblem), (transferReplay.Status, transferReplay.Body));
        Assert.Equal((422, refusedHold.Body), (holdReplay.Status, holdReplay.Body));
        Assert.Equal("insufficient_funds", refusedTransfer.Text("code"));
        Assert.Equal((110, 0, 110), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task Fifty_concurrent_copies_of_one_transfer_create_one_transfer_and_all_answer_it()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var body = TransferApi.Transfer(source, destination, 30).ToJsonString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => app1.PostAsync("/transfers", body))));

        Assert.All(responses, response => Assert.True(response.Status == 201, response.ToString()));
        Assert.Single(responses.Select(response => response.Id()).Distinct());
        Assert.Single(responses.Select(response => response.Body).Distinct());
        Assert.Equal((70, 0, 70), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(30, (await TransferApi.BalanceAsync(app1, destination)).Balance);
    }

    [Fact]
    public async Task Two_hundred_concurrent_transfers_of_one_out_of_a_hundred_post_exactly_a_hundred()
    {
        using var app1 = factory.App1();
        var (source, _) = await TransferApi.FundedPairAsync(app1, 100);
        var destinations = new List<string>();
        for (var index = 0; index < 4; index++)
        {
            destinations.Add(await app1.OpenAccountAsync(Ids.Owner("dst")));
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(index => Task.Run(() => app1.PostAsync("/transfers", TransferApi.Transfer(source, destinations[index % 4], 1)))));

        Assert.Equal(100, responses.Count(response => response.Status == 201 && response.State() == "posted"));
        Assert.All(responses.Where(response => response.Status != 201), response => ProblemAssert.Is(response, 422, "insufficient_funds"));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, source));
        long credited = 0;
        foreach (var destination in destinations)
        {
            credited += (await TransferApi.BalanceAsync(app1, destination)).Balance;
        }

        Assert.Equal(100, credited);
    }
}
