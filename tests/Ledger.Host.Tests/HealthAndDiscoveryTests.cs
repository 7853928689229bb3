using System.Text.Json;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;

namespace Ledger.Host.Tests;

/// <summary>The anonymous routes and the OpenAPI document.</summary>
public sealed class HealthAndDiscoveryTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task Health_answers_without_a_key_and_names_no_app()
    {
        using var anonymous = factory.Client(apiKey: null);
        var response = (await anonymous.GetAsync("/health")).Expect(200);

        Assert.Equal("application/json", response.MediaType);
        Assert.Equal("ok", response.Json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, response.Json.GetProperty("time").ValueKind);
        Assert.Equal(["status", "time"], response.Json.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("app1", response.Json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ignores_an_invalid_key_because_it_is_anonymous()
    {
        using var client = factory.Client("not-a-real-key");
        (await client.GetAsync("/health")).Expect(200);
    }

    [Fact]
    public async Task Ping_answers_ok_without_a_key()
    {
        using var anonymous = factory.Client(apiKey: null);
        var response = (await anonymous.GetAsync("/ping")).Expect(200);

        Assert.Equal("application/json", response.MediaType);
        Assert.True(response.Json.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task OpenApi_document_is_served_and_lists_every_route_of_the_route_table()
    {
        using var anonymous = factory.Client(apiKey: null);
        var response = (await anonymous.GetAsync("/openapi/v1.json")).Expect(200);

        var document = response.Json;
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        foreach (var route in LedgerRoutes.All)
        {
            Assert.True(paths.TryGetProperty("/" + route.Template, out var path), $"OpenAPI has no path /{route.Template}");
            Assert.True(path.TryGetProperty(route.Method.ToLowerInvariant(), out _), $"OpenAPI has no {route.Method} /{route.Template}");
        }
    }
}
