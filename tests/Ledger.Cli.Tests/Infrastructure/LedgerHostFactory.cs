using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Ledger.Cli.Tests.Infrastructure;

/// <summary>
/// The local host in-process (Development: the apps app1 and app2 with their development keys) on the
/// embedded store, in a data directory of its own that is deleted with the factory.
/// </summary>
public sealed class LedgerHostFactory : WebApplicationFactory<global::Program>
{
    public const string App1Key = "dev-app1-key";
    public const string App2Key = "dev-app2-key";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-cli-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Runs the CLI against this host, as app1 unless another key is given (through LEDGER_API_KEY).</summary>
    public CliRunner Cli(string? apiKey = App1Key, bool terminal = false) => new(() => Server.CreateHandler(), new Dictionary<string, string?>
    {
        ["LEDGER_URL"] = "http://ledger.test",
        ["LEDGER_API_KEY"] = apiKey,
    })
    {
        ErrorIsTerminal = terminal,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(_dataDirectory);
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
            // A leftover temp directory must not fail the tests that used it.
        }
    }
}
