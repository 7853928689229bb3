using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Transfers;

/// <summary>POST /holds, GET /holds/{id}, capture (full and partial) and void: every outcome and refusal over HTTP.</summary>
public sealed class HoldRouteTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task A_hold_answers_201_reserved_with_a_Location_and_reserves_the_amount_without_moving_it()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);

        var response = await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40));

        var body = TransferApi.AssertTransfer(response, 201, "hold", "reserved", source, destination, 40);
        Assert.Equal($"/holds/{response.Id()}", response.Header("Location"));
        var expiresAt = DateTimeOffset.Parse(body.Text("expires_at")!, System.Globalization.CultureInfo.InvariantCulture);
        var createdAt = DateTimeOffset.Parse(body.Text("created_at")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(1), expiresAt - createdAt);
        Assert.Equal((100, 40, 60), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
        Assert.Equal(response.Body, (await app1.GetAsync($"/holds/{response.Id()}")).Expect(200).Body);
        Assert.Equal(response.Body, (await app1.GetAsync($"/transfers/{response.Id()}")).Expect(200).Body);

        // What is held is not available to anything else.
        ProblemAssert.Is(await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 61)), 422, "insufficient_funds");
        ProblemAssert.Is(await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 61)), 422, "insufficient_funds");
    }

    [Fact]
    public async Task A_partial_capture_posts_the_captured_part_and_releases_the_rest()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();

        var captured = await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(25));

        var body = TransferApi.AssertTransfer(captured, 201, "hold", "posted", source, destination, 40);
        Assert.Equal(25, body.GetProperty("settle_amount").GetInt64());
        Assert.Equal($"/holds/{hold}", captured.Header("Location"));
        Assert.Equal((75, 0, 75), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((25, 0, 25), await TransferApi.BalanceAsync(app1, destination));
        Assert.Equal(captured.Body, (await app1.GetAsync($"/holds/{hold}")).Expect(200).Body);
    }

    [Fact]
    public async Task A_capture_without_an_amount_captures_the_whole_hold()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();

        var captured = await app1.PostAsync($"/holds/{hold}/capture", new JsonObject(), ("Idempotency-Key", Ids.Nonce()));

        Assert.Equal(40, TransferApi.AssertTransfer(captured, 201, "hold", "posted", source, destination, 40).GetProperty("settle_amount").GetInt64());
        Assert.Equal((60, 0, 60), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_hold_resolves_once_capture_after_void_void_after_capture_and_a_second_capture_are_409_hold_already_resolved()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var voided = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 10))).Expect(201).Id();
        var captured = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 20))).Expect(201).Id();

        (await app1.PostAsync($"/holds/{voided}/void")).Expect(200);
        (await app1.PostAsync($"/holds/{captured}/capture", TransferApi.WithAmount(null))).Expect(201);

        ProblemAssert.Is(await app1.PostAsync($"/holds/{voided}/capture", TransferApi.WithAmount(null)), 409, "hold_already_resolved");
        ProblemAssert.Is(await app1.PostAsync($"/holds/{captured}/void"), 409, "hold_already_resolved");
        ProblemAssert.Is(await app1.PostAsync($"/holds/{captured}/capture", TransferApi.WithAmount(5)), 409, "hold_already_resolved");
        Assert.Equal((80, 0, 80), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(20, (await TransferApi.BalanceAsync(app1, destination)).Balance);
    }

    [Fact]
    public async Task Voiding_is_idempotent_and_releases_the_whole_hold()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();

        var first = (await app1.PostAsync($"/holds/{hold}/void")).Expect(200);
        var second = (await app1.PostAsync($"/holds/{hold}/void", new JsonObject { ["nonce"] = Ids.Nonce() })).Expect(200);
        var third = (await app1.PostAsync($"/holds/{hold}/void", "{}")).Expect(200);

        var body = TransferApi.AssertTransfer(first, 200, "hold", "voided", source, destination, 40);
        Assert.Equal("hold_voided", body.Text("failure_code"));
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(first.Body, third.Body);
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/void", """{"reason":"x"}"""), 400, "unknown_field");
    }

    [Fact]
    public async Task A_capture_into_a_frozen_destination_answers_201_voided_account_frozen_and_releases_everything()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();
        (await app1.PostAsync($"/accounts/{destination}/freeze")).Expect(200);

        var captured = await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(30));

        Assert.Equal("account_frozen", TransferApi.AssertTransfer(captured, 201, "hold", "voided", source, destination, 40).Text("failure_code"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((0, 0, 0), await TransferApi.BalanceAsync(app1, destination));
    }

    [Theory]
    [InlineData(41, 422, "capture_exceeds_hold")]
    [InlineData(0, 400, "invalid_amount")]
    [InlineData(-1, 400, "invalid_amount")]
    public async Task A_capture_of_an_impossible_amount_is_refused_and_the_hold_stays_capturable(long amount, int status, string code)
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();

        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(amount)), status, code);

        Assert.Equal("reserved", (await app1.GetAsync($"/holds/{hold}")).Expect(200).State());
        Assert.Equal((100, 40, 60), await TransferApi.BalanceAsync(app1, source));
        (await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(40))).Expect(201);
    }

    [Fact]
    public async Task Capture_body_errors_are_400()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();

        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", $$"""{"amount":5,"nonce":"{{Ids.Nonce()}}","to":"x"}"""), 400, "unknown_field");
        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", """{"amount":5}"""), 400, "missing_idempotency_key");
        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", $$"""{"amount":"5","nonce":"{{Ids.Nonce()}}"}"""), 400, "invalid_field");
        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", "{"), 400, "malformed_json");
        Assert.Equal((100, 40, 60), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_hold_id_that_names_no_hold_is_404_hold_not_found_on_get()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 10))).Expect(201).Id();
        var transfer = (await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 10))).Expect(201).Id();

        ProblemAssert.Is(await app2.GetAsync($"/holds/{hold}"), 404, "hold_not_found");
        ProblemAssert.Is(await app1.GetAsync($"/holds/{transfer}"), 404, "hold_not_found");
        ProblemAssert.Is(await app1.GetAsync("/holds/nothing"), 404, "hold_not_found");
        ProblemAssert.Is(await app1.GetAsync($"/holds/tr_000000000000000000000000_{source}"), 404, "hold_not_found");

        // A transfer is not a hold: it cannot be captured or voided.
        ProblemAssert.Is(await app1.PostAsync($"/holds/{transfer}/capture", TransferApi.WithAmount(null)), 404, "hold_not_found");
        ProblemAssert.Is(await app1.PostAsync($"/holds/{transfer}/void"), 404, "hold_not_found");
        ProblemAssert.Is(await app1.PostAsync("/holds/nothing/capture", TransferApi.WithAmount(null)), 404, "hold_not_found");
        ProblemAssert.Is(await app1.PostAsync("/holds/nothing/void"), 404, "hold_not_found");
        Assert.Equal((90, 10, 80), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task Capturing_or_voiding_another_apps_hold_or_a_hold_that_never_existed_is_404_hold_not_found()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 10))).Expect(201).Id();

        ProblemAssert.Is(await app2.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(null)), 404, "hold_not_found");
        ProblemAssert.Is(await app2.PostAsync($"/holds/{hold}/void"), 404, "hold_not_found");
        ProblemAssert.Is(await app1.PostAsync($"/holds/tr_000000000000000000000000_{source}/capture", TransferApi.WithAmount(null)), 404, "hold_not_found");
        ProblemAssert.Is(await app1.PostAsync($"/holds/tr_000000000000000000000000_{source}/void"), 404, "hold_not_found");
        Assert.Equal("reserved", (await app1.GetAsync($"/holds/{hold}")).Expect(200).State());
    }

    [Fact]
    public async Task Another_app_cannot_capture_or_void_this_apps_hold()
    {
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 10))).Expect(201).Id();

        Assert.Equal(404, (await app2.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(null))).Status);
        Assert.Equal(404, (await app2.PostAsync($"/holds/{hold}/void")).Status);

        Assert.Equal("reserved", (await app1.GetAsync($"/holds/{hold}")).Expect(200).State());
        Assert.Equal((100, 10, 90), await TransferApi.BalanceAsync(app1, source));
    }

    public static TheoryData<string, int, string, string?> InvalidHolds() => new()
    {
        { """{"from":"{from}","to":"{from}","amount":5,"reason":"x","nonce":"{nonce}"}""", 400, "same_account_transfer", "to" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","expires_in_seconds":0}""", 400, "invalid_field", "expires_in_seconds" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","expires_in_seconds":2592001}""", 400, "invalid_field", "expires_in_seconds" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","expires_at":"2000-01-01T00:00:00Z"}""", 400, "invalid_field", "expires_at" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","expires_at":"2099-01-01T00:00:00Z","expires_in_seconds":60}""", 400, "invalid_field", "expires_at" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","expires_at":"soon"}""", 400, "invalid_field", "expires_at" },
        { """{"from":"{from}","to":"{to}","amount":5,"reason":"x","nonce":"{nonce}","capture":true}""", 400, "unknown_field", "capture" },
        { """{"from":"{from}","to":"{to}","amount":0,"reason":"x","nonce":"{nonce}"}""", 400, "invalid_amount", "amount" },
        { """{"from":"{from}","to":"{to}","reason":"x","nonce":"{nonce}"}""", 400, "missing_field", "amount" },
        { """{"from":"{from}","amount":5,"reason":"x","nonce":"{nonce}"}""", 400, "missing_field", "to" },
        { """{"to":"{to}","amount":5,"reason":"x","nonce":"{nonce}"}""", 400, "missing_field", "from" },
        { """{"from":"{from}","to":"{to}","amount":5,"nonce":"{nonce}"}""", 400, "missing_field", "reason" },
        { """{"from":"{from}","to":"{to}","amount":101,"reason":"x","nonce":"{nonce}"}""", 422, "insufficient_funds", null },
    };

    [Theory]
    [MemberData(nameof(InvalidHolds))]
    public async Task Invalid_holds_are_refused_with_their_code_and_reserve_nothing(string template, int status, string code, string? field)
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var body = template.Replace("{from}", source, StringComparison.Ordinal).Replace("{to}", destination, StringComparison.Ordinal).Replace("{nonce}", Ids.Nonce(), StringComparison.Ordinal);

        var problem = ProblemAssert.Is(await app1.PostAsync("/holds", body), status, code);

        if (field is not null)
        {
            Assert.Equal(field, problem.Text("field"));
        }

        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_hold_placed_until_an_instant_expires_then()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var at = DateTimeOffset.UtcNow.AddDays(2);
        var body = TransferApi.Hold(source, destination, 10);
        body["expires_at"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var hold = (await app1.PostAsync("/holds", body)).Expect(201).Json;

        Assert.Equal(at, DateTimeOffset.Parse(hold.Text("expires_at")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Replays_of_a_hold_and_of_a_capture_answer_their_original_bodies_and_a_capture_key_reused_for_another_amount_is_409()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var holdBody = TransferApi.Hold(source, destination, 40, expiresInSeconds: 600).ToJsonString();
        var placed = (await app1.PostAsync("/holds", holdBody)).Expect(201);
        var placedAgain = await app1.PostAsync("/holds", holdBody);
        Assert.Equal((201, placed.Body, placed.Header("Location")), (placedAgain.Status, placedAgain.Body, placedAgain.Header("Location")));

        var captureBody = TransferApi.WithAmount(15).ToJsonString();
        var captured = (await app1.PostAsync($"/holds/{placed.Id()}/capture", captureBody)).Expect(201);
        var capturedAgain = await app1.PostAsync($"/holds/{placed.Id()}/capture", captureBody);
        Assert.Equal((201, captured.Body), (capturedAgain.Status, capturedAgain.Body));
        var nonce = JsonNode.Parse(captureBody)!["nonce"]!.GetValue<string>();
        ProblemAssert.Is(await app1.PostAsync($"/holds/{placed.Id()}/capture", TransferApi.WithAmount(16, nonce)), 409, "idempotency_key_reused");

        Assert.Equal((85, 0, 85), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(15, (await TransferApi.BalanceAsync(app1, destination)).Balance);
    }

    [Fact]
    public async Task A_capture_that_lost_to_another_answers_its_original_409_when_retried_and_one_that_ended_voided_answers_201_voided_again()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();
        (await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(10))).Expect(201);
        var losing = TransferApi.WithAmount(30).ToJsonString();
        var lost = ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", losing), 409, "hold_already_resolved");

        var retried = await app1.PostAsync($"/holds/{hold}/capture", losing);
        ProblemAssert.Is(retried, 409, "hold_already_resolved");
        Assert.Equal(lost.Text("detail"), retried.Json.Text("detail"));

        var other = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 20))).Expect(201).Id();
        (await app1.PostAsync($"/accounts/{destination}/freeze")).Expect(200);
        var capture = TransferApi.WithAmount(null).ToJsonString();
        var voided = await app1.PostAsync($"/holds/{other}/capture", capture);
        Assert.Equal("account_frozen", TransferApi.AssertTransfer(voided, 201, "hold", "voided", source, destination, 20).Text("failure_code"));
        var replayed = await app1.PostAsync($"/holds/{other}/capture", capture);
        Assert.Equal((201, voided.Body), (replayed.Status, replayed.Body));
        Assert.Equal((90, 0, 90), await TransferApi.BalanceAsync(app1, source));
    }

    [Fact]
    public async Task A_hold_captured_and_voided_at_once_resolves_exactly_one_way_fifty_times_over()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 1000);
        long captured = 0;
        for (var round = 0; round < 50; round++)
        {
            var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 10))).Expect(201).Id();
            var capture = Task.Run(() => app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(round % 2 == 0 ? null : 7)));
            var release = Task.Run(() => app1.PostAsync($"/holds/{hold}/void"));
            var (captureResponse, voidResponse) = (await capture, await release);

            var final = (await app1.GetAsync($"/holds/{hold}")).Expect(200);
            if (captureResponse.Status == 201)
            {
                ProblemAssert.Is(voidResponse, 409, "hold_already_resolved");
                Assert.Equal("posted", final.State());
                captured += final.Json.GetProperty("settle_amount").GetInt64();
            }
            else
            {
                ProblemAssert.Is(captureResponse, 409, "hold_already_resolved");
                voidResponse.Expect(200);
                Assert.Equal("voided", final.State());
            }
        }

        Assert.Equal((1000 - captured, 0, 1000 - captured), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(captured, (await TransferApi.BalanceAsync(app1, destination)).Balance);
    }

    [Fact]
    public async Task A_hold_with_a_one_second_expiry_is_voided_hold_expired_by_the_saga_runner_and_cannot_be_captured()
    {
        using var app1 = factory.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40, expiresInSeconds: 1))).Expect(201).Id();

        var expired = await TransferApi.PollAsync(app1, $"/holds/{hold}", response => response.Status == 200 && response.State() != "reserved");

        Assert.Equal("hold_expired", TransferApi.AssertTransfer(expired, 200, "hold", "voided", source, destination, 40).Text("failure_code"));
        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(null)), 409, "hold_expired");
        Assert.Equal(expired.Body, (await app1.PostAsync($"/holds/{hold}/void")).Expect(200).Body);
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }
}

/// <summary>Hold expiry on a host whose clock the test moves, so "after the expiry" needs no waiting.</summary>
public sealed class HoldExpiryTests : IAsyncLifetime
{
    private readonly TransferHostFactory host = new(manualClock: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_capture_after_the_expiry_is_409_hold_expired_even_before_the_sweep_and_the_sweep_then_voids_the_hold()
    {
        using var app1 = host.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40, expiresInSeconds: 60))).Expect(201).Id();
        var early = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 10, expiresInSeconds: 600))).Expect(201).Id();

        host.Clock.Advance(TimeSpan.FromSeconds(61));

        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(10)), 409, "hold_expired");
        var voided = await TransferApi.PollAsync(app1, $"/holds/{hold}", response => response.State() == "voided");
        Assert.Equal("hold_expired", voided.Json.Text("failure_code"));
        ProblemAssert.Is(await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(null)), 409, "hold_expired");

        // The hold with a later expiry is untouched and still capturable.
        Assert.Equal("reserved", (await app1.GetAsync($"/holds/{early}")).Expect(200).State());
        Assert.Equal((100, 10, 90), await TransferApi.BalanceAsync(app1, source));
        (await app1.PostAsync($"/holds/{early}/capture", TransferApi.WithAmount(null))).Expect(201);
        Assert.Equal((90, 0, 90), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(10, (await TransferApi.BalanceAsync(app1, destination)).Balance);
    }

    [Fact]
    public async Task A_hold_captured_just_before_its_expiry_posts()
    {
        using var app1 = host.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40, expiresInSeconds: 60))).Expect(201).Id();

        host.Clock.Advance(TimeSpan.FromSeconds(59));

        TransferApi.AssertTransfer(await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(null)), 201, "hold", "posted", source, destination, 40);
        host.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((60, 0, 60), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal("posted", (await app1.GetAsync($"/holds/{hold}")).Expect(200).State());
    }
}
