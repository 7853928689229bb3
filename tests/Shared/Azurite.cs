using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ledger.Tests.Shared;

/// <summary>
/// A test that needs Azure Storage (Blob, Queue, Table) runs against Azurite, the storage emulator, which
/// <see cref="Azurite"/> starts on 127.0.0.1 for the test run. The test is skipped, with the reason, only on a
/// machine that has neither <c>azurite</c> on its PATH nor <c>npx</c> to fetch it (.ci/run installs it).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Azurite.Launcher is null)
        {
            Skip = "Azurite is not installed (npm install -g azurite@3.35.0) and npx is not on the PATH";
        }
    }
}

/// <summary>
/// One in-memory Azurite for the whole test process, on free loopback ports, so parallel test runs never
/// share an emulator. Started on first use and killed when the process exits.
/// </summary>
public static class Azurite
{
    /// <summary>Azurite's well-known development account: public, documented, and accepted by nothing but the emulator.</summary>
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<string>> Started = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The command that starts Azurite here, or null when there is none.</summary>
    public static (string FileName, string[] Prefix)? Launcher { get; } = FindLauncher();

    /// <summary>The connection string of the running emulator (Blob, Queue and Table endpoints).</summary>
    public static Task<string> ConnectionStringAsync() => Started.Value;

    private static (string, string[])? FindLauncher()
    {
        if (OnPath("azurite") is { } azurite)
        {
            return (azurite, []);
        }

        return OnPath("npx") is { } npx ? (npx, ["--yes", "azurite@3.35.0"]) : null;
    }

    private static string? OnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static async Task<string> StartAsync()
    {
        var (fileName, prefix) = Launcher ?? throw new InvalidOperationException("Azurite is not installed.");
        int blob = FreePort(), queue = FreePort(), table = FreePort();
        // A test host killed by the runner never raises ProcessExit, so a watchdog shell ends Azurite (its
        // whole process group: npx starts node under it) as soon as this process is gone (WatchdogScript).
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(WatchdogScript);
        start.ArgumentList.Add("azurite-watchdog");
        start.ArgumentList.Add(fileName);
        foreach (var argument in prefix.Concat(
        [
            "--silent", "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", $"{blob}",
            "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
        ]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(process);
        await WaitUntilListeningAsync(process, [blob, queue, table]).ConfigureAwait(false);
        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};"
            + $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;"
            + $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;"
            + $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    /// <summary>
    /// Runs its arguments (Azurite's command line) in their own session and process group, and ends that
    /// group once its standard input (a pipe from this process) reaches end of file: when this process
    /// exits, however it ends, kill -9 included, or when <see cref="Stop"/> closes the pipe. A pipe instead
    /// of polling this process's id, and setsid instead of bash's job control: a watchdog under job control
    /// that had a terminal stopped itself (SIGTTOU), and the runtime's process-tree kill froze the tree with
    /// SIGSTOP and left part of it frozen; both left emulators behind after test runs.
    /// </summary>
    /// <remarks>
    /// The watchdog itself exits with Azurite, so a start that fails is seen at once. Its reader lives on
    /// in the background on a copy of standard input (fd 3: a background job's own input is /dev/null), and
    /// gives a group that ignores SIGTERM two seconds before SIGKILL.
    /// </remarks>
    private const string WatchdogScript = """
        exec 3<&0
        setsid "$@" </dev/null >/dev/null 2>&1 &
        child=$!
        { read -r _ <&3; kill -- -$child 2>/dev/null; sleep 2; kill -KILL -- -$child 2>/dev/null; } &
        wait $child
        """;

    private static async Task WaitUntilListeningAsync(Process process, int[] ports)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var port in ports)
        {
            while (!await AcceptsAsync(port).ConfigureAwait(false))
            {
                if (process.HasExited || deadline.Elapsed > StartTimeout)
                {
                    Stop(process);
                    throw new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s.");
                }

                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Closes the watchdog's standard input, which makes it end Azurite's process group.</summary>
    private static void Stop(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The watchdog is gone already, and it ended Azurite on its way out.
        }
    }
}
