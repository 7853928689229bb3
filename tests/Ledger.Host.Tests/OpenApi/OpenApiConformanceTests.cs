using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;

namespace Ledger.Host.Tests.OpenApi;

/// <summary>
/// What the API answers is what the document says: each route is probed with missing and wrong keys,
/// careless bodies and ids that name nothing, and every answer's status (and a problem's code) must be one
/// its operation documents; each body's documented fields are exactly the fields its handler accepts.
/// </summary>
public sealed partial class OpenApiConformanceTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    public static TheoryData<string> RouteNames() => [.. LedgerRoutes.All.Select(route => route.Name)];

    public static TheoryData<string> BodyRouteNames() => [.. LedgerRoutes.All.Where(route => LedgerRoutes.ContractOf(route)?.Body is not null).Select(route => route.Name)];

    private static readonly (string? Body, string? ContentType)[] CarelessBodies =
    [
        (null, null), (string.Empty, "application/json"), ("{}", "application/json"), ("{\"a\":", "application/json"), ("[1,2]", "application/json"),
        ("{\"amount\":\"5\",\"nonce\":7}", "application/json"), ("{\"amount\":0,\"nonce\":\"probe-zero\"}", "application/json"),
        ("{\"amount\":1.5,\"nonce\":\"probe-fraction\"}", "application/json"), ("{\"amount\":1e30,\"nonce\":\"probe-huge\"}", "application/json"), ("kind=mint", "text/plain"),
    ];

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Every_answer_to_a_probe_is_a_status_and_code_the_operation_documents(string name)
    {
        var route = LedgerRoutes.Named(name);
        var operation = ServedOpenApi.Operation(await ServedOpenApi.ParseAsync(factory), route);
        var method = new HttpMethod(route.Method);
        using var app1 = factory.App1();
        using var anonymous = factory.Client(apiKey: null);
        using var wrongKey = factory.Client("not-a-key-of-any-app");

        var answers = new List<(string Probe, ApiResponse Response)>();
        foreach (var path in new[] { ExamplePath(route), UnknownPath(route) })
        {
            answers.Add(("no key", await anonymous.SendAsync(method, path, null)));
            answers.Add(("wrong key", await wrongKey.SendAsync(method, path, null)));
            foreach (var (body, contentType) in method == HttpMethod.Get ? [(null, null)] : CarelessBodies)
            {
                answers.Add(($"body {body ?? "(none)"} as {contentType}", await app1.SendAsync(method, path, LedgerClient.Content(body, contentType))));
            }
        }

        foreach (var (probe, response) in answers)
        {
            var documented = operation["responses"]![response.Status.ToString(CultureInfo.InvariantCulture)];
            Assert.True(documented is not null, $"{name} {probe}: status {response.Status} is not documented: {response.Body}");
            if (response.Status >= 400)
            {
                var code = ProblemAssert.IsProblem(response).GetProperty("code").GetString()!;
                Assert.True(ServedOpenApi.DocumentedCodes(operation, response.Status).Contains(code), $"{name} {probe}: code {code} is not documented under {response.Status}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(BodyRouteNames))]
    public async Task The_documented_body_fields_are_exactly_the_fields_the_handler_accepts(string name)
    {
        var route = LedgerRoutes.Named(name);
        var document = await ServedOpenApi.ParseAsync(factory);
        var schema = OpenApiDocumentTests.Resolve(document, ServedOpenApi.Operation(document, route)["requestBody"]!["content"]!["application/json"]!["schema"]!);
        using var app1 = factory.App1();

        var refusal = await app1.SendAsync(new HttpMethod(route.Method), ExamplePath(route), LedgerClient.Content("{\"zz_not_a_field\": 1}"));

        var detail = ProblemAssert.Is(refusal, 400, "unknown_field").GetProperty("detail").GetString()!;
        var accepted = AllowedList().Match(detail).Groups[1].Value.Split(", ");
        Assert.Equal(accepted.Order(StringComparer.Ordinal), schema["properties"]!.AsObject().Select(property => property.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(BodyRouteNames))]
    public async Task Leaving_out_a_documented_required_field_is_refused_with_a_documented_400(string name)
    {
        var route = LedgerRoutes.Named(name);
        var contract = LedgerRoutes.ContractOf(route)!;
        var document = await ServedOpenApi.ParseAsync(factory);
        var operation = ServedOpenApi.Operation(document, route);
        var schema = OpenApiDocumentTests.Resolve(document, operation["requestBody"]!["content"]!["application/json"]!["schema"]!);
        using var app1 = factory.App1();

        foreach (var required in schema["required"]?.AsArray().Select(field => field!.GetValue<string>()) ?? [])
        {
            var body = JsonNode.Parse(contract.BodyExample!)!.AsObject();
            body.Remove(required);
            body["nonce"] = "probe-without-" + required + "-" + name;
            var response = await app1.SendAsync(new HttpMethod(route.Method), ExamplePath(route), LedgerClient.Content(body.ToJsonString()));

            var code = ProblemAssert.IsProblem(response).GetProperty("code").GetString()!;
            Assert.True(response.Status == 400, $"{name} without {required}: {response}");
            Assert.Contains(code, ServedOpenApi.DocumentedCodes(operation, 400));
        }
    }

    /// <summary>The route's path with the documented example value of each path parameter.</summary>
    internal static string ExamplePath(RouteDefinition route)
        => "/" + Brace().Replace(route.Template, match => LedgerRoutes.PathParameters[match.Groups[1].Value].Example);

    private static string UnknownPath(RouteDefinition route)
        => "/" + Brace().Replace(route.Template, _ => "no-such-" + Guid.NewGuid().ToString("N")[..8]);

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex Brace();

    [GeneratedRegex(@"allowed: ([a-z_, ]+)\.")]
    private static partial Regex AllowedList();
}
