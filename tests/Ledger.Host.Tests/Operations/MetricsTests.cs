using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Operations;

/// <summary><c>/metrics</c> is a Prometheus scrape that carries the ledger's own meter.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly OperationsHostFactory _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task After_a_posting_and_a_refusal_the_scrape_shows_them_with_the_store_commit_figures()
    {
        using var client = _host.Client();
        var owner = Ids.Owner();
        (await client.PostAsync("/ledger", LedgerClient.Ledger(owner, "SIGNUP_CREDIT"))).Expect(201);
        ProblemAssert.Is(await client.PostAsync("/ledger", LedgerClient.Ledger(owner, "CONTENT_CREATION")), 422, "insufficient_funds");

        using var anonymous = _host.Client(apiKey: null);
        var scrape = (await anonymous.GetAsync("/metrics")).Expect(200);

        Assert.StartsWith("text/plain", scrape.MediaType ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains(Series(scrape.Body, "ledger_postings_total"), line => line.Contains("kind=\"operation\"", StringComparison.Ordinal));
        Assert.Contains(Series(scrape.Body, "ledger_refusals_total"), line => line.Contains("code=\"insufficient_funds\"", StringComparison.Ordinal));
        Assert.NotEmpty(Series(scrape.Body, "ledger_store_commit_duration_seconds_count"));
        Assert.NotEmpty(Series(scrape.Body, "ledger_store_commit_group_size"));
    }

    [Fact]
    public async Task The_scrape_includes_ASP_NET_Core_and_runtime_metrics()
    {
        using var anonymous = _host.Client(apiKey: null);
        (await anonymous.GetAsync("/ping")).Expect(200);

        var scrape = (await anonymous.GetAsync("/metrics")).Expect(200);

        Assert.NotEmpty(Series(scrape.Body, "http_server_request_duration_seconds"));
        Assert.NotEmpty(Series(scrape.Body, "dotnet_"));
    }

    /// <summary>The sample lines (not # HELP / # TYPE) whose metric name starts with <paramref name="prefix"/>.</summary>
    private static string[] Series(string scrape, string prefix)
        => scrape.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
}
