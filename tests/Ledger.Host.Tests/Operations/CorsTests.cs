using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Operations;

/// <summary>Browsers on the origins of <c>Ledger:Cors:Origins</c> may call the API, preflight included; others get no CORS headers.</summary>
public sealed class CorsTests : IAsyncLifetime
{
    private const string Allowed = "https://app.example.com";

    private readonly OperationsHostFactory _host = new(("Ledger:Cors:Origins:0", Allowed));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_preflight_from_a_listed_origin_is_answered_with_the_method_and_headers_allowed()
    {
        using var anonymous = _host.Client(apiKey: null);

        var preflight = await anonymous.SendAsync(HttpMethod.Options, "/ledger", content: null,
            ("Origin", Allowed), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "x-api-key,content-type,idempotency-key"));

        Assert.Equal(204, preflight.Status);
        Assert.Equal(Allowed, preflight.Header("Access-Control-Allow-Origin"));
        Assert.Contains("POST", preflight.Header("Access-Control-Allow-Methods") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("x-api-key", preflight.Header("Access-Control-Allow-Headers") ?? string.Empty, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_request_from_a_listed_origin_carries_the_origin_back_and_exposes_Location()
    {
        using var client = _host.Client();

        var response = (await client.PostAsync("/ledger", LedgerClient.Ledger(Ids.Owner(), "SIGNUP_CREDIT").ToJsonString(), "application/json", ("Origin", Allowed))).Expect(201);

        Assert.Equal(Allowed, response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("Location", response.Header("Access-Control-Expose-Headers") ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_origin_gets_no_CORS_header_so_the_browser_keeps_it_out()
    {
        using var anonymous = _host.Client(apiKey: null);

        var preflight = await anonymous.SendAsync(HttpMethod.Options, "/ledger", content: null,
            ("Origin", "https://evil.example.com"), ("Access-Control-Request-Method", "POST"));
        var simple = await anonymous.GetAsync("/ping", ("Origin", "https://evil.example.com"));

        Assert.Null(preflight.Header("Access-Control-Allow-Origin"));
        Assert.Null(simple.Header("Access-Control-Allow-Origin"));
    }
}
