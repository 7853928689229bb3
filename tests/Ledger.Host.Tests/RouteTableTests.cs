using System.Text.RegularExpressions;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;

namespace Ledger.Host.Tests;

/// <summary>
/// Every route of <see cref="LedgerRoutes.All"/>, whatever it is when the tests run: each is mapped, each
/// authenticates, and none answers bad input with a 5xx. Routes added later are covered without edits.
/// </summary>
public sealed partial class RouteTableTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static TheoryData<string> RouteNames() => [.. LedgerRoutes.All.Select(route => route.Name)];

    public static TheoryData<string> AuthenticatedRouteNames() => [.. LedgerRoutes.All.Where(route => !route.Anonymous).Select(route => route.Name)];

    /// <summary>Bodies a careless or hostile client sends: none, empty, truncated, the wrong shape, the wrong media type.</summary>
    public static TheoryData<string, string?, string?> BadBodies() => new()
    {
        { "no body", null, null },
        { "empty", string.Empty, "application/json" },
        { "empty object", "{}", "application/json" },
        { "truncated", "{\"a\":", "application/json" },
        { "array", "[1,2,3]", "application/json" },
        { "null", "null", "application/json" },
        { "wrong types", "{\"owner_id\":1,\"account_id\":[],\"amount\":\"x\",\"nonce\":{}}", "application/json" },
        { "text", "hello", "text/plain" },
    };

    [Fact]
    public void The_route_table_holds_at_least_the_core_routes_and_no_duplicates()
    {
        var routes = LedgerRoutes.All.Select(route => $"{route.Method} /{route.Template}").ToArray();
        string[] core =
        [
            "GET /health", "GET /ping", "POST /ledger", "GET /ledger/{owner_id}", "POST /accounts", "GET /accounts",
            "GET /accounts/{account_id}", "POST /accounts/{account_id}/freeze", "POST /accounts/{account_id}/unfreeze",
            "POST /accounts/{account_id}/close", "GET /accounts/{account_id}/balance", "GET /accounts/{account_id}/entries",
            "POST /transactions",
        ];
        Assert.All(core, route => Assert.Contains(route, routes));
        Assert.Equal(routes.Length, routes.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(LedgerRoutes.All.Count, LedgerRoutes.All.Select(route => route.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Every_route_is_mapped_and_answers_bad_input_without_a_server_error(string name)
    {
        var route = LedgerRoutes.Named(name);
        using var app1 = factory.App1();
        foreach (var (label, body, contentType) in BadBodies().Select(row => ((string)row[0], (string?)row[1], (string?)row[2])))
        {
            var method = new HttpMethod(route.Method);
            var response = await app1.SendAsync(method, PathOf(route), method == HttpMethod.Get ? null : LedgerClient.Content(body, contentType));

            var context = $"{route.Method} {PathOf(route)} with {label}: {response}";
            Assert.True(response.Status < 500, "Server error for " + context);
            Assert.False(response.Status == 404 && response.Body.Contains("\"route_not_found\"", StringComparison.Ordinal), "Not mapped: " + context);
            Assert.True(response.Status != 405, "Method refused: " + context);
            if (response.Status >= 400)
            {
                ProblemAssert.IsProblem(response);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AuthenticatedRouteNames))]
    public async Task Every_authenticated_route_refuses_a_missing_or_invalid_key_with_401(string name)
    {
        var route = LedgerRoutes.Named(name);
        var method = new HttpMethod(route.Method);
        var body = method == HttpMethod.Get ? null : "{}";

        using var anonymous = factory.Client(apiKey: null);
        ProblemAssert.Is(await anonymous.SendAsync(method, PathOf(route), LedgerClient.Content(body)), 401, "missing_api_key");

        foreach (var key in new[] { "wrong-key-of-app1", "DEV-APP1-KEY", "dev-app1-key ", new string('k', 300) })
        {
            using var client = factory.Client(key);
            ProblemAssert.Is(await client.SendAsync(method, PathOf(route), LedgerClient.Content(body)), 401, "invalid_api_key");
        }
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task A_method_a_path_does_not_serve_is_405_with_an_Allow_header_naming_those_it_does(string name)
    {
        var route = LedgerRoutes.Named(name);
        var served = LedgerRoutes.All.Where(other => other.Template == route.Template).Select(other => other.Method).ToHashSet(StringComparer.Ordinal);
        var method = Methods.First(candidate => !served.Contains(candidate));
        using var app1 = factory.App1();

        var response = await app1.SendAsync(new HttpMethod(method), PathOf(route), method is "GET" or "DELETE" ? null : LedgerClient.Content("{}"));

        ProblemAssert.Is(response, 405, "method_not_allowed");
        var allow = response.Header("Allow");
        Assert.NotNull(allow);
        Assert.Equal(served.Order(StringComparer.Ordinal), allow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/nope")]
    [InlineData("POST", "/ledgers")]
    [InlineData("GET", "/accounts/a/b/c/d")]
    [InlineData("GET", "/accounts/a/balances")]
    [InlineData("DELETE", "/no/such/route")]
    public async Task An_unknown_path_is_404_route_not_found(string method, string path)
    {
        foreach (var key in new[] { LedgerApiFactory.App1Key, null })
        {
            using var client = factory.Client(key);
            ProblemAssert.Is(await client.SendAsync(new HttpMethod(method), path, method == "GET" ? null : LedgerClient.Content("{}")), 404, "route_not_found");
        }
    }

    /// <summary>The route's template with every parameter replaced by an id no test has used.</summary>
    internal static string PathOf(RouteDefinition route)
        => "/" + RouteParameter().Replace(route.Template, _ => "x-" + Guid.NewGuid().ToString("N")[..12]);

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
