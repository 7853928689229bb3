using System.Globalization;
using Ledger.Cli.Tests.Infrastructure;

namespace Ledger.Cli.Tests.Commands;

public sealed class AccountCommandsTests(LedgerHostFactory host) : IClassFixture<LedgerHostFactory>
{
    /// <summary>An account with <paramref name="count"/> mints of 1, 2, 3… credits.</summary>
    private async Task<string> AccountWithMintsAsync(int count)
    {
        var account = Ids.New("hist");
        await host.Cli().SucceedAsync("account", "open", account);
        for (var amount = 1; amount <= count; amount++)
        {
            await host.Cli().SucceedAsync("mint", account, amount.ToString(CultureInfo.InvariantCulture), "--reason", "grant");
        }

        return account;
    }

    private static string[] Rows(CliResult result) => result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];

    [Fact]
    public async Task An_opened_account_is_shown_and_listed_under_its_owner()
    {
        var owner = Ids.New("owner");
        var account = owner + "-savings";

        await host.Cli().SucceedAsync("account", "open", account, "--owner", owner, "--floor", "-50");
        var shown = await host.Cli().SucceedAsync("account", "show", account);
        var listed = await host.Cli().SucceedAsync("account", "list", owner);

        Assert.Matches($@"(?m)^owner: +{owner}$", shown.Out);
        Assert.Matches(@"(?m)^floor: +-50$", shown.Out);
        Assert.StartsWith("ACCOUNT", listed.Out);
        Assert.Contains(account, Assert.Single(Rows(listed)));
    }

    [Fact]
    public async Task Balance_prints_balance_pending_and_available()
    {
        var account = await AccountWithMintsAsync(2);

        var result = await host.Cli().SucceedAsync("balance", account);

        Assert.Equal(["ACCOUNT", "BALANCE", "PENDING", "AVAILABLE"], result.Out.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([account, "3", "0", "3"], Rows(result)[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Balance_as_of_an_instant_before_the_first_entry_is_zero()
    {
        var account = await AccountWithMintsAsync(1);

        var balance = (await host.Cli().SucceedAsync("balance", account, "--as-of", "2020-01-01T00:00:00Z", "--json")).Json;

        Assert.Equal(0, balance.GetProperty("balance").GetInt64());
        Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), balance.GetProperty("as_of").GetDateTimeOffset());
    }

    [Fact]
    public async Task History_pages_newest_first_and_says_how_to_get_the_next_page()
    {
        var account = await AccountWithMintsAsync(5);

        var first = await host.Cli().SucceedAsync("history", account, "--limit", "2");
        var cursor = first.Error.Trim().Split(' ')[^1];
        var second = await host.Cli().SucceedAsync("history", account, "--limit", "2", "--cursor", cursor);

        Assert.Equal(["5", "4"], Rows(first).Select(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        Assert.StartsWith($"More: ledger history {account} --cursor ", first.Error);
        Assert.Equal(["3", "2"], Rows(second).Select(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
    }

    [Fact]
    public async Task History_with_all_reads_every_page()
    {
        var account = await AccountWithMintsAsync(5);

        var page = (await host.Cli().SucceedAsync("history", account, "--limit", "2", "--all", "--json")).Json;

        Assert.Equal([5L, 4, 3, 2, 1], page.GetProperty("entries").EnumerateArray().Select(entry => entry.GetProperty("sequence").GetInt64()));
        Assert.False(page.TryGetProperty("next_cursor", out _));
    }
}
