using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;
using Microsoft.OpenApi;

namespace Ledger.Host.Tests.OpenApi;

/// <summary>
/// The served OpenAPI document is valid and is the contract of the route table: every route is an
/// operation with its parameters, body, statuses and error codes, and nothing else is.
/// </summary>
public sealed partial class OpenApiDocumentTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    public static TheoryData<string> RouteNames() => [.. LedgerRoutes.All.Select(route => route.Name)];

    [Fact]
    public async Task The_served_document_reads_without_diagnostics_and_passes_the_Microsoft_OpenApi_validator()
    {
        var read = OpenApiDocument.Parse(await ServedOpenApi.TextAsync(factory), "json");

        Assert.NotNull(read.Document);
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        var errors = read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? [];
        Assert.True(!errors.Any(), "Validation errors:\n" + string.Join("\n", errors.Select(error => $"{error.Pointer}: {error.Message}")));
    }

    [Fact]
    public async Task The_document_is_OpenAPI_3_1_titled_for_the_ledger()
    {
        var document = await ServedOpenApi.ParseAsync(factory);

        Assert.StartsWith("3.1.", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Credit ledger API", document["info"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public void Every_route_has_a_contract()
    {
        var undescribed = LedgerRoutes.All.Where(route => LedgerRoutes.ContractOf(route) is null).Select(route => route.Name).ToArray();

        Assert.True(undescribed.Length == 0, "Routes without a contract in LedgerRoutes.Contracts.cs: " + string.Join(", ", undescribed));
    }

    [Fact]
    public async Task The_operations_are_exactly_the_routes_with_their_names_as_operation_ids()
    {
        var document = await ServedOpenApi.ParseAsync(factory);
        var documented = ServedOpenApi.Operations(document).Select(operation => $"{operation.Method.ToUpperInvariant()} {operation.Path} {operation.Operation["operationId"]}").Order(StringComparer.Ordinal);
        var routes = LedgerRoutes.All.Select(route => $"{route.Method} /{route.Template} {route.Name}").Order(StringComparer.Ordinal);

        Assert.Equal(routes, documented);
    }

    [Fact]
    public async Task Operation_ids_are_unique()
    {
        var ids = ServedOpenApi.Operations(await ServedOpenApi.ParseAsync(factory)).Select(operation => operation.Operation["operationId"]?.GetValue<string>()).ToArray();

        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Every_brace_of_every_path_is_a_required_path_parameter_and_no_other_path_parameter_is_declared()
    {
        foreach (var (path, method, operation) in ServedOpenApi.Operations(await ServedOpenApi.ParseAsync(factory)))
        {
            var inPath = PathParameter().Matches(path).Select(match => match.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
            var declared = Parameters(operation).Where(parameter => parameter["in"]!.GetValue<string>() == "path").ToArray();

            Assert.Equal(inPath, declared.Select(parameter => parameter["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            Assert.All(declared, parameter => Assert.True(parameter["required"]?.GetValue<bool>() == true, $"{method} {path}: {parameter["name"]} is not required"));
            Assert.All(declared, parameter => Assert.NotNull(parameter["schema"]?["type"]));
        }
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Each_operation_documents_its_contract(string name)
    {
        var route = LedgerRoutes.Named(name);
        var contract = LedgerRoutes.ContractOf(route)!;
        var operation = ServedOpenApi.Operation(await ServedOpenApi.ParseAsync(factory), route);

        foreach (var parameter in contract.Parameters)
        {
            Assert.Contains(Parameters(operation), declared => declared["name"]!.GetValue<string>() == parameter.Name && declared["in"]!.GetValue<string>() == parameter.In.ToString().ToLowerInvariant());
        }

        Assert.Equal(contract.Idempotent, Parameters(operation).Any(parameter => parameter["name"]!.GetValue<string>() == LedgerApi.IdempotencyKeyHeader && parameter["in"]!.GetValue<string>() == "header"));
        Assert.Equal(contract.Body is not null, operation["requestBody"] is not null);
        if (contract.Body is not null)
        {
            Assert.Equal(contract.BodyRequired, operation["requestBody"]!["required"]?.GetValue<bool>() == true);
            Assert.NotNull(operation["requestBody"]!["content"]!["application/json"]!["schema"]);
        }

        foreach (var success in contract.Successes)
        {
            var response = operation["responses"]![success.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            Assert.True(response is not null, $"{name}: {success.Status} is not documented");
            Assert.NotNull(response!["content"]![success.ContentType]);
            Assert.Equal(success.Location, response["headers"]?["Location"] is not null);
        }

        var requirements = operation["security"]!.AsArray().Select(requirement => requirement!.AsObject().Count).ToArray();
        Assert.Equal(route.Anonymous ? [0] : [1, 1], requirements);
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Every_code_a_route_can_answer_is_documented_under_its_status_and_nothing_else_is(string name)
    {
        var route = LedgerRoutes.Named(name);
        var operation = ServedOpenApi.Operation(await ServedOpenApi.ParseAsync(factory), route);
        var expected = LedgerRoutes.ContractOf(route)!.ProblemCodes(route);

        foreach (var group in expected.GroupBy(Problems.StatusOf))
        {
            Assert.Equal(group.Order(StringComparer.Ordinal), ServedOpenApi.DocumentedCodes(operation, group.Key).Order(StringComparer.Ordinal));
        }

        var documentedStatuses = operation["responses"]!.AsObject().Select(response => int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)).Where(status => status >= 400);
        Assert.Equal(expected.Select(Problems.StatusOf).Distinct().Order(), documentedStatuses.Order());
    }

    [Fact]
    public async Task Every_error_code_is_in_the_problem_schema_and_each_but_method_not_allowed_is_answered_by_some_operation()
    {
        var document = await ServedOpenApi.ParseAsync(factory);
        var schemaCodes = document["components"]!["schemas"]!["ProblemBody"]!["properties"]!["code"]!["enum"]!.AsArray().Select(code => code!.GetValue<string>());
        var answered = LedgerRoutes.All.SelectMany(route => LedgerRoutes.ContractOf(route)!.ProblemCodes(route)).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(Problems.KnownCodes.Order(StringComparer.Ordinal), schemaCodes.Order(StringComparer.Ordinal));

        // 405 is the answer of a path for a method it has no operation for, so no operation can list it; the document's description does.
        Assert.Equal(Problems.KnownCodes.Where(code => code != Domain.ErrorCodes.MethodNotAllowed).Order(StringComparer.Ordinal), answered.Order(StringComparer.Ordinal));
        Assert.Contains(Domain.ErrorCodes.MethodNotAllowed, document["info"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_key_and_bearer_schemes_are_declared_and_every_authenticated_operation_accepts_either_with_its_scopes()
    {
        var document = await ServedOpenApi.ParseAsync(factory);
        var schemes = document["components"]!["securitySchemes"]!;

        Assert.Equal("apiKey", schemes["ApiKey"]!["type"]!.GetValue<string>());
        Assert.Equal("header", schemes["ApiKey"]!["in"]!.GetValue<string>());
        Assert.Equal(LedgerApi.ApiKeyHeader, schemes["ApiKey"]!["name"]!.GetValue<string>());
        Assert.Equal("http", schemes["Bearer"]!["type"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["Bearer"]!["scheme"]!.GetValue<string>());
        foreach (var route in LedgerRoutes.All.Where(route => !route.Anonymous))
        {
            var requirements = ServedOpenApi.Operation(document, route)["security"]!.AsArray().Select(requirement => requirement!.AsObject().Single()).ToArray();
            Assert.Equal(["ApiKey", "Bearer"], requirements.Select(requirement => requirement.Key).Order(StringComparer.Ordinal));
            Assert.All(requirements, requirement => Assert.Equal(Http.Authentication.LedgerScopes.AnyOf(route.Scope!), requirement.Value!.AsArray().Select(scope => scope!.GetValue<string>())));
        }
    }

    [Fact]
    public async Task Request_bodies_state_required_fields_bounds_and_the_kind_enum()
    {
        var document = await ServedOpenApi.ParseAsync(factory);
        var schemas = document["components"]!["schemas"]!;
        var transaction = schemas[nameof(TransactionBody)]!;

        Assert.Equal(["account_id", "kind"], transaction["required"]!.AsArray().Select(field => field!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(1, transaction["properties"]!["amount"]!["minimum"]!.GetValue<long>());
        Assert.Equal(Domain.Amount.MaxPerTransaction, transaction["properties"]!["amount"]!["maximum"]!.GetValue<long>());
        var kind = Resolve(document, transaction["properties"]!["kind"]!);
        Assert.Equal(["burn", "mint", "operation"], kind["enum"]!.AsArray().Select(value => value!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(500, schemas[nameof(TransferBody)]!["properties"]!["memo"]!["maxLength"]!.GetValue<int>());
    }

    [Fact]
    public async Task Whole_numbers_are_documented_as_integers_only_because_the_api_refuses_numeric_strings()
    {
        var text = await ServedOpenApi.TextAsync(factory);

        Assert.DoesNotContain("\"integer\",\"string\"", text.Replace(" ", string.Empty).Replace("\n", string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_request_body_has_an_example_that_follows_its_schema_field_names()
    {
        var document = await ServedOpenApi.ParseAsync(factory);
        foreach (var route in LedgerRoutes.All.Where(route => LedgerRoutes.ContractOf(route)!.BodyExample is not null))
        {
            var media = ServedOpenApi.Operation(document, route)["requestBody"]!["content"]!["application/json"]!;
            var properties = Resolve(document, media["schema"]!)["properties"]!.AsObject().Select(property => property.Key).ToHashSet(StringComparer.Ordinal);
            Assert.All(media["example"]!.AsObject(), field => Assert.Contains(field.Key, properties));
        }
    }

    internal static JsonObject Resolve(JsonObject document, JsonNode schema)
        => schema["$ref"]?.GetValue<string>() is { } reference
            ? document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!.AsObject()
            : schema.AsObject();

    private static IEnumerable<JsonObject> Parameters(JsonObject operation)
        => operation["parameters"]?.AsArray().Select(parameter => parameter!.AsObject()) ?? [];

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();
}
