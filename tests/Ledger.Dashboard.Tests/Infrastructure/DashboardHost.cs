using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ledger.Dashboard.Tests.Infrastructure;

/// <summary>
/// The built local host (<c>Ledger.Host.dll</c>, copied beside this assembly) running as a real child process
/// on 127.0.0.1 and a free port, in Production with the development apps' keys given through the environment,
/// on a data directory of its own. One host serves every test of the collection; disposing kills it.
/// </summary>
public sealed class DashboardHost : IAsyncLifetime
{
    public const string App1Key = "dev-app1-key";
    public const string App2Key = "dev-app2-key";

    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-dashboard-tests", Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _output = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public Uri DashboardAddress => new(BaseAddress, LedgerDashboard.PathPrefix + "/");

    /// <summary>What the host printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _process = Launch(port);
        await WaitUntilHealthyAsync();
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(bound.Token);
            _process.Dispose();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process: the temporary folder is cleaned by the system later.
        }
    }

    /// <summary>A client of the same public API the dashboard uses, for arranging data and checking outcomes.</summary>
    public HttpClient CreateClient(string? apiKey = App1Key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Process Launch(int port)
    {
        var hostPath = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(hostPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Ledger__DataDirectory"] = _dataDirectory;
        start.Environment["Ledger__Apps__app1__ApiKeys__0"] = App1Key;
        start.Environment["Ledger__Apps__app2__ApiKeys__0"] = App2Key;
        foreach (var inherited in new[] { "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_CONTENTROOT", "DOTNET_CONTENTROOT" })
        {
            start.Environment.Remove(inherited);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {hostPath}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartBound)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {_process.ExitCode} before it was healthy:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync("/health");
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

        throw new TimeoutException($"The host did not answer /health within {StartBound}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

/// <summary>The tests that share one host process.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardHostCollection : ICollectionFixture<DashboardHost>
{
    public const string Name = "dashboard host";
}
