using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Ledger.Client.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Tests;

/// <summary>
/// The client held against the OpenAPI document the host serves: every operation the document has is
/// one the client calls, with the documented parameters and body fields, and every success shape the
/// document describes is one the client reads field for field. A route or field added on one side only
/// fails here.
/// </summary>
public sealed class OpenApiDriftTests : IClassFixture<OpenApiDriftTests.Walked>
{
    private readonly Walked _walked;

    public OpenApiDriftTests(Walked walked) => _walked = walked;

    /// <summary>The served document and one recorded walk of the client through the whole API.</summary>
    public sealed class Walked : IAsyncLifetime
    {
        private readonly LedgerTestHost _host = new();

        public JsonObject Document { get; private set; } = new();

        public IReadOnlyList<(RecordedCall Call, string Path)> Calls { get; private set; } = [];

        public async Task InitializeAsync()
        {
            using var http = _host.CreateClient();
            Document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!.AsObject();
            var recorder = new RecordingHandler();
            using var services = _host.ClientServices(build: builder => builder.AddHttpMessageHandler(() => recorder));
            await ClientTour.WalkAsync(_host.Client(services));
            Calls = recorder.Calls.Select(call => (call, OperationPath(Document, call))).ToArray();
        }

        public async Task DisposeAsync() => await _host.DisposeAsync();
    }

    [Fact]
    public void Every_operation_of_the_served_document_is_one_the_client_calls()
    {
        var documented = Operations(_walked.Document).Select(operation => $"{operation.Method} {operation.Path}").ToHashSet();
        var called = _walked.Calls.Select(call => $"{call.Call.Method.ToLowerInvariant()} {call.Path}").ToHashSet();

        Assert.Empty(documented.Except(called).Order());
        Assert.Empty(called.Except(documented).Order());
    }

    [Fact]
    public void Every_query_parameter_the_client_sends_is_documented_and_every_documented_one_is_sent()
    {
        foreach (var (path, method, operation) in Operations(_walked.Document))
        {
            var documented = Parameters(_walked.Document, operation, "query").Select(parameter => parameter.Name).ToHashSet();
            var sent = _walked.Calls.Where(call => call.Path == path && call.Call.Method.Equals(method, StringComparison.OrdinalIgnoreCase))
                .SelectMany(call => QueryNames(call.Call.PathAndQuery)).ToHashSet();
            Assert.True(sent.SetEquals(documented), $"{method} {path}: the client sends [{string.Join(", ", sent.Order())}], the document has [{string.Join(", ", documented.Order())}]");
        }
    }

    [Fact]
    public void Every_write_sends_its_idempotency_key_where_the_document_asks_for_it()
    {
        foreach (var (call, path) in _walked.Calls.Where(call => call.Call.Body is { Length: > 0 }))
        {
            var operation = Operation(_walked.Document, call.Method, path);
            var body = JsonNode.Parse(call.Body!)!.AsObject();
            if (Parameters(_walked.Document, operation, "header").Any(parameter => parameter.Name == LedgerClient.IdempotencyKeyHeader))
            {
                // One key per logical call, in the header; never a second copy in the body's nonce.
                Assert.False(string.IsNullOrEmpty(call.IdempotencyKey), $"{call.Method} {path} was sent without a key");
                Assert.False(body.ContainsKey("nonce"));
            }
            else
            {
                // A batch: each item carries its own key as its nonce, the request none.
                Assert.Null(call.IdempotencyKey);
                Assert.All(body["items"]!.AsArray(), item => Assert.False(string.IsNullOrEmpty(item!["nonce"]?.GetValue<string>())));
            }
        }
    }

    [Fact]
    public void Every_request_body_the_document_describes_is_a_client_request_type_with_the_same_fields()
    {
        foreach (var (path, method, operation) in Operations(_walked.Document))
        {
            var schema = Resolve(_walked.Document, operation["requestBody"]?["content"]?["application/json"]?["schema"]);
            var documented = PropertyNames(schema).Where(name => name != "nonce").ToHashSet();
            if (documented.Count == 0)
            {
                // A state change: its body may carry only a nonce, which the client never needs to send.
                Assert.DoesNotContain(_walked.Calls, call => call.Path == path && call.Call.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && call.Call.Body is { Length: > 0 });
                continue;
            }

            var type = RequestTypes[$"{method} {path}"];
            var client = Names(type);
            Assert.True(client.SetEquals(documented), $"{type.Type.Name} has [{string.Join(", ", client.Order())}], {method} {path} documents [{string.Join(", ", documented.Order())}]");
            var required = Required(schema).Where(name => name != "nonce");
            Assert.All(required, name => Assert.True(type.Properties.Single(property => property.Name == name).IsRequired, $"{type.Type.Name}.{name} is required by the document"));
        }
    }

    [Fact]
    public void Every_body_the_client_sent_holds_only_documented_fields()
    {
        foreach (var (call, path) in _walked.Calls.Where(call => call.Call.Body is { Length: > 0 }))
        {
            var schema = Resolve(_walked.Document, Operation(_walked.Document, call.Method, path)["requestBody"]?["content"]?["application/json"]?["schema"]);
            var sent = JsonNode.Parse(call.Body!)!.AsObject().Select(field => field.Key);
            Assert.All(sent, name => Assert.Contains(name, PropertyNames(schema)));
        }
    }

    [Fact]
    public void Every_documented_success_body_is_read_by_a_client_type_with_the_same_fields()
    {
        var seen = new HashSet<string>();
        foreach (var (path, method, operation) in Operations(_walked.Document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject().Where(response => response.Key.StartsWith('2')))
            {
                var reference = response!["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>();
                if (reference is null)
                {
                    continue;
                }

                var name = reference.Split('/')[^1];
                Assert.True(ResponseTypes.TryGetValue(name, out var type), $"{method} {path} {status} answers {name}, which no client type reads");
                seen.Add(name);
                AssertSameFields(type!, Resolve(_walked.Document, response["content"]!["application/json"]!["schema"]));
            }
        }

        Assert.Empty(ResponseTypes.Keys.Except(seen));
    }

    [Fact]
    public void Every_nested_shape_the_client_reads_has_the_documented_fields()
    {
        foreach (var (pointer, type) in NestedTypes)
        {
            var schema = Resolve(_walked.Document, new JsonObject { ["$ref"] = pointer });
            Assert.True(schema is not null, $"the document has no schema at {pointer}");
            AssertSameFields(type, schema);
        }
    }

    [Fact]
    public void The_problem_the_client_reads_has_the_documented_fields()
    {
        var problems = Operations(_walked.Document).SelectMany(operation => operation.Operation["responses"]!.AsObject())
            .Select(response => response.Value?["content"]?["application/problem+json"]?["schema"]).Where(schema => schema is not null).ToArray();
        Assert.NotEmpty(problems);
        Assert.All(problems, schema => Assert.Superset(PropertyNames(Resolve(_walked.Document, schema)).ToHashSet(), Names(ClientJson.Default.LedgerProblem)));
    }

    private static readonly Dictionary<string, JsonTypeInfo> RequestTypes = new(StringComparer.Ordinal)
    {
        ["post /ledger"] = ClientJson.Default.LedgerPostRequest,
        ["post /accounts"] = ClientJson.Default.OpenAccountRequest,
        ["post /transactions"] = ClientJson.Default.TransactionRequest,
        ["post /transactions/{transaction_id}/refunds"] = ClientJson.Default.MintRefundRequest,
        ["post /transfers"] = ClientJson.Default.TransferRequest,
        ["post /transfers/{transfer_id}/refunds"] = ClientJson.Default.RefundRequest,
        ["post /holds"] = ClientJson.Default.HoldRequest,
        ["post /holds/{hold_id}/capture"] = ClientJson.Default.CaptureRequest,
        ["post /exports"] = ClientJson.Default.ExportRequest,
        ["post /transactions/batch"] = WireJson.Default.TransactionBatchBody,
    };

    /// <summary>The document's success schemas by name, and the client type that reads each.</summary>
    private static readonly Dictionary<string, JsonTypeInfo> ResponseTypes = new(StringComparer.Ordinal)
    {
        ["HealthResponse"] = ClientJson.Default.HealthReport,
        ["PingResponse"] = ClientJson.Default.PingReply,
        ["LedgerPostingResponse"] = ClientJson.Default.LedgerPosting,
        ["OwnerBalanceResponse"] = ClientJson.Default.OwnerBalance,
        ["AccountResponse"] = ClientJson.Default.Account,
        ["AccountListResponse"] = ClientJson.Default.AccountPage,
        ["BalanceResponse"] = ClientJson.Default.Balance,
        ["EntryPageResponse"] = ClientJson.Default.EntryPage,
        ["EntryDocument"] = ClientJson.Default.Entry,
        ["TransferResponse"] = ClientJson.Default.Transfer,
        ["TransferListResponse"] = ClientJson.Default.TransferPage,
        ["SummaryResponse"] = ClientJson.Default.AccountSummary,
        ["ExportResponse"] = ClientJson.Default.Export,
        ["ConsumerStatusListResponse"] = ClientJson.Default.ConsumerReport,
        ["TrialBalanceResponse"] = ClientJson.Default.TrialBalance,
        ["VerificationResponse"] = ClientJson.Default.AccountVerification,
        ["TransactionBatchResponse"] = ClientJson.Default.TransactionBatchResult,
    };

    /// <summary>
    /// The document's nested shapes, by JSON pointer, and the client type that reads or writes each: a batch item is
    /// described inline in its request body, not as a named schema, so it is found where the body's items are.
    /// </summary>
    private static readonly Dictionary<string, JsonTypeInfo> NestedTypes = new(StringComparer.Ordinal)
    {
        ["#/components/schemas/LegDocument"] = ClientJson.Default.Leg,
        ["#/components/schemas/LegResponse"] = ClientJson.Default.Leg,
        ["#/components/schemas/SummaryGroupResponse"] = ClientJson.Default.SummaryGroup,
        ["#/components/schemas/ConsumerStatusResponse"] = ClientJson.Default.ConsumerStatus,
        ["#/components/schemas/DeadLetterResponse"] = ClientJson.Default.DeadLetter,
        ["#/components/schemas/ChainBreakResponse"] = ClientJson.Default.ChainBreak,
        ["#/components/schemas/AuditAppResponse"] = ClientJson.Default.AuditedApp,
        ["#/components/schemas/AuditViolationResponse"] = ClientJson.Default.AuditViolation,
        ["#/components/schemas/TransactionBatchBody/properties/items/items"] = WireJson.Default.TransactionBatchItem,
        ["#/components/schemas/BatchItemResult"] = ClientJson.Default.BatchItemResult,
    };

    private static void AssertSameFields(JsonTypeInfo type, JsonNode? schema)
    {
        var documented = PropertyNames(schema).ToHashSet();
        var client = Names(type);
        Assert.True(client.SetEquals(documented), $"{type.Type.Name} reads [{string.Join(", ", client.Order())}], the document has [{string.Join(", ", documented.Order())}]");
    }

    private static HashSet<string> Names(JsonTypeInfo type) => type.Properties
        .Where(property => property.AttributeProvider?.IsDefined(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), inherit: true) != true)
        .Select(property => property.Name).ToHashSet();

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation is JsonObject found && method is "get" or "post" or "put" or "patch" or "delete")
                {
                    yield return (path, method, found);
                }
            }
        }
    }

    private static JsonObject Operation(JsonObject document, string method, string path)
        => document["paths"]![path]![method.ToLowerInvariant()]!.AsObject();

    /// <summary>The documented path a recorded call hit: literal segments beat parameters, as the router decides.</summary>
    private static string OperationPath(JsonObject document, RecordedCall call)
    {
        var path = call.PathAndQuery.Split('?')[0];
        var match = document["paths"]!.AsObject().Select(item => item.Key)
            .Where(template => Regex.IsMatch(path, "^" + Regex.Replace(template, @"\{[^}]+\}", "[^/]+") + "$"))
            .OrderBy(template => template.Count(character => character == '{'))
            .FirstOrDefault();
        Assert.True(match is not null, $"{call.Method} {path} is no path of the document");
        return match!;
    }

    private static IEnumerable<(string Name, JsonNode Parameter)> Parameters(JsonObject document, JsonObject operation, string place)
        => (operation["parameters"]?.AsArray() ?? [])
            .Select(parameter => Resolve(document, parameter)!)
            .Where(parameter => parameter["in"]?.GetValue<string>() == place)
            .Select(parameter => (parameter["name"]!.GetValue<string>(), parameter));

    private static IEnumerable<string> QueryNames(string pathAndQuery)
        => pathAndQuery.Contains('?') ? pathAndQuery.Split('?', 2)[1].Split('&').Select(pair => Uri.UnescapeDataString(pair.Split('=')[0])) : [];

    private static JsonNode? Resolve(JsonObject document, JsonNode? node)
    {
        while (node?["$ref"]?.GetValue<string>() is { } reference)
        {
            node = reference.TrimStart('#', '/').Split('/').Aggregate((JsonNode?)document, (current, part) => current?[part]);
        }

        return node;
    }

    private static IEnumerable<string> PropertyNames(JsonNode? schema) => schema?["properties"]?.AsObject().Select(property => property.Key) ?? [];

    private static IEnumerable<string> Required(JsonNode? schema) => schema?["required"]?.AsArray().Select(name => name!.GetValue<string>()) ?? [];
}
