using System.Text.Json;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Hosting.Tests.Support;
using Ledger.Http;
using Microsoft.AspNetCore.Http;

namespace Ledger.Hosting.Tests;

/// <summary>
/// What an HTTP function does, done here where it runs: the function sets the route values Functions bound
/// from its template, puts its saga driver (if any) in the request's items, and hands the bare request to
/// <see cref="LedgerApi.HandleAsync"/> with its route; the Functions host then executes the returned
/// <see cref="IResult"/>. These tests pin the contract between <c>LedgerHttpFunctions</c> and the shared API.
/// </summary>
public sealed class FunctionsStyleInvocationTests
{
    [Fact]
    public async Task Anonymous_routes_answer_without_a_key_and_the_others_refuse_one_missing_or_wrong()
    {
        await using var api = new ApiContext();

        var health = await HandleAsync(api, api.NewContext("GET", "/health", apiKey: null), "Health");
        Assert.Equal(StatusCodes.Status200OK, health.Status);

        var missing = await HandleAsync(api, api.NewContext("GET", "/accounts/acct-1", apiKey: null), "GetAccount", ("account_id", "acct-1"));
        AssertProblem(missing, StatusCodes.Status401Unauthorized, ErrorCodes.MissingApiKey);

        var wrong = await HandleAsync(api, api.NewContext("GET", "/accounts/acct-1", apiKey: "not-the-key"), "GetAccount", ("account_id", "acct-1"));
        AssertProblem(wrong, StatusCodes.Status401Unauthorized, ErrorCodes.InvalidApiKey);
    }

    [Fact]
    public async Task A_route_value_reaches_the_handler_only_when_the_function_sets_it()
    {
        await using var api = new ApiContext();
        var opened = await OpenAsync(api, "acct-1");
        Assert.Equal(StatusCodes.Status201Created, opened.Status);

        var found = await HandleAsync(api, api.NewContext("GET", "/accounts/acct-1"), "GetAccount", ("account_id", "acct-1"));
        Assert.Equal(StatusCodes.Status200OK, found.Status);
        Assert.Equal("acct-1", JsonDocument.Parse(found.Body).RootElement.GetProperty("account_id").GetString());

        // No ASP.NET Core routing runs in a function: a template value the function does not forward is empty.
        var notForwarded = await HandleAsync(api, api.NewContext("GET", "/accounts/acct-1"), "GetAccount");
        Assert.Equal(StatusCodes.Status404NotFound, notForwarded.Status);
    }

    [Fact]
    public async Task A_transfer_with_no_driver_in_the_request_runs_its_saga_in_process_and_answers_201()
    {
        await using var api = new ApiContext();
        await FundAsync(api);

        var started = await HandleAsync(api, api.NewContext("POST", "/transfers", """{"from":"acct-src","to":"acct-dst","amount":30,"reason":"content_unlock"}""", idempotencyKey: "transfer-1"), "StartTransfer");

        Assert.Equal(StatusCodes.Status201Created, started.Status);
        Assert.Equal("posted", JsonDocument.Parse(started.Body).RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_transfer_uses_the_saga_driver_the_function_puts_in_the_request_and_answers_202_while_it_runs()
    {
        await using var api = new ApiContext();
        await FundAsync(api);
        var driver = new RecordingDriver();

        var context = api.NewContext("POST", "/transfers", """{"from":"acct-src","to":"acct-dst","amount":30,"reason":"content_unlock"}""", idempotencyKey: "transfer-2");
        context.Items[LedgerApi.SagaDriverItem] = driver;
        var started = await HandleAsync(api, context, "StartTransfer");

        Assert.Equal(StatusCodes.Status202Accepted, started.Status);
        var body = JsonDocument.Parse(started.Body).RootElement;
        Assert.Equal("crediting", body.GetProperty("state").GetString());
        var transferId = body.GetProperty("transfer_id").GetString()!;
        Assert.Equal("/transfers/" + transferId, started.Location);
        Assert.Equal([new TransferKey("app1", transferId)], driver.Driven);

        // The orchestration then runs the same saga; GET /transfers/{id} sees it finished.
        await TransferSaga.DriveAsync(api.Api.Engine.TransferSteps, driver.Driven[0], CancellationToken.None);
        var read = await HandleAsync(api, api.NewContext("GET", "/transfers/" + transferId), "GetTransfer", ("transfer_id", transferId));
        Assert.Equal(StatusCodes.Status200OK, read.Status);
        Assert.Equal("posted", JsonDocument.Parse(read.Body).RootElement.GetProperty("state").GetString());
    }

    /// <summary>The Functions app registers only AddLedger today; this is what its report routes then answer.</summary>
    [Fact]
    public async Task Report_routes_answer_404_without_the_projections_and_200_with_them()
    {
        await using (var bare = new ApiContext())
        {
            var status = await HandleAsync(bare, bare.NewContext("GET", "/status/consumers"), "GetConsumerStatus");
            AssertProblem(status, StatusCodes.Status404NotFound, ErrorCodes.RouteNotFound);
        }

        await using var full = new ApiContext(withProjections: true);
        var withProjections = await HandleAsync(full, full.NewContext("GET", "/status/consumers"), "GetConsumerStatus");
        Assert.Equal(StatusCodes.Status200OK, withProjections.Status);
    }

    /// <summary>As LedgerHttpFunctions.Handle: set the route values, hand the request to the shared handler, execute the result.</summary>
    private static async Task<ApiAnswer> HandleAsync(ApiContext api, HttpContext context, string routeName, params (string Name, string Value)[] routeValues)
    {
        foreach (var (name, value) in routeValues)
        {
            context.Request.RouteValues[name] = value;
        }

        var result = await api.Api.HandleAsync(LedgerRoutes.Named(routeName), context);
        return await ApiContext.ExecuteAsync(result, context);
    }

    private static Task<ApiAnswer> OpenAsync(ApiContext api, string account)
        => HandleAsync(api, api.NewContext("POST", "/accounts", $$"""{"owner_id":"owner-{{account}}","account_id":"{{account}}"}""", idempotencyKey: "open-" + account), "OpenAccount");

    private static async Task FundAsync(ApiContext api)
    {
        Assert.Equal(StatusCodes.Status201Created, (await OpenAsync(api, "acct-src")).Status);
        Assert.Equal(StatusCodes.Status201Created, (await OpenAsync(api, "acct-dst")).Status);
        var minted = await HandleAsync(api, api.NewContext("POST", "/transactions", """{"kind":"mint","account_id":"acct-src","amount":100,"reason":"credit_purchase"}""", idempotencyKey: "fund-src"), "PostTransaction");
        Assert.Equal(StatusCodes.Status201Created, minted.Status);
    }

    private static void AssertProblem(ApiAnswer answer, int status, string code)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal(code, JsonDocument.Parse(answer.Body).RootElement.GetProperty("code").GetString());
    }

    /// <summary>A saga driver that records what it was asked to drive and drives nothing, as a Durable start that has not run yet.</summary>
    private sealed class RecordingDriver : ITransferSagaDriver
    {
        public List<TransferKey> Driven { get; } = [];

        public Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken)
        {
            Driven.Add(transfer);
            return Task.FromResult<TransferDocument?>(null);
        }
    }
}
