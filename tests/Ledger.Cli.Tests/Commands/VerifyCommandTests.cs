using Ledger.Cli.Tests.Infrastructure;

namespace Ledger.Cli.Tests.Commands;

/// <summary>
/// <c>ledger verify</c> on a real ledger with every kind of movement (app1: audited whole, so only this
/// class writes to it), on a ledger with a hold left open (app2), and on a stubbed ledger whose answers
/// contradict each other.
/// </summary>
public sealed class VerifyCommandTests(LedgerHostFactory host) : IClassFixture<LedgerHostFactory>
{
    /// <summary>Mints, burns, an operation, a transfer, a captured hold, a voided hold and both kinds of refund.</summary>
    private async Task<(string Alice, string Bob)> BusyLedgerAsync(CliRunner cli)
    {
        var (alice, bob) = (Ids.New("alice"), Ids.New("bob"));
        await cli.SucceedAsync("account", "open", alice);
        await cli.SucceedAsync("account", "open", bob);
        var mint = (await cli.SucceedAsync("mint", alice, "1000", "--reason", "credit_purchase", "--json")).Json.GetProperty("transaction_id").GetString()!;
        await cli.SucceedAsync("post", "DAILY_REWARD", "--account", bob);
        var transfer = (await cli.SucceedAsync("transfer", alice, bob, "300", "--reason", "content_unlock", "--json")).Json.GetProperty("transfer_id").GetString()!;
        var captured = (await cli.SucceedAsync("hold", alice, bob, "50", "--reason", "live_session", "--json")).Json.GetProperty("transfer_id").GetString()!;
        await cli.SucceedAsync("capture", captured, "--amount", "35");
        var voided = (await cli.SucceedAsync("hold", alice, bob, "20", "--reason", "live_session", "--json")).Json.GetProperty("transfer_id").GetString()!;
        await cli.SucceedAsync("void", voided);
        await cli.SucceedAsync("refund", transfer, "--amount", "100", "--reason", "unlock_refund");
        await cli.SucceedAsync("refund", mint, "--account", alice, "--amount", "200", "--reason", "purchase_refund");
        await cli.SucceedAsync("burn", bob, "10", "--reason", "payout");
        return (alice, bob);
    }

    [Fact]
    public async Task A_consistent_ledger_verifies_with_exit_0()
    {
        await BusyLedgerAsync(host.Cli());

        var result = await host.Cli().RunAsync("verify");
        var report = (await host.Cli().RunAsync("verify", "--json")).Json;

        Assert.True(result.ExitCode == CliExitCodes.Ok, result.ToString());
        Assert.Contains("OK: no problems found.", result.Out);
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.True(report.GetProperty("accounts").GetInt32() >= 2);
        Assert.Equal(report.GetProperty("minted").GetInt64() - report.GetProperty("burned").GetInt64(), report.GetProperty("total_balance").GetInt64());
        Assert.True(report.GetProperty("stuck_transfers_checked").GetBoolean());
    }

    [Fact]
    public async Task Verify_of_named_owners_follows_their_counterparties()
    {
        var (alice, _) = await BusyLedgerAsync(host.Cli());

        var report = (await host.Cli().SucceedAsync("verify", "--owner", alice, "--json")).Json;

        Assert.Equal(2, report.GetProperty("accounts").GetInt32());
        Assert.Equal(1001 - 200 - 10, report.GetProperty("total_balance").GetInt64());
    }

    [Fact]
    public async Task A_hold_left_open_is_found_and_verify_exits_5()
    {
        var cli = host.Cli(LedgerHostFactory.App2Key);
        var (alice, bob) = (Ids.New("alice"), Ids.New("bob"));
        await cli.SucceedAsync("account", "open", alice);
        await cli.SucceedAsync("account", "open", bob);
        await cli.SucceedAsync("mint", alice, "100", "--reason", "grant");
        await cli.SucceedAsync("hold", alice, bob, "40", "--reason", "live_session");

        var result = await cli.RunAsync("verify", "--account", alice);

        Assert.Equal(CliExitCodes.VerifyFoundProblems, result.ExitCode);
        Assert.Matches($@"(?m)^pending_left +{alice} +40 is still reserved", result.Out);
        Assert.Contains("1 problem found.", result.Out);
    }

    [Fact]
    public async Task A_ledger_whose_balance_disagrees_with_its_entries_fails_verification()
    {
        // bob's entries sum to 30, but the ledger says his balance is 35: the account and the issuance both disagree.
        var stub = new StubLedgerHandler()
            .Json("/accounts", """{"accounts":[]}""")
            .Json("/accounts/alice", Account("alice", balance: 70))
            .Json("/accounts/bob", Account("bob", balance: 35))
            .Json("/accounts/alice/entries", Entries(
                Entry("alice", 2, "tx_move", "transfer_debit", -30, 70, "bob", """[{"account_id":"alice","amount":-30}]""", "tr_move_alice"),
                Entry("alice", 1, "tx_mint", "mint", 100, 100, "$issuance", """[{"account_id":"alice","amount":100},{"account_id":"$issuance","amount":-100}]""")))
            .Json("/accounts/bob/entries", Entries(
                Entry("bob", 1, "tx_move", "transfer_credit", 30, 30, "alice", """[{"account_id":"bob","amount":30}]""", "tr_move_alice")))
            .Json("/status/transfers/stuck", """{"transfers":[]}""");
        var cli = new CliRunner(() => stub, new Dictionary<string, string?> { ["LEDGER_URL"] = "http://stub.test", ["LEDGER_API_KEY"] = "stub-key-1" });

        var result = await cli.RunAsync("verify", "--account", "alice", "--json");

        Assert.Equal(CliExitCodes.VerifyFoundProblems, result.ExitCode);
        var findings = result.Json.GetProperty("findings").EnumerateArray().Select(finding => (finding.GetProperty("check").GetString(), finding.GetProperty("subject").GetString())).ToList();
        Assert.Equal([("balance_mismatch", "bob"), ("issuance_mismatch", "$issuance")], findings);
        Assert.False(result.Json.GetProperty("ok").GetBoolean());
    }

    private static string Account(string id, long balance)
        => $$"""{"account_id":"{{id}}","owner_id":"{{id}}","app_id":"app1","status":"open","floor":0,"balance":{{balance}},"pending":0,"available":{{balance}},"created_at":"2026-12-01T10:00:00+00:00","updated_at":"2026-12-01T10:00:00+00:00"}""";

    private static string Entries(params string[] entries) => $$"""{"entries":[{{string.Join(',', entries)}}]}""";

    private static string Entry(string account, long sequence, string transaction, string kind, long amount, long balanceAfter, string counterparty, string legs, string? transferId = null)
        => $$"""{"transaction_id":"{{transaction}}","account_id":"{{account}}","sequence":{{sequence}},"kind":"{{kind}}","reason":"test","amount":{{amount}},"balance_after":{{balanceAfter}},"counterparty":"{{counterparty}}",{{(transferId is null ? "" : $"\"transfer_id\":\"{transferId}\",")}}"posted_at":"2026-12-01T10:00:00+00:00","legs":{{legs}}}""";
}
