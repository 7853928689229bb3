using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Operations;

/// <summary>
/// The built host as a real process: it finds its settings beside its assembly from any working
/// directory, anchors a relative data directory there, says what it runs, and refuses to start on
/// unsafe configuration with one clear line.
/// </summary>
[Collection(nameof(RealProcessCollection))]
public sealed class StartupTests
{
    private static readonly string HostDirectory = Path.GetDirectoryName(HostProcess.HostAssemblyPath)!;

    [Fact]
    public async Task Started_from_another_directory_it_reads_its_own_appsettings_and_keeps_a_relative_data_directory_beside_itself()
    {
        using var elsewhere = new TemporaryDirectory();
        var relativeData = Path.Combine("test-data", Guid.NewGuid().ToString("N"));
        var anchoredData = Path.Combine(HostDirectory, relativeData);
        try
        {
            await using var host = await HostProcess.StartAsync(relativeData, HostProcess.FreePort(), workingDirectory: elsewhere.Path);
            using var client = host.CreateClient();

            // The catalog comes from the appsettings.json beside the assembly: SIGNUP_CREDIT is known.
            using var posted = await client.PostAsync("/ledger", new StringContent($"{{\"owner_id\":\"{Ids.Owner()}\",\"operation\":\"SIGNUP_CREDIT\",\"nonce\":\"{Ids.Nonce()}\"}}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(201, (int)posted.StatusCode);
            Assert.True(File.Exists(Path.Combine(anchoredData, "ledger.db")), host.Output);
            Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere.Path));
        }
        finally
        {
            TemporaryDirectory.Delete(anchoredData);
        }
    }

    [Fact]
    public async Task The_start_up_log_names_the_address_the_store_the_data_directory_and_the_apps()
    {
        using var data = new TemporaryDirectory();
        var port = HostProcess.FreePort();

        await using var host = await HostProcess.StartAsync(data.Path, port);

        var line = host.Output.Split('\n').FirstOrDefault(text => text.Contains("Ledger listening on", StringComparison.Ordinal)) ?? string.Empty;
        Assert.Contains($"http://127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("store Sqlite", line, StringComparison.Ordinal);
        Assert.Contains(data.Path, host.Output, StringComparison.Ordinal);
        Assert.Contains("apps app1, app2", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_without_configured_keys_refuses_to_start_with_one_line_and_no_stack_trace()
    {
        using var data = new TemporaryDirectory();

        var (exitCode, output) = await RunToExitAsync(data.Path, new Dictionary<string, string?>());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no API keys", output, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(output);
    }

    [Fact]
    public async Task A_key_configured_for_two_apps_is_refused_at_start()
    {
        using var data = new TemporaryDirectory();
        var shared = new Dictionary<string, string?>
        {
            ["Ledger__Apps__app1__ApiKeys__0"] = "the-same-key-twice",
            ["Ledger__Apps__app2__ApiKeys__0"] = "the-same-key-twice",
        };

        var (exitCode, output) = await RunToExitAsync(data.Path, shared);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("app1", output, StringComparison.Ordinal);
        Assert.Contains("app2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("the-same-key-twice", output, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(output);
    }

    [Fact]
    public async Task A_malformed_CORS_origin_is_a_configuration_error()
    {
        using var data = new TemporaryDirectory();
        var environment = new Dictionary<string, string?>(HostProcess.DevelopmentKeys) { ["Ledger__Cors__Origins__0"] = "https://app.example.com/path" };

        var (exitCode, output) = await RunToExitAsync(data.Path, environment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Ledger:Cors:Origins", output, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(output);
    }

    [Fact]
    public async Task A_second_host_on_a_data_directory_in_use_refuses_to_start_and_the_first_keeps_serving()
    {
        using var data = new TemporaryDirectory();
        await using var first = await HostProcess.StartAsync(data.Path, HostProcess.FreePort());

        var (exitCode, output) = await RunToExitAsync(data.Path, HostProcess.DevelopmentKeys);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("is in use by another ledger process", output, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(output);
        using var client = first.CreateClient();
        using var health = await client.GetAsync("/health");
        Assert.Equal(200, (int)health.StatusCode);
    }

    private static async Task<(int ExitCode, string Output)> RunToExitAsync(string dataDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        await using var host = HostProcess.Launch(dataDirectory, HostProcess.FreePort(), environment);
        var exitCode = await host.WaitForExitAsync();
        return (exitCode, host.Output);
    }

    private static void AssertOneLineWithoutStackTrace(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"Expected one line, got:\n{output}");
        Assert.StartsWith("Ledger host configuration error:", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
