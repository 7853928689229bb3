using Ledger.Cli.Tests.Infrastructure;

namespace Ledger.Cli.Tests.Commands;

public sealed class PostingCommandsTests(LedgerHostFactory host) : IClassFixture<LedgerHostFactory>
{
    private async Task<string> OpenAsync(string prefix)
    {
        var account = Ids.New(prefix);
        await host.Cli().SucceedAsync("account", "open", account);
        return account;
    }

    [Fact]
    public async Task Mint_credits_the_account_and_prints_the_entry()
    {
        var account = await OpenAsync("mint");

        var result = await host.Cli().SucceedAsync("mint", account, "500", "--reason", "credit_purchase", "--memo", "Starter pack");

        Assert.Matches(@"(?m)^kind: +mint$", result.Out);
        Assert.Matches(@"(?m)^amount: +\+500$", result.Out);
        Assert.Matches(@"(?m)^balance after: +500$", result.Out);
        Assert.Matches(@"(?m)^counterparty: +\$issuance$", result.Out);
    }

    [Fact]
    public async Task Mint_with_json_prints_the_entry_as_the_API_answers_it()
    {
        var account = await OpenAsync("json");

        var entry = (await host.Cli().SucceedAsync("mint", account, "250", "--reason", "grant", "--category", "promo", "--json")).Json;

        Assert.Equal("mint", entry.GetProperty("kind").GetString());
        Assert.Equal(250, entry.GetProperty("amount").GetInt64());
        Assert.Equal(250, entry.GetProperty("balance_after").GetInt64());
        Assert.Equal("promo", entry.GetProperty("category").GetString());
        Assert.StartsWith("tx_", entry.GetProperty("transaction_id").GetString());
        Assert.Equal(2, entry.GetProperty("legs").GetArrayLength());
    }

    [Fact]
    public async Task Burning_more_than_the_balance_is_refused_with_exit_3_and_the_code()
    {
        var account = await OpenAsync("burn");
        await host.Cli().SucceedAsync("mint", account, "10", "--reason", "grant");

        var result = await host.Cli().RunAsync("burn", account, "11", "--reason", "payout");
        var balance = (await host.Cli().SucceedAsync("balance", account, "--json")).Json;

        Assert.Equal(CliExitCodes.Refused, result.ExitCode);
        Assert.Contains("insufficient_funds", result.Error);
        Assert.Equal(10, balance.GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Post_applies_a_catalog_operation_to_an_account()
    {
        var account = await OpenAsync("post");

        var entry = (await host.Cli().SucceedAsync("post", "DAILY_REWARD", "--account", account, "--json")).Json;

        Assert.Equal("DAILY_REWARD", entry.GetProperty("operation").GetString());
        Assert.Equal(1, entry.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Post_with_an_owner_uses_the_shared_ledger_contract_and_opens_the_account_on_first_use()
    {
        var owner = Ids.New("owner");

        var posting = (await host.Cli().SucceedAsync("post", "CREDIT_ADD", "--owner", owner, "--json")).Json;
        var account = (await host.Cli().SucceedAsync("account", "show", owner, "--json")).Json;

        Assert.Equal(10, posting.GetProperty("balance").GetInt64());
        Assert.Equal(10, account.GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Re_running_a_write_with_the_same_key_replays_it_instead_of_posting_twice()
    {
        var account = await OpenAsync("replay");

        var first = (await host.Cli().SucceedAsync("mint", account, "40", "--reason", "grant", "--key", "grant-" + account, "--json")).Json;
        var again = (await host.Cli().SucceedAsync("mint", account, "40", "--reason", "grant", "--key", "grant-" + account, "--json")).Json;
        var balance = (await host.Cli().SucceedAsync("balance", account, "--json")).Json;

        Assert.Equal(first.GetProperty("transaction_id").GetString(), again.GetProperty("transaction_id").GetString());
        Assert.Equal(40, balance.GetProperty("balance").GetInt64());
    }
}
