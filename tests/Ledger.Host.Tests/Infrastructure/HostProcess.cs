using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.Http;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>
/// The built local host (<c>Ledger.Host.dll</c>, next to this test assembly) running as a real child
/// process on 127.0.0.1, on a given data directory and port. Every wait is bounded; disposing kills the
/// process if it is still running.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    /// <summary>Upper bound on a host start (build is done; this is JIT, SQLite open and Kestrel bind).</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>What the host wrote to stdout and stderr so far, for failure messages.</summary>
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

    /// <summary>The host's entry assembly: referenced by this project, so it is built and copied beside the tests.</summary>
    public static string HostAssemblyPath => typeof(Program).Assembly.Location;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The apps' keys as a deployment configures them: Production ships no keys, so the development keys
    /// the tests use are given through the environment.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DevelopmentKeys { get; } = new Dictionary<string, string?>
    {
        ["Ledger__Apps__app1__ApiKeys__0"] = LedgerApiFactory.App1Key,
        ["Ledger__Apps__app2__ApiKeys__0"] = LedgerApiFactory.App2Key,
    };

    /// <summary>Starts the host and returns once <c>GET /health</c> answers 200.</summary>
    /// <param name="environment">Variables set for the host (null removes one); the apps' keys when null.</param>
    /// <param name="workingDirectory">The host's working directory; the content root is its assembly's directory whatever this is.</param>
    public static async Task<HostProcess> StartAsync(string dataDirectory, int port, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var host = Launch(dataDirectory, port, environment ?? DevelopmentKeys, workingDirectory);
        try
        {
            await host.WaitUntilHealthyAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Starts the host without waiting for it: for hosts expected to refuse to start.</summary>
    public static HostProcess Launch(string dataDirectory, int port, IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null)
    {
        var hostPath = HostAssemblyPath;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(hostPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["Ledger__DataDirectory"] = dataDirectory;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        start.Environment.Remove("ASPNETCORE_HTTPS_PORTS");
        start.Environment.Remove("ASPNETCORE_CONTENTROOT");
        start.Environment.Remove("DOTNET_CONTENTROOT");
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = start };
        var host = new HostProcess(process, port);
        process.OutputDataReceived += (_, line) => host.Append(line.Data);
        process.ErrorDataReceived += (_, line) => host.Append(line.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {hostPath}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits (bounded) for a host that should stop by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var bound = new CancellationTokenSource(StartBound);
        await _process.WaitForExitAsync(bound.Token);
        return _process.ExitCode;
    }

    public HttpClient CreateClient(string? apiKey = LedgerApiFactory.App1Key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(LedgerApi.ApiKeyHeader, apiKey);
        }

        return client;
    }

    /// <summary>SIGKILL on Linux: no shutdown hooks, no flush, no dispose; then waits (bounded) for the exit.</summary>
    public async Task KillAsync()
    {
        if (!HasExited())
        {
            _process.Kill(entireProcessTree: true);
        }

        using var bound = new CancellationTokenSource(ExitBound);
        await _process.WaitForExitAsync(bound.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
        {
            // Never started or would not die within the bound: nothing more a test can do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartBound)
        {
            if (HasExited())
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

    private bool HasExited()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
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
