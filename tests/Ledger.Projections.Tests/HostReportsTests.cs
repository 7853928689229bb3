using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Projections.Tests;

/// <summary>The local host end to end: the consumers run by default and the report routes answer over HTTP.</summary>
public sealed class HostReportsTests : IAsyncLifetime
{
    private const string OperatorKey = "test-operator-key-0123456789";

    private readonly TemporaryDirectory _data = new();
    private HostFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new HostFactory(_data.Path);
        _client = _factory.CreateClient();
        _client.DefaultRequestHeaders.Add("X-Api-Key", "dev-app1-key");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Summary_export_and_consumer_status_work_over_HTTP_with_the_consumers_the_host_runs_by_default()
    {
        await SendAsync(HttpMethod.Post, "/accounts", "open-http", """{"owner_id":"owner-h","account_id":"http-alice"}""", HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/transactions", "mint-1", """{"kind":"mint","account_id":"http-alice","amount":25,"reason":"credit_purchase","memo":"a, \"b\"\nc — ü","category":"store"}""", HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/transactions", "spend-1", """{"kind":"operation","account_id":"http-alice","operation":"CONTENT_CREATION"}""", HttpStatusCode.Created);

        using var summary = await GetJsonAsync("/accounts/http-alice/summary?from=2000-01-01T00:00:00Z");
        Assert.Equal(25, summary.RootElement.GetProperty("credits").GetInt64());
        Assert.Equal(5, summary.RootElement.GetProperty("debits").GetInt64());
        Assert.Equal(20, summary.RootElement.GetProperty("net").GetInt64());
        Assert.Equal(2, summary.RootElement.GetProperty("count").GetInt64());
        Assert.Equal(JsonValueKind.Null, summary.RootElement.GetProperty("by_operation")[0].GetProperty("key").ValueKind);

        using var requested = await SendAsync(HttpMethod.Post, "/exports", "export-1", """{"account_id":"http-alice"}""", HttpStatusCode.Accepted);
        var location = requested.Headers.Location!.ToString();
        Assert.StartsWith("/exports/exp_", location, StringComparison.Ordinal);
        JsonDocument? status = null;
        await Eventually.TrueAsync(async () =>
        {
            status?.Dispose();
            status = await GetJsonAsync(location);
            return status.RootElement.GetProperty("status").GetString() == "completed";
        }, "the export completed");
        Assert.Equal(2, status!.RootElement.GetProperty("row_count").GetInt64());

        using var file = await _client.GetAsync(status.RootElement.GetProperty("file_url").GetString());
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("text/csv", file.Content.Headers.ContentType!.MediaType);
        var rows = Rfc4180.Parse(Encoding.UTF8.GetString(await file.Content.ReadAsByteArrayAsync()));
        Assert.Equal(3, rows.Count);
        Assert.Equal("a, \"b\"\nc — ü", rows[1][7]);
        status.Dispose();

        using var consumers = await GetJsonAsync("/status/consumers");
        var names = consumers.RootElement.GetProperty("consumers").EnumerateArray().Select(consumer => consumer.GetProperty("name").GetString()).ToList();
        Assert.Equal(["snapshots", "exports", "audit"], names);

        // An app key sees how late each consumer is and its own dead letters, not every app's volumes.
        Assert.Equal("app1", consumers.RootElement.GetProperty("scope").GetString());
        Assert.All(consumers.RootElement.GetProperty("consumers").EnumerateArray(), consumer =>
        {
            Assert.True(consumer.TryGetProperty("seconds_behind", out _));
            Assert.False(consumer.TryGetProperty("changes_behind", out _));
            Assert.False(consumer.TryGetProperty("handled_changes", out _));
        });
        Assert.Equal(0, consumers.RootElement.GetProperty("dead_letters").GetArrayLength());

        using var missing = await _client.GetAsync("/exports/exp_000000000000000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var badScope = await SendAsync(HttpMethod.Post, "/exports", "export-2", """{"scope":"app","account_id":"http-alice"}""", HttpStatusCode.BadRequest);
    }

    /// <summary>A change of app2 that no consumer can decode: only app2 and the operator see its dead letter, and only the operator sees volumes.</summary>
    [Fact]
    public async Task The_consumer_status_shows_an_app_its_own_dead_letters_and_an_operator_everything()
    {
        var store = _factory.Services.GetRequiredService<ILedgerStore>();
        var partition = DocumentTypes.AccountPartition(TestLedger.App2, AccountId.From("http-bob"));
        var corrupt = await store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Create("tx:corrupt", DocumentTypes.Entry, Encoding.UTF8.GetBytes("{not json"), sortKey: 1)), CancellationToken.None);
        Assert.True(corrupt.IsCommitted);

        await Eventually.TrueAsync(async () =>
        {
            using var all = await GetJsonAsync("/status/consumers", OperatorKey);
            return all.RootElement.GetProperty("dead_letters").GetArrayLength() == 1;
        }, "the snapshot consumer set the corrupt entry aside");

        using var operatorView = await GetJsonAsync("/status/consumers", OperatorKey);
        using var app2View = await GetJsonAsync("/status/consumers", "dev-app2-key");
        using var app1View = await GetJsonAsync("/status/consumers");
        Assert.Equal("all", operatorView.RootElement.GetProperty("scope").GetString());
        Assert.All(operatorView.RootElement.GetProperty("consumers").EnumerateArray(), consumer => Assert.True(consumer.TryGetProperty("handled_changes", out _)));
        var letter = Assert.Single(app2View.RootElement.GetProperty("dead_letters").EnumerateArray());
        Assert.Equal("snapshots", letter.GetProperty("consumer").GetString());
        Assert.Equal("app2", letter.GetProperty("app_id").GetString());
        Assert.Equal(partition + "/tx:corrupt", letter.GetProperty("change_id").GetString()!.Split('@')[0]);
        Assert.Equal(0, app1View.RootElement.GetProperty("dead_letters").GetArrayLength());
    }

    /// <summary>An account document rewritten straight through the store: the audit reports it on the trial balance and the status route.</summary>
    [Fact]
    public async Task An_injected_inconsistency_shows_on_the_trial_balance_and_the_status_route_and_a_clean_app_stays_clean()
    {
        await SendAsync(HttpMethod.Post, "/accounts", "open-audit", """{"owner_id":"owner-a","account_id":"audit-alice"}""", HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/transactions", "mint-audit", """{"kind":"mint","account_id":"audit-alice","amount":70,"reason":"credit_purchase"}""", HttpStatusCode.Created);
        await Eventually.TrueAsync(async () =>
        {
            using var balance = await GetJsonAsync("/reports/trial-balance");
            return balance.RootElement.GetProperty("apps")[0].GetProperty("sum_of_balances").GetInt64() == 70;
        }, "the audit read the mint");
        using (var clean = await GetJsonAsync("/reports/trial-balance"))
        {
            Assert.True(clean.RootElement.GetProperty("clean").GetBoolean());
            Assert.Equal(70, clean.RootElement.GetProperty("apps")[0].GetProperty("minted").GetInt64());
        }

        var store = _factory.Services.GetRequiredService<ILedgerStore>();
        var partition = DocumentTypes.AccountPartition(TestLedger.App1, AccountId.From("audit-alice"));
        var stored = await store.ReadAsync(partition, DocumentTypes.AccountDocumentId, CancellationToken.None);
        var account = DocumentCodec.Decode(stored!, LedgerDocumentJsonContext.Default.AccountDocument) with { Balance = 7000 };
        var written = await store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Replace(DocumentTypes.AccountDocumentId, DocumentTypes.Account, DocumentCodec.Encode(account, LedgerDocumentJsonContext.Documents.AccountDocument), stored!.ETag)), CancellationToken.None);
        Assert.True(written.IsCommitted);

        await Eventually.TrueAsync(async () =>
        {
            using var all = await GetJsonAsync("/reports/trial-balance", OperatorKey);
            return !all.RootElement.GetProperty("clean").GetBoolean();
        }, "the audit reported the rewritten balance");

        using var operatorView = await GetJsonAsync("/reports/trial-balance", OperatorKey);
        Assert.Equal("all", operatorView.RootElement.GetProperty("scope").GetString());
        var app1 = operatorView.RootElement.GetProperty("apps").EnumerateArray().Single(app => app.GetProperty("app_id").GetString() == "app1");
        var codes = app1.GetProperty("recent_violations").EnumerateArray().Select(violation => violation.GetProperty("code").GetString()).ToList();
        Assert.Contains("balance_mismatch", codes);
        Assert.Equal(7000, app1.GetProperty("sum_of_balances").GetInt64());
        using var app2View = await GetJsonAsync("/reports/trial-balance", "dev-app2-key");
        Assert.Equal("app2", app2View.RootElement.GetProperty("scope").GetString());
        Assert.True(app2View.RootElement.GetProperty("clean").GetBoolean());
        using var status = await GetJsonAsync("/status/consumers");
        Assert.True(Assert.Single(status.RootElement.GetProperty("audit").EnumerateArray()).GetProperty("violations").GetInt64() > 0);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, string json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        var response = await _client.SendAsync(request);
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private async Task<JsonDocument> GetJsonAsync(string path, string? apiKey = null)
    {
        // Another caller than app1 gets a client of its own: one key per request.
        using var other = apiKey is null ? null : _factory.CreateClient();
        other?.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        using var response = await (other ?? _client).GetAsync(path);

        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private sealed class HostFactory(string dataDirectory) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Ledger:DataDirectory"] = dataDirectory,
                ["Ledger:Projections:PollInterval"] = "00:00:00.020",
                ["Ledger:Projections:RetryInitialDelay"] = "00:00:00.005",
                ["Ledger:Projections:RetryMaxDelay"] = "00:00:00.020",
                ["Ledger:Projections:StatusCacheDuration"] = "00:00:00",
                ["Ledger:Operators:ops:Keys:0:Key"] = OperatorKey,
            };
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        }
    }
}
