using System.Text.Json;
using Ledger.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Ledger.Host.Tests.Operations;

/// <summary>Liveness, readiness and <c>/health</c>: what they check, what they never reveal, and that a locked store is not "ok".</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private readonly OperationsHostFactory _host = new(("Ledger:Health:StoreTimeout", "00:00:00.500"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Live_answers_healthy_without_running_any_check_and_every_health_path_answers_HEAD()
    {
        using var anonymous = _host.Client(apiKey: null);

        var live = (await anonymous.GetAsync("/health/live")).Expect(200);
        Assert.Equal("healthy", live.Json.GetProperty("status").GetString());
        Assert.Empty(live.Json.GetProperty("checks").EnumerateObject());

        Assert.Equal(200, (await anonymous.SendAsync(HttpMethod.Head, "/health/live", content: null)).Status);
        Assert.Equal(200, (await WaitForAsync(anonymous, "/health/ready", 200)).Status);
        Assert.Equal(200, (await anonymous.SendAsync(HttpMethod.Head, "/health/ready", content: null)).Status);
        Assert.Equal(200, (await anonymous.SendAsync(HttpMethod.Head, "/health", content: null)).Status);
    }

    [Fact]
    public async Task Ready_reports_the_store_the_write_queue_and_the_consumers_and_names_no_app()
    {
        using var anonymous = _host.Client(apiKey: null);

        var ready = await WaitForAsync(anonymous, "/health/ready", 200);

        Assert.Equal("application/json", ready.MediaType);
        var checks = ready.Json.GetProperty("checks");
        Assert.Equal(["consumers", "store", "write_queue"], checks.EnumerateObject().Select(check => check.Name).Order(StringComparer.Ordinal));
        Assert.Equal("healthy", checks.GetProperty("store").GetProperty("status").GetString());
        Assert.DoesNotContain("app1", ready.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("app2", ready.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_answers_ok_with_no_app_list_when_ready()
    {
        using var anonymous = _host.Client(apiKey: null);

        var health = await WaitForAsync(anonymous, "/health", 200);

        Assert.Equal("ok", health.Json.GetProperty("status").GetString());
        Assert.False(health.Json.TryGetProperty("apps", out _), health.Body);
        Assert.DoesNotContain("app1", health.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_locked_by_another_connection_is_not_ready_and_is_again_once_released()
    {
        using var anonymous = _host.Client(apiKey: null);
        await WaitForAsync(anonymous, "/health/ready", 200);

        await using (var locker = new SqliteConnection($"Data Source={_host.DatabasePath}"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }

            var ready = (await anonymous.GetAsync("/health/ready")).Expect(503);
            Assert.Equal("unhealthy", ready.Json.GetProperty("status").GetString());
            Assert.Equal("unhealthy", ready.Json.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());

            var health = (await anonymous.GetAsync("/health")).Expect(503);
            Assert.NotEqual("ok", health.Json.GetProperty("status").GetString());

            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        await WaitForAsync(anonymous, "/health/ready", 200);
    }

    /// <summary>Consumers start in the background; polls (bounded) until the path answers the status.</summary>
    private static async Task<ApiResponse> WaitForAsync(LedgerClient client, string path, int status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await client.GetAsync(path);
            if (response.Status == status || DateTime.UtcNow > deadline)
            {
                return response.Expect(status);
            }

            await Task.Delay(100);
        }
    }
}
