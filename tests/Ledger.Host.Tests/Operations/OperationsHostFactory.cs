using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Ledger.Host.Tests.Operations;

/// <summary>The local host in-process (Development, so the development keys apply) on its own data directory, with extra settings.</summary>
public sealed class OperationsHostFactory(params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "ledger-host-tests", Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(DataDirectory, "ledger.db");

    public LedgerClient Client(string? apiKey = LedgerApiFactory.App1Key)
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
        var all = settings.Append((Key: "Ledger:DataDirectory", Value: DataDirectory)).ToArray();
        foreach (var (key, value) in all)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, configuration) =>
            configuration.AddInMemoryCollection(all.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value))));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TemporaryDirectory.Delete(DataDirectory);
    }
}
