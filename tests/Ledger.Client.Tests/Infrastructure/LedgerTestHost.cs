using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Tests.Infrastructure;

/// <summary>
/// The local host in-process on a data directory of its own (deleted on dispose), with the development
/// apps of its appsettings; clients reach it through the test server's handler, behind the real
/// <see cref="LedgerClientServiceCollectionExtensions.AddLedgerClient"/> registration.
/// </summary>
public sealed class LedgerTestHost : WebApplicationFactory<Program>
{
    public const string App1Key = "dev-app1-key";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-client-tests", Guid.NewGuid().ToString("N"));

    public LedgerTestHost()
    {
        Directory.CreateDirectory(_dataDirectory);
    }

    /// <summary>
    /// A service provider holding an app1 <see cref="LedgerClient"/> registered by AddLedgerClient, its primary handler the
    /// test server; <paramref name="configure"/> adjusts the options, <paramref name="build"/> adds handlers.
    /// </summary>
    public ServiceProvider ClientServices(Action<LedgerClientOptions>? configure = null, Action<IHttpClientBuilder>? build = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddLedgerClient(options =>
        {
            options.BaseAddress = Server.BaseAddress;
            options.ApiKey = App1Key;
            options.RetryDelay = TimeSpan.FromMilliseconds(10);
            configure?.Invoke(options);
        });
        builder.ConfigurePrimaryHttpMessageHandler(() => Server.CreateHandler());
        build?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    /// <summary>An app1 client as AddLedgerClient registers it.</summary>
    public LedgerClient Client(ServiceProvider services) => services.GetRequiredService<LedgerClient>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Ledger:DataDirectory", _dataDirectory);
        builder.ConfigureAppConfiguration((_, configuration) =>
            configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Ledger:DataDirectory", _dataDirectory)]));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test that used it.
        }
    }
}

/// <summary>Ids unique per test run, so tests sharing a host never meet.</summary>
public static class Ids
{
    public static string Account(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}";
}
