using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;

namespace Ledger.Host.Tests.OpenApi;

/// <summary>The OpenAPI document as the host serves it, and the parts of it tests look at.</summary>
internal static class ServedOpenApi
{
    public const string Path = "/openapi/v1.json";

    public static async Task<string> TextAsync(LedgerApiFactory factory)
    {
        using var anonymous = factory.Client(apiKey: null);
        var response = (await anonymous.GetAsync(Path)).Expect(200);
        Assert.Equal("application/json", response.MediaType);
        return response.Body;
    }

    public static async Task<JsonObject> ParseAsync(LedgerApiFactory factory)
        => JsonNode.Parse(await TextAsync(factory))!.AsObject();

    /// <summary>The operation documenting <paramref name="route"/>; fails the test when there is none.</summary>
    public static JsonObject Operation(JsonObject document, RouteDefinition route)
    {
        var operation = document["paths"]?["/" + route.Template]?[route.Method.ToLowerInvariant()];
        Assert.True(operation is JsonObject, $"No operation for {route.Method} /{route.Template}");
        return operation!.AsObject();
    }

    /// <summary>Every operation of the document as (path, method, operation).</summary>
    public static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation is JsonObject found && method is "get" or "post" or "put" or "patch" or "delete" or "head" or "options")
                {
                    yield return (path, method, found);
                }
            }
        }
    }

    /// <summary>The error codes documented for one status of an operation (the enum of its problem schema).</summary>
    public static IReadOnlyList<string> DocumentedCodes(JsonObject operation, int status)
    {
        var schema = operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?[Problems.ContentType]?["schema"];
        return schema?["properties"]?["code"]?["enum"]?.AsArray().Select(code => code!.GetValue<string>()).ToArray() ?? [];
    }
}
