using System.Diagnostics;
using System.Net;

namespace Ledger.Client.Offline.Tests.Infrastructure;

/// <summary>
/// The built local host as a real process on 127.0.0.1, in Production with app1's key from the environment,
/// on a data directory and port that survive its restarts.
/// </summary>
public sealed class RealLedger : IAsyncDisposable
{
    public const string ApiKey = "dev-app1-key";

    private ChildProcess? _process;

    public RealLedger()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "ledger-offline-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Port = ChildProcess.FreePort();
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string Output => _process?.Output ?? "";

    /// <summary>Starts the host and returns once <c>GET /health</c> answers 200.</summary>
    public async Task StartAsync()
    {
        _process = ChildProcess.Start(typeof(Program).Assembly.Location, ["--urls", BaseAddress.ToString().TrimEnd('/')], new Dictionary<string, string?>
        {
            ["Ledger__DataDirectory"] = DataDirectory,
            ["Ledger__Apps__app1__ApiKeys__0"] = ApiKey,

            // Production ships no keys, and every configured app must have one.
            ["Ledger__Apps__app2__ApiKeys__0"] = "dev-app2-key",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = null,
            ["ASPNETCORE_URLS"] = null,
        });
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited before it was healthy:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The host did not answer /health within a minute:\n{Output}");
    }

    /// <summary>SIGKILL, right now.</summary>
    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    /// <summary>SIGTERM: a graceful stop.</summary>
    public Task StopAsync() => _process?.StopAsync() ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test that used it.
        }
    }
}
