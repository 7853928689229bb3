using Ledger.Cli.Tests.Infrastructure;

namespace Ledger.Cli.Tests.Commands;

public sealed class ReportCommandsTests(LedgerHostFactory host) : IClassFixture<LedgerHostFactory>
{
    /// <summary>An account with a mint of 100 (memo with a comma) and a burn of 30.</summary>
    private async Task<string> AccountWithHistoryAsync()
    {
        var account = Ids.New("report");
        await host.Cli().SucceedAsync("account", "open", account);
        await host.Cli().SucceedAsync("mint", account, "100", "--reason", "credit_purchase", "--memo", "Pack, order 8841", "--category", "purchase");
        await host.Cli().SucceedAsync("burn", account, "30", "--reason", "payout");
        return account;
    }

    [Fact]
    public async Task Summary_prints_the_totals_and_the_groups()
    {
        var account = await AccountWithHistoryAsync();

        var result = await host.Cli().SucceedAsync("summary", account);
        var json = (await host.Cli().SucceedAsync("summary", account, "--json")).Json;

        Assert.Matches(@"(?m)^credits: +100$", result.Out);
        Assert.Matches(@"(?m)^debits: +30$", result.Out);
        Assert.Matches(@"(?m)^net: +\+70$", result.Out);
        Assert.Matches(@"(?m)^credit_purchase +100 +0 +\+100 +1$", result.Out);
        Assert.Equal(2, json.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Export_waits_for_the_file_and_saves_the_CSV_in_the_working_directory()
    {
        var account = await AccountWithHistoryAsync();
        var cli = host.Cli();

        var result = await cli.SucceedAsync("export", account, "--output", "history.csv");
        var lines = await File.ReadAllLinesAsync(Path.Combine(cli.WorkingDirectory, "history.csv"));

        Assert.Matches(@"^Saved export exp_[0-9a-f]{24}: 2 rows, \d+ bytes, to .*history\.csv", result.Out);
        Assert.StartsWith("id,account_id,sequence,", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains("\"Pack, order 8841\"", lines[1]);
        Assert.False(File.Exists(Path.Combine(cli.WorkingDirectory, "history.csv.partial")));
    }

    [Fact]
    public async Task On_a_terminal_export_draws_a_progress_bar_on_standard_error_and_only_there()
    {
        var account = await AccountWithHistoryAsync();

        var onTerminal = await host.Cli(terminal: true).SucceedAsync("export", account);
        var piped = await host.Cli().SucceedAsync("export", account, "--key", "export-piped-" + account);

        Assert.Contains("\r[##############################] 100%", onTerminal.Error);
        Assert.EndsWith(Environment.NewLine, onTerminal.Error);
        Assert.DoesNotContain("[#", onTerminal.Out);
        Assert.Empty(piped.Error);
    }

    [Fact]
    public async Task Export_to_standard_output_prints_the_CSV_itself()
    {
        var account = await AccountWithHistoryAsync();

        var result = await host.Cli().SucceedAsync("export", account, "--output", "-");

        var lines = result.Out.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"{account}/2,{account},2,", lines[2]);
    }

    [Fact]
    public async Task Export_of_the_app_with_json_names_the_file_and_an_earlier_export_downloads_by_id()
    {
        await AccountWithHistoryAsync();
        var cli = host.Cli();

        var saved = (await cli.SucceedAsync("export", "--app", "--json")).Json;
        var exportId = saved.GetProperty("export").GetProperty("export_id").GetString()!;
        var again = (await cli.SucceedAsync("export", "--id", exportId, "--output", "again.csv", "--json")).Json;

        Assert.Equal("completed", saved.GetProperty("export").GetProperty("status").GetString());
        Assert.Equal(Path.Combine(cli.WorkingDirectory, exportId + ".csv"), saved.GetProperty("file").GetString());
        Assert.Equal(
            await File.ReadAllTextAsync(saved.GetProperty("file").GetString()!),
            await File.ReadAllTextAsync(again.GetProperty("file").GetString()!));
    }

    [Fact]
    public async Task Consumers_lists_each_consumer_with_its_state()
    {
        var result = await host.Cli().SucceedAsync("consumers");
        var json = (await host.Cli().SucceedAsync("consumers", "--json")).Json;

        Assert.StartsWith("scope: app1", result.Out);
        Assert.Matches(@"(?m)^snapshots +\w+", result.Out);
        Assert.Matches(@"(?m)^exports +\w+", result.Out);
        Assert.Contains(json.GetProperty("consumers").EnumerateArray(), consumer => consumer.GetProperty("name").GetString() == "exports");
    }
}
