using Ledger.Cli.Audit;

namespace Ledger.Cli.Tests.Audit;

public sealed class LedgerAuditTests
{
    private static readonly AuditScope WholeApp = new([], []);

    /// <summary>Two accounts: alice minted 100 and sent bob 30.</summary>
    private static InMemoryAuditSource Consistent() => new InMemoryAuditSource()
        .Account("alice", 70).Account("bob", 30)
        .Mint("alice", "tx_mint", 100)
        .Transfer("alice", "bob", "tx_move", 30);

    private static Task<AuditReport> AuditAsync(InMemoryAuditSource source, AuditScope? scope = null)
        => new LedgerAudit(source).RunAsync(scope ?? WholeApp, CancellationToken.None);

    private static AuditFinding Single(AuditReport report, string check)
    {
        Assert.False(report.Ok);
        return Assert.Single(report.Findings, finding => finding.Check == check);
    }

    [Fact]
    public async Task A_consistent_ledger_has_no_findings_and_reconciles_issuance_with_the_balances()
    {
        var report = await AuditAsync(Consistent());

        Assert.True(report.Ok, string.Join("\n", report.Findings));
        Assert.Equal(2, report.Accounts);
        Assert.Equal(3, report.Entries);
        Assert.Equal(2, report.Transactions);
        Assert.Equal(100, report.Minted);
        Assert.Equal(0, report.Burned);
        Assert.Equal(100, report.TotalBalance);
    }

    [Fact]
    public async Task A_balance_that_differs_from_the_sum_of_its_entries_is_found()
    {
        var source = Consistent();
        source.Accounts["bob"] = source.Accounts["bob"] with { Balance = 31 };

        var finding = Single(await AuditAsync(source), AuditChecks.BalanceMismatch);

        Assert.Equal("bob", finding.Subject);
        Assert.Contains("31", finding.Detail);
    }

    [Fact]
    public async Task An_entry_whose_balance_after_breaks_the_running_sum_is_named()
    {
        var source = Consistent();
        var history = source.Entries["alice"];
        history[0] = history[0] with { BalanceAfter = 71 };

        var finding = Single(await AuditAsync(source), AuditChecks.RunningBalanceMismatch);

        Assert.Equal("alice/2", finding.Subject);
    }

    [Fact]
    public async Task A_missing_sequence_number_is_found()
    {
        var source = Consistent();
        source.Account("carol", 5).Mint("carol", "tx_c1", 2).Mint("carol", "tx_c2", 3);
        source.Entries["carol"].RemoveAt(1);
        source.Accounts["carol"] = source.Accounts["carol"] with { Balance = 3 };

        var report = await AuditAsync(source);

        Assert.Contains(report.Findings, finding => finding is { Check: AuditChecks.SequenceGap, Subject: "carol" });
    }

    [Fact]
    public async Task A_transaction_whose_legs_do_not_sum_to_zero_is_unbalanced()
    {
        var source = Consistent();
        var bob = source.Entries["bob"];
        bob[0] = bob[0] with { Amount = 31, BalanceAfter = 31, Legs = [new AuditLeg("bob", 31)] };
        source.Accounts["bob"] = source.Accounts["bob"] with { Balance = 31 };

        var report = await AuditAsync(source);

        var finding = Single(report, AuditChecks.UnbalancedTransaction);
        Assert.Equal("tx_move", finding.Subject);
        Assert.Contains("sum to 1", finding.Detail);
    }

    [Fact]
    public async Task Minted_minus_burned_that_differs_from_the_balances_is_an_issuance_mismatch()
    {
        // A mint whose entry shows no issuance leg: the account's history adds up, the issuance does not.
        var source = Consistent();
        source.Account("carol", 10).Entry("carol", "tx_free", 10, "nobody-real", null, new AuditLeg("carol", 10), new AuditLeg("alice", -10));

        var report = await AuditAsync(source, new AuditScope([], ["carol"]));

        Assert.Contains(report.Findings, finding => finding.Check == AuditChecks.IssuanceMismatch);
    }

    [Fact]
    public async Task An_amount_still_pending_is_reported_as_left_behind()
    {
        var source = Consistent();
        source.Accounts["alice"] = source.Accounts["alice"] with { Pending = 20 };

        var finding = Single(await AuditAsync(source), AuditChecks.PendingLeft);

        Assert.Equal("alice", finding.Subject);
    }

    [Fact]
    public async Task A_transfer_credited_but_not_yet_debited_is_reported_as_not_final_rather_than_unbalanced()
    {
        var source = Consistent();
        source.Accounts["bob"] = source.Accounts["bob"] with { Balance = 40 };
        source.Accounts["alice"] = source.Accounts["alice"] with { Pending = 10 };
        source.Entry("bob", "tx_flight", 10, "alice", "tr_flight_alice");
        source.TransferStates["tr_flight_alice"] = "crediting";

        var report = await AuditAsync(source);

        Assert.Contains(report.Findings, finding => finding is { Check: AuditChecks.TransferNotFinal, Subject: "tr_flight_alice" });
        Assert.DoesNotContain(report.Findings, finding => finding.Check == AuditChecks.UnbalancedTransaction);
    }

    [Fact]
    public async Task A_transfer_the_ledger_lists_as_stuck_is_reported()
    {
        var source = Consistent();
        source.Stuck.Add(new AuditStuckTransfer("tr_stuck_alice", "crediting", "credit_undecided"));

        var finding = Single(await AuditAsync(source), AuditChecks.TransferNotFinal);

        Assert.Equal("tr_stuck_alice", finding.Subject);
        Assert.Contains("credit_undecided", finding.Detail);
    }

    [Fact]
    public async Task A_counterparty_that_does_not_exist_is_a_missing_account()
    {
        var source = Consistent();
        source.Accounts.Remove("bob");
        source.Exported = ["alice"];

        var report = await AuditAsync(source);

        Assert.Contains(report.Findings, finding => finding is { Check: AuditChecks.MissingAccount, Subject: "bob" });
    }

    [Fact]
    public async Task Starting_from_one_account_the_audit_follows_counterparties_and_the_owners_other_accounts()
    {
        var source = Consistent();
        source.Account("bob-savings", 0, owner: "bob");

        var report = await AuditAsync(source, new AuditScope([], ["alice"]));

        Assert.True(report.Ok, string.Join("\n", report.Findings));
        Assert.Equal(["alice", "bob", "bob-savings"], source.AccountsRead.Order(StringComparer.Ordinal));
        Assert.Equal(100, report.TotalBalance);
    }

    [Fact]
    public async Task A_broken_hash_chain_reported_by_the_ledger_is_a_finding()
    {
        var source = Consistent();
        source.Chains["bob"] = new AuditChainResult(false, "entry 1: hash mismatch");

        var report = await AuditAsync(source);

        var finding = Single(report, AuditChecks.ChainBroken);
        Assert.Equal("bob", finding.Subject);
        Assert.True(report.ChainsChecked);
    }

    [Fact]
    public async Task Without_a_chain_check_on_the_ledger_the_report_says_chains_were_not_checked()
    {
        var report = await AuditAsync(Consistent());

        Assert.False(report.ChainsChecked);
        Assert.True(report.StuckTransfersChecked);
    }
}
