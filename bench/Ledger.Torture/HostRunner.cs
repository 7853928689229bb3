using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ledger.Torture;

/// <summary>
/// The local host as a real child process in Production on one data directory and port, with the keys
/// given through the environment as a deployment gives them. Killed with SIGKILL, never stopped politely.
/// </summary>
internal sealed class HostRunner : IDisposable
{
    public const string AppKey = "torture-app1-key";
    public const string OperatorKey = "torture-operator-key";
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);

    private readonly string _hostAssembly;
    private readonly string _dataDirectory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public HostRunner(string hostAssembly, string dataDirectory)
    {
        _hostAssembly = hostAssembly;
        _dataDirectory = dataDirectory;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
    }

    public Uri BaseAddress { get; }

    /// <summary>The last lines the host wrote, for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                var text = _output.ToString();
                return text.Length > 4_000 ? text[^4_000..] : text;
            }
        }
    }

    /// <summary>Starts the host and returns how long it took until <c>/health</c> answered 200.</summary>
    public async Task<TimeSpan> StartAsync()
    {
        var clock = Stopwatch.StartNew();
        _process = Process.Start(StartInfo()) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (clock.Elapsed < StartBound)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {_process.ExitCode} while starting:\n{RecentOutput}");
            }

            if (await IsHealthyAsync(probe))
            {
                return clock.Elapsed;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The host was not healthy within {StartBound}:\n{RecentOutput}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(30_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    private ProcessStartInfo StartInfo()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_hostAssembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_hostAssembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Ledger__DataDirectory"] = _dataDirectory;
        start.Environment["Ledger__Apps__app1__ApiKeys__0"] = AppKey;
        start.Environment["Ledger__Apps__app2__ApiKeys__0"] = AppKey + "-app2";
        start.Environment["Ledger__Operators__torture__Keys__0__Key"] = OperatorKey;

        return start;
    }

    private static async Task<bool> IsHealthyAsync(HttpClient probe)
    {
        try
        {
            using var response = await probe.GetAsync(new Uri("/health", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return false;
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
            if (_output.Length > 64_000)
            {
                _output.Remove(0, 32_000);
            }
        }
    }
}
