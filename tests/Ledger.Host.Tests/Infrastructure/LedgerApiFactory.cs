using Ledger.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>
/// The local host in-process, on the embedded store in a data directory of its own that is deleted when
/// the factory is disposed. The apps and their development keys come from the host's appsettings.json,
/// so the tests exercise the configuration a new user actually runs.
/// </summary>
public sealed class LedgerApiFactory : WebApplicationFactory<Program>
{
    public const string App1Key = "dev-app1-key";
    public const string App2Key = "dev-app2-key";

    public LedgerApiFactory()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "ledger-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
    }

    public string DataDirectory { get; }

    /// <summary>A client acting for app1 (its X-Api-Key is sent on every request).</summary>
    public LedgerClient App1() => Client(App1Key);

    /// <summary>A client acting for app2.</summary>
    public LedgerClient App2() => Client(App2Key);

    /// <summary>A client that sends <paramref name="apiKey"/> as X-Api-Key, or no key at all when null.</summary>
    public LedgerClient Client(string? apiKey)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add(LedgerApi.ApiKeyHeader, apiKey);
        }

        return new LedgerClient(http);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Both ways, so the setting wins whichever configuration source the host reads it from; the
        // apps of appsettings.json are left as they are.
        builder.UseSetting("Ledger:DataDirectory", DataDirectory);

        // Concurrency tests send hundreds of requests at once to check correctness, not shedding: the
        // in-process host takes them all. Shedding has its own test, which sets a bound of its own.
        builder.UseSetting("Ledger:RateLimits:MaxInFlight", "100000");
        builder.ConfigureAppConfiguration((_, configuration) =>
            configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Ledger:DataDirectory", DataDirectory)]));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TemporaryDirectory.Delete(DataDirectory);
    }
}
