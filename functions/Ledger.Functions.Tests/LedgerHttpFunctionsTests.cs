using System.Reflection;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Ledger.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Ledger.Functions.Tests;

/// <summary>
/// The HTTP functions called as the Functions host calls them: the bound request, the template's route
/// values as parameters, a Durable client where the function takes one; the returned
/// <see cref="IResult"/> executed on the request. The API itself is a real <see cref="LedgerApi"/> on an
/// in-memory store.
/// </summary>
public sealed class LedgerHttpFunctionsTests
{
    public static TheoryData<string> RouteNames() => [.. LedgerRoutes.All.Select(route => route.Name)];

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Every_function_authenticates_as_its_route_says_and_never_answers_a_server_error(string name)
    {
        await using var host = new FunctionsTestHost();
        var route = LedgerRoutes.Named(name);
        var request = host.NewRequest(route.Method, "/" + route.Template, json: route.Method == "GET" ? null : "{}", apiKey: null);

        var answer = await InvokeAsync(host, name, request, new DurableClientMock(host));

        Assert.True(answer.Status < 500, $"{name}: {answer}");
        Assert.Equal(!route.Anonymous, answer.Status == StatusCodes.Status401Unauthorized);
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Every_function_sets_the_route_values_it_is_bound_and_only_saga_routes_get_the_durable_driver(string name)
    {
        await using var host = new FunctionsTestHost();
        var route = LedgerRoutes.Named(name);
        var request = host.NewRequest(route.Method, "/" + route.Template, apiKey: null);
        var parameters = HttpFunction(name).GetParameters();

        await InvokeAsync(host, name, request, new DurableClientMock(host));

        foreach (var parameter in parameters.Where(parameter => parameter.ParameterType == typeof(string)))
        {
            Assert.Equal(ValueFor(parameter.Name!), request.RouteValues[parameter.Name!]);
        }

        var takesClient = parameters.Any(parameter => parameter.ParameterType == typeof(DurableTaskClient));
        Assert.Equal(takesClient, request.HttpContext.Items.TryGetValue(LedgerApi.SagaDriverItem, out var driver) && driver is DurableTransferSagaDriver);
    }

    [Fact]
    public async Task Health_and_ping_answer_200_without_a_key()
    {
        await using var host = new FunctionsTestHost();

        Assert.Equal(StatusCodes.Status200OK, (await CallAsync(host.NewRequest("GET", "/health", apiKey: null), request => host.Http.Health(request))).Status);
        Assert.Equal(StatusCodes.Status200OK, (await CallAsync(host.NewRequest("GET", "/ping", apiKey: null), request => host.Http.Ping(request))).Status);
    }

    [Fact]
    public async Task An_account_opened_through_one_function_is_read_through_another()
    {
        await using var host = new FunctionsTestHost();

        var opened = await CallAsync(host.NewRequest("POST", "/accounts", """{"owner_id":"owner-1","account_id":"acct-1"}""", idempotencyKey: "open-1"), request => host.Http.OpenAccount(request));
        Assert.Equal(StatusCodes.Status201Created, opened.Status);

        var read = await CallAsync(host.NewRequest("GET", "/accounts/acct-1"), request => host.Http.GetAccount(request, "acct-1"));
        Assert.Equal(StatusCodes.Status200OK, read.Status);
        Assert.Equal("acct-1", Json(read).GetProperty("account_id").GetString());

        var missing = await CallAsync(host.NewRequest("GET", "/accounts/acct-2"), request => host.Http.GetAccount(request, "acct-2"));
        Assert.Equal(StatusCodes.Status404NotFound, missing.Status);
        Assert.Equal(ErrorCodes.AccountNotFound, Json(missing).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_transfer_started_through_its_function_runs_as_an_orchestration_and_answers_201_when_it_finishes_in_time()
    {
        await using var host = new FunctionsTestHost();
        await FundAsync(host);
        var client = new DurableClientMock(host);

        var started = await CallAsync(host.NewRequest("POST", "/transfers", """{"from":"acct-src","to":"acct-dst","amount":30,"reason":"content_unlock"}""", idempotencyKey: "transfer-1"), request => host.Http.StartTransfer(request, client.Object));

        Assert.Equal(StatusCodes.Status201Created, started.Status);
        Assert.Equal("posted", Json(started).GetProperty("state").GetString());
        var (name, _, options) = Assert.Single(client.Scheduled);
        Assert.Equal(TransferOrchestration.OrchestratorName, name.Name);
        Assert.Equal(TransferOrchestration.InstanceIdFor(new TransferKey("app1", Json(started).GetProperty("transfer_id").GetString()!)), options!.InstanceId);
        Assert.Equal(70, (await host.AccountAsync("acct-src")).Balance);
    }

    [Fact]
    public async Task A_transfer_whose_orchestration_outlasts_the_wait_answers_202_with_where_to_look()
    {
        await using var host = new FunctionsTestHost();
        await FundAsync(host);
        var client = new DurableClientMock(host) { CompletesWithinWait = false };

        // The request waits LedgerEngine.DefaultTransferWait for its orchestration, then answers.
        var started = await CallAsync(host.NewRequest("POST", "/transfers", """{"from":"acct-src","to":"acct-dst","amount":30,"reason":"content_unlock"}""", idempotencyKey: "transfer-2"), request => host.Http.StartTransfer(request, client.Object));

        Assert.Equal(StatusCodes.Status202Accepted, started.Status);
        var transferId = Json(started).GetProperty("transfer_id").GetString()!;
        Assert.Equal("crediting", Json(started).GetProperty("state").GetString());
        Assert.Equal("/transfers/" + transferId, started.Location);

        var read = await CallAsync(host.NewRequest("GET", started.Location), request => host.Http.GetTransfer(request, transferId));
        Assert.Equal(StatusCodes.Status200OK, read.Status);
        Assert.Equal("crediting", Json(read).GetProperty("state").GetString());
        Assert.Equal(30, (await host.AccountAsync("acct-src")).PendingDebits);
    }

    [Fact]
    public async Task A_hold_placed_and_captured_through_the_functions_is_posted_by_its_orchestration()
    {
        await using var host = new FunctionsTestHost();
        await FundAsync(host);
        var client = new DurableClientMock(host);

        var placed = await CallAsync(host.NewRequest("POST", "/holds", """{"from":"acct-src","to":"acct-dst","amount":50,"reason":"hold","expires_in_seconds":600}""", idempotencyKey: "hold-1"), request => host.Http.PlaceHold(request));
        Assert.Equal(StatusCodes.Status201Created, placed.Status);
        var holdId = Json(placed).GetProperty("transfer_id").GetString()!;

        var captured = await CallAsync(host.NewRequest("POST", $"/holds/{holdId}/capture", """{"amount":20}""", idempotencyKey: "capture-1"), request => host.Http.CaptureHold(request, holdId, client.Object));

        Assert.Equal(StatusCodes.Status201Created, captured.Status);
        Assert.Equal("posted", Json(captured).GetProperty("state").GetString());
        Assert.Equal(20, Json(captured).GetProperty("settle_amount").GetInt64());
        Assert.Single(client.Scheduled);
        var source = await host.AccountAsync("acct-src");
        Assert.Equal(80, source.Balance);
        Assert.Equal(0, source.PendingDebits);
    }

    [Fact]
    public async Task A_refund_through_its_function_runs_as_an_orchestration_of_its_own()
    {
        await using var host = new FunctionsTestHost();
        await FundAsync(host);
        var client = new DurableClientMock(host);
        var transfer = await CallAsync(host.NewRequest("POST", "/transfers", """{"from":"acct-src","to":"acct-dst","amount":30,"reason":"content_unlock"}""", idempotencyKey: "transfer-3"), request => host.Http.StartTransfer(request, client.Object));
        var transferId = Json(transfer).GetProperty("transfer_id").GetString()!;

        var refund = await CallAsync(host.NewRequest("POST", $"/transfers/{transferId}/refunds", """{"amount":10}""", idempotencyKey: "refund-1"), request => host.Http.RefundTransfer(request, transferId, client.Object));

        Assert.Equal(StatusCodes.Status201Created, refund.Status);
        Assert.Equal("posted", Json(refund).GetProperty("state").GetString());
        Assert.Equal(2, client.Scheduled.Count);
        Assert.NotEqual(client.Scheduled[0].Options!.InstanceId, client.Scheduled[1].Options!.InstanceId);
        Assert.Equal(80, (await host.AccountAsync("acct-src")).Balance);
    }

    [Fact]
    public async Task A_batch_through_its_function_is_answered_item_by_item_and_never_overdraws()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-src", funds: 3);
        var burns = string.Join(",", Enumerable.Range(0, 5).Select(index => $$"""{"kind":"burn","account_id":"acct-src","amount":1,"reason":"payout","nonce":"burn-{{index}}"}"""));
        var body = $$"""{"items":[{{burns}},{"kind":"mint","account_id":"acct-none","amount":1,"reason":"credit_purchase","nonce":"mint-1"}]}""";

        var answer = await CallAsync(host.NewRequest("POST", "/transactions/batch", body), request => host.Http.PostTransactionBatch(request));
        var replay = await CallAsync(host.NewRequest("POST", "/transactions/batch", body), request => host.Http.PostTransactionBatch(request));

        Assert.Equal(StatusCodes.Status200OK, answer.Status);
        var statuses = Json(answer).GetProperty("results").EnumerateArray().Select(result => result.GetProperty("status").GetInt32()).ToArray();
        Assert.Equal(3, statuses[..5].Count(status => status == StatusCodes.Status201Created));
        Assert.Equal(2, statuses[..5].Count(status => status == StatusCodes.Status422UnprocessableEntity));
        Assert.Equal(StatusCodes.Status404NotFound, statuses[5]);
        Assert.Equal(answer.Body, replay.Body);
        Assert.Equal(0, (await host.AccountAsync("acct-src")).Balance);
    }

    [Fact]
    public async Task A_batch_over_the_item_bound_through_its_function_is_one_400_and_posts_nothing()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-src");
        var mints = string.Join(",", Enumerable.Range(0, LedgerApi.MaxBatchItems + 1).Select(index => $$"""{"kind":"mint","account_id":"acct-src","amount":1,"reason":"credit_purchase","nonce":"mint-{{index}}"}"""));

        var answer = await CallAsync(host.NewRequest("POST", "/transactions/batch", $$"""{"items":[{{mints}}]}"""), request => host.Http.PostTransactionBatch(request));

        Assert.Equal(StatusCodes.Status400BadRequest, answer.Status);
        Assert.Equal(ErrorCodes.InvalidField, Json(answer).GetProperty("code").GetString());
        Assert.Equal(0, (await host.AccountAsync("acct-src")).Balance);
    }

    private static MethodInfo HttpFunction(string name)
        => Assert.Single(typeof(LedgerHttpFunctions).GetMethods(BindingFlags.Public | BindingFlags.Instance), method => method.GetCustomAttribute<FunctionAttribute>()?.Name == name);

    /// <summary>The value a test binds to a route parameter: recognisable, and a valid id of every kind.</summary>
    private static string ValueFor(string parameter) => parameter switch
    {
        "owner_id" => "owner-1",
        "account_id" => "acct-1",
        _ => "value-of-" + parameter.Replace('_', '-'),
    };

    /// <summary>Calls the named function with what the Functions host would bind to each of its parameters.</summary>
    private static async Task<Answer> InvokeAsync(FunctionsTestHost host, string name, HttpRequest request, DurableClientMock client)
    {
        var method = HttpFunction(name);
        var arguments = method.GetParameters().Select(parameter =>
            parameter.ParameterType == typeof(HttpRequest) ? request
            : parameter.ParameterType == typeof(DurableTaskClient) ? client.Object
            : parameter.ParameterType == typeof(string) ? (object)ValueFor(parameter.Name!)
            : throw new InvalidOperationException($"{name}: the test binds no {parameter.ParameterType.Name} {parameter.Name}.")).ToArray();
        var result = await (Task<IResult>)method.Invoke(host.Http, arguments)!;
        return await FunctionsTestHost.ExecuteAsync(result, request);
    }

    /// <summary>Calls a function with the request and executes its result on that request, as the Functions host does.</summary>
    private static async Task<Answer> CallAsync(HttpRequest request, Func<HttpRequest, Task<IResult>> function)
        => await FunctionsTestHost.ExecuteAsync(await function(request), request);

    private static JsonElement Json(Answer answer) => JsonDocument.Parse(answer.Body).RootElement;

    private static async Task FundAsync(FunctionsTestHost host)
    {
        await host.OpenAsync("acct-src", funds: 100);
        await host.OpenAsync("acct-dst");
    }
}
