using Ledger.Host.Tests.Infrastructure;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ledger.Host.Tests;

/// <summary>
/// The two server-side codes: a store that is down is 503 <c>store_unavailable</c> with Retry-After, a store
/// that breaks is 500 <c>internal_error</c>; both are problem documents that leak nothing, and neither
/// leaves a partial write behind.
/// </summary>
public sealed class StoreFaultTests : IAsyncLifetime
{
    private readonly FaultyStore _store = new(new InMemoryLedgerStore());
    private readonly LedgerApiFactory _factory = new();
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _host = null!;

    public Task InitializeAsync()
    {
        _host = _factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<ILedgerStore>();
            services.AddSingleton<ILedgerStore>(_store);
        }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Theory]
    [InlineData("GET", "/accounts/{acct}")]
    [InlineData("GET", "/accounts/{acct}/balance")]
    [InlineData("GET", "/accounts/{acct}/entries")]
    [InlineData("GET", "/ledger/{acct}")]
    [InlineData("GET", "/accounts?owner_id={acct}")]
    [InlineData("POST", "/ledger")]
    [InlineData("POST", "/transactions")]
    [InlineData("POST", "/accounts")]
    [InlineData("POST", "/accounts/{acct}/freeze")]
    public async Task A_store_that_is_unavailable_gives_503_with_Retry_After_and_nothing_half_written(string method, string template)
    {
        using var app1 = Client();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 10);
        var before = await app1.SnapshotAsync(accountId);

        _store.FailWith(() => new StoreUnavailableException("injected: store down"));
        ApiResponse response;
        try
        {
            response = await Send(app1, method, template, accountId);
        }
        finally
        {
            _store.Heal();
        }

        ProblemAssert.Is(response, 503, "store_unavailable");
        Assert.Equal("1", response.Header("Retry-After"));
        Assert.DoesNotContain("injected", response.Body, StringComparison.Ordinal);
        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    [Theory]
    [InlineData("GET", "/accounts/{acct}/balance")]
    [InlineData("POST", "/ledger")]
    [InlineData("POST", "/transactions")]
    public async Task A_store_that_breaks_gives_500_internal_error_without_leaking_the_exception(string method, string template)
    {
        using var app1 = Client();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(accountId, 10);
        var before = await app1.SnapshotAsync(accountId);

        _store.FailWith(() => new InvalidOperationException("injected: secret connection string"));
        ApiResponse response;
        try
        {
            response = await Send(app1, method, template, accountId);
        }
        finally
        {
            _store.Heal();
        }

        ProblemAssert.Is(response, 500, "internal_error");
        Assert.DoesNotContain("injected", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", response.Body, StringComparison.Ordinal);
        Assert.Equal(before, await app1.SnapshotAsync(accountId));
    }

    [Fact]
    public async Task The_ledger_recovers_when_the_store_comes_back()
    {
        using var app1 = Client();
        var accountId = await app1.OpenAccountAsync(Ids.Owner());
        var body = LedgerClient.Transaction("mint", accountId, 5).ToJsonString();

        _store.FailWith(() => new StoreUnavailableException("injected"));
        var failed = await app1.PostAsync("/transactions", body);
        _store.Heal();
        ProblemAssert.Is(failed, 503, "store_unavailable");

        // The same request, retried with the same key as the problem invites, now takes effect once.
        (await app1.PostAsync("/transactions", body)).Expect(201);
        (await app1.PostAsync("/transactions", body)).Expect(201);
        Assert.Equal(5, await app1.BalanceAsync(accountId));
    }

    private LedgerClient Client()
    {
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Add(Ledger.Http.LedgerApi.ApiKeyHeader, LedgerApiFactory.App1Key);
        return new LedgerClient(http);
    }

    private static Task<ApiResponse> Send(LedgerClient client, string method, string template, string accountId)
    {
        var path = template.Replace("{acct}", accountId, StringComparison.Ordinal);
        if (method == "GET")
        {
            return client.GetAsync(path);
        }

        return path switch
        {
            "/ledger" => client.PostAsync(path, LedgerClient.Ledger(accountId, "CREDIT_ADD")),
            "/transactions" => client.PostAsync(path, LedgerClient.Transaction("mint", accountId, 1)),
            "/accounts" => client.PostAsync(path, new System.Text.Json.Nodes.JsonObject { ["owner_id"] = Ids.Owner(), ["nonce"] = Ids.Nonce() }),
            _ => client.PostAsync(path),
        };
    }
}
