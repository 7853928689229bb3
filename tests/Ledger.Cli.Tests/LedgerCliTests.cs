using System.Net;
using Ledger.Cli.Tests.Infrastructure;

namespace Ledger.Cli.Tests;

/// <summary>What every command shares: usage errors, where the URL and key come from, and how failures map to exit codes.</summary>
public sealed class LedgerCliTests(LedgerHostFactory host) : IClassFixture<LedgerHostFactory>
{
    private static CliRunner Stubbed(StubLedgerHandler stub) => new(() => stub, new Dictionary<string, string?>
    {
        ["LEDGER_URL"] = "http://stub.test",
        ["LEDGER_API_KEY"] = "stub-key-1",
    });

    [Theory]
    [InlineData]
    [InlineData("no-such-command")]
    [InlineData("balance")]
    [InlineData("balance", "a", "--no-such-option")]
    [InlineData("mint", "a", "lots", "--reason", "grant")]
    [InlineData("mint", "a", "0", "--reason", "grant")]
    [InlineData("mint", "a", "5")]
    [InlineData("balance", "a", "--as-of", "yesterday")]
    [InlineData("post", "DAILY_REWARD")]
    [InlineData("export", "a", "--app")]
    public async Task A_command_line_that_does_not_parse_exits_2_and_says_why(params string[] args)
    {
        var result = await host.Cli().RunAsync(args);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_exits_0()
    {
        var result = await host.Cli().RunAsync("--help");

        Assert.Equal(CliExitCodes.Ok, result.ExitCode);
        foreach (var command in new[] { "post", "mint", "burn", "transfer", "hold", "capture", "void", "refund", "balance", "history", "summary", "export", "consumers", "verify" })
        {
            Assert.Contains($"  {command} ", result.Out);
        }
    }

    [Fact]
    public async Task A_URL_that_is_not_http_exits_2()
    {
        var result = await host.Cli().RunAsync("balance", "a", "--url", "ftp://ledger.test");

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Contains("ftp://ledger.test", result.Error);
    }

    [Fact]
    public async Task An_API_key_and_a_token_together_exit_2()
    {
        var result = await host.Cli().RunAsync("balance", "a", "--api-key", LedgerHostFactory.App1Key, "--token", "a.b.c");

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task Without_a_key_the_ledger_refuses_with_exit_3_and_its_code()
    {
        var result = await host.Cli(apiKey: null).RunAsync("balance", "anyone");

        Assert.Equal(CliExitCodes.Refused, result.ExitCode);
        Assert.Contains("missing_api_key", result.Error);
    }

    [Fact]
    public async Task The_key_option_wins_over_the_environment_variable()
    {
        var cli = host.Cli().With(("LEDGER_API_KEY", "not-a-valid-key"));
        var account = Ids.New("key");

        var refused = await cli.RunAsync("account", "open", account);
        var opened = await cli.RunAsync("account", "open", account, "--api-key", LedgerHostFactory.App1Key);

        Assert.Contains("invalid_api_key", refused.Error);
        Assert.Equal(CliExitCodes.Ok, opened.ExitCode);
    }

    [Fact]
    public async Task The_URL_comes_from_LEDGER_URL_and_the_option_overrides_it()
    {
        const string Balance = """{"account_id":"a","balance":7,"pending":0,"available":7}""";
        var stub = new StubLedgerHandler().Json("/accounts/a/balance", Balance).Json("/base/accounts/a/balance", Balance);
        var cli = Stubbed(stub);

        await cli.SucceedAsync("balance", "a");
        await cli.SucceedAsync("balance", "a", "--url", "http://other.test/base/");

        Assert.Equal(["GET /accounts/a/balance", "GET /base/accounts/a/balance"], stub.Requests);
    }

    [Fact]
    public async Task A_refusal_with_json_prints_the_problem_document_for_scripts()
    {
        var result = await host.Cli().RunAsync("balance", "ghost", "--json");

        Assert.Equal(CliExitCodes.Refused, result.ExitCode);
        Assert.Equal("account_not_found", result.Json.GetProperty("code").GetString());
        Assert.Equal(404, result.Json.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_ledger_that_cannot_be_reached_exits_4()
    {
        var result = await Stubbed(new StubLedgerHandler { Unreachable = true }).RunAsync("mint", "a", "5", "--reason", "grant", "--key", "grant-a-1");

        Assert.Equal(CliExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("did not answer", result.Error);
        Assert.Contains("--key grant-a-1", result.Error);
    }

    [Fact]
    public async Task A_ledger_answering_503_exits_4_with_the_code()
    {
        var stub = new StubLedgerHandler().Problem("/accounts/a/balance", HttpStatusCode.ServiceUnavailable, "store_unavailable");

        var result = await Stubbed(stub).RunAsync("balance", "a");

        Assert.Equal(CliExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("store_unavailable", result.Error);
    }
}
