using System.Text.Json;
using Ledger.Cli.Tests.Infrastructure;

namespace Ledger.Cli.Tests.Commands;

public sealed class TransferCommandsTests(LedgerHostFactory host) : IClassFixture<LedgerHostFactory>
{
    /// <summary>Two new accounts; the first holds <paramref name="funds"/>.</summary>
    private async Task<(string From, string To)> TwoAccountsAsync(long funds)
    {
        var (from, to) = (Ids.New("from"), Ids.New("to"));
        await host.Cli().SucceedAsync("account", "open", from);
        await host.Cli().SucceedAsync("account", "open", to);
        await host.Cli().SucceedAsync("mint", from, funds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--reason", "grant");
        return (from, to);
    }

    private async Task<JsonElement> BalanceAsync(string account) => (await host.Cli().SucceedAsync("balance", account, "--json")).Json;

    [Fact]
    public async Task Transfer_moves_credits_and_prints_the_posted_transfer()
    {
        var (from, to) = await TwoAccountsAsync(100);

        var result = await host.Cli().SucceedAsync("transfer", from, to, "30", "--reason", "content_unlock", "--memo", "Post 981");

        Assert.Matches(@"(?m)^state: +posted$", result.Out);
        Assert.Equal(70, (await BalanceAsync(from)).GetProperty("balance").GetInt64());
        Assert.Equal(30, (await BalanceAsync(to)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task A_transfer_the_ledger_voids_exits_3_with_the_failure_code_and_moves_nothing()
    {
        var (from, to) = await TwoAccountsAsync(100);
        await host.Cli().SucceedAsync("account", "freeze", to);

        var result = await host.Cli().RunAsync("transfer", from, to, "30", "--reason", "content_unlock", "--json");

        Assert.Equal(CliExitCodes.Refused, result.ExitCode);
        Assert.Equal("voided", result.Json.GetProperty("state").GetString());
        Assert.Contains("account_frozen", result.Error);
        Assert.Equal(100, (await BalanceAsync(from)).GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task A_hold_reserves_credits_and_a_partial_capture_moves_only_what_is_captured()
    {
        var (from, to) = await TwoAccountsAsync(100);

        var hold = (await host.Cli().SucceedAsync("hold", from, to, "40", "--reason", "live_session", "--expires-in", "600", "--json")).Json;
        var reserved = await BalanceAsync(from);
        var captured = (await host.Cli().SucceedAsync("capture", hold.GetProperty("transfer_id").GetString()!, "--amount", "25", "--json")).Json;

        Assert.Equal("reserved", hold.GetProperty("state").GetString());
        Assert.Equal(40, reserved.GetProperty("pending").GetInt64());
        Assert.Equal("posted", captured.GetProperty("state").GetString());
        Assert.Equal(25, captured.GetProperty("settle_amount").GetInt64());
        Assert.Equal(75, (await BalanceAsync(from)).GetProperty("available").GetInt64());
        Assert.Equal(25, (await BalanceAsync(to)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Voiding_a_hold_releases_the_reservation()
    {
        var (from, to) = await TwoAccountsAsync(100);
        var hold = (await host.Cli().SucceedAsync("hold", from, to, "40", "--reason", "live_session", "--json")).Json;

        var voided = await host.Cli().SucceedAsync("void", hold.GetProperty("transfer_id").GetString()!);

        Assert.Matches(@"(?m)^state: +voided$", voided.Out);
        Assert.Equal(0, (await BalanceAsync(from)).GetProperty("pending").GetInt64());
    }

    [Fact]
    public async Task Refund_of_a_transfer_moves_the_amount_back_and_show_prints_it()
    {
        var (from, to) = await TwoAccountsAsync(100);
        var transfer = (await host.Cli().SucceedAsync("transfer", from, to, "50", "--reason", "content_unlock", "--json")).Json;

        var refund = (await host.Cli().SucceedAsync("refund", transfer.GetProperty("transfer_id").GetString()!, "--amount", "20", "--reason", "unlock_refund", "--json")).Json;
        var shown = await host.Cli().SucceedAsync("show", refund.GetProperty("transfer_id").GetString()!);

        Assert.Equal("refund", refund.GetProperty("kind").GetString());
        Assert.Equal(transfer.GetProperty("transfer_id").GetString(), refund.GetProperty("refund_of").GetString());
        Assert.Matches(@"(?m)^state: +posted$", shown.Out);
        Assert.Equal(70, (await BalanceAsync(from)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Refund_of_a_mint_burns_it_back_and_needs_the_minted_account()
    {
        var account = Ids.New("minted");
        await host.Cli().SucceedAsync("account", "open", account);
        var mint = (await host.Cli().SucceedAsync("mint", account, "100", "--reason", "credit_purchase", "--json")).Json;
        var transaction = mint.GetProperty("transaction_id").GetString()!;

        var withoutAccount = await host.Cli().RunAsync("refund", transaction, "--amount", "40");
        var refund = (await host.Cli().SucceedAsync("refund", transaction, "--amount", "40", "--account", account, "--reason", "purchase_refund", "--json")).Json;

        Assert.Equal(CliExitCodes.Usage, withoutAccount.ExitCode);
        Assert.Equal(-40, refund.GetProperty("amount").GetInt64());
        Assert.Equal(transaction, refund.GetProperty("reverses_transaction_id").GetString());
        Assert.Equal(60, (await BalanceAsync(account)).GetProperty("balance").GetInt64());
    }
}
