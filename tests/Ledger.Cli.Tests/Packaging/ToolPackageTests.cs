using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Ledger.Cli.Tests.Packaging;

/// <summary>
/// The CLI as a user installs it: <c>dotnet pack</c> makes a tool package, <c>dotnet tool install
/// --tool-path</c> installs it from that local folder, and the installed <c>ledger</c> runs.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan ProcessBound = TimeSpan.FromMinutes(5);

    private readonly string _directory = Directory.CreateTempSubdirectory("ledger-cli-tool-").FullName;

    [Fact]
    public async Task The_CLI_packs_as_a_dotnet_tool_that_installs_from_a_local_folder_and_runs_as_ledger()
    {
        var packages = Path.Combine(_directory, "packages");
        var tools = Path.Combine(_directory, "tools");

        // The test run has just built the CLI (this project references it): pack that build.
        var pack = await RunAsync(Dotnet, "pack", CliProject, "--no-build", "-c", Configuration, "-o", packages);
        var install = await RunAsync(Dotnet, "tool", "install", "Ledger.Cli", "--tool-path", tools, "--add-source", packages, "--ignore-failed-sources");
        var help = await RunAsync(Path.Combine(tools, "ledger"), "--help");
        var unreachable = await RunAsync(Path.Combine(tools, "ledger"), "balance", "user-100", "--url", $"http://127.0.0.1:{ClosedPort()}", "--timeout", "5");

        Assert.True(pack.ExitCode == 0, pack.Output);
        Assert.Single(Directory.GetFiles(packages, "Ledger.Cli.*.nupkg"));
        Assert.True(install.ExitCode == 0, install.Output);
        Assert.True(help.ExitCode == CliExitCodes.Ok, help.Output);
        Assert.Contains("Usage:\n  ledger [command] [options]", help.Output.ReplaceLineEndings("\n"));
        Assert.Equal(CliExitCodes.Unavailable, unreachable.ExitCode);
        Assert.Contains("did not answer", unreachable.Output);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail the test.
        }
    }

    /// <summary>The dotnet that runs this test (the SDK sets DOTNET_HOST_PATH for the processes it starts).</summary>
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The CLI's project in this checkout, found from where this source file was compiled.</summary>
    private static string CliProject => Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", "..", "src", "Ledger.Cli", "Ledger.Cli.csproj"));

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The installed tool's launcher finds the runtime through DOTNET_ROOT, wherever dotnet is installed.
        start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(Path.GetFullPath(Dotnet == "dotnet" ? Environment.ProcessPath! : Dotnet));
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        using var bound = new CancellationTokenSource(ProcessBound);
        var output = process.StandardOutput.ReadToEndAsync(bound.Token);
        var error = process.StandardError.ReadToEndAsync(bound.Token);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not end within {ProcessBound}.");
        }

        return (process.ExitCode, await output + await error);
    }
}
