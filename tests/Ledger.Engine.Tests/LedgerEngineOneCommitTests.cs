using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Engine.Tests.Transfers;
using Ledger.Storage;

namespace Ledger.Engine.Tests;

/// <summary>
/// On a store that commits across partitions, a request costs one durable commit: its idempotency claim
/// rides with its effect (or its recorded refusal), and a transfer commits all its parts at once. Every
/// answer stays what the claim-first path and the saga give.
/// </summary>
public sealed class LedgerEngineOneCommitTests
{
    private static (TestLedger Ledger, CountingLedgerStore Store) Counted(bool acrossPartitions = true)
    {
        CountingLedgerStore counting = null!;
        var kind = acrossPartitions ? StoreKind.InMemory : StoreKind.InMemoryWithoutAtomicCommits;
        var ledger = TestLedger.Create(kind, store => counting = new CountingLedgerStore(store, passMultiPartitionCommits: true));
        return (ledger, counting);
    }

    /// <summary>What makes two answers the same entry (records compare their leg lists by reference).</summary>
    private static (string Transaction, long Sequence, long Amount, long BalanceAfter, string? Hash) Identity(EntryDocument entry)
        => (entry.TransactionId, entry.Sequence, entry.Amount, entry.BalanceAfter, entry.Hash);

    private static async Task<int> CommitsOfAsync(CountingLedgerStore store, Func<Task> request)
    {
        var before = store.DurableCommits;
        await request();
        return store.DurableCommits - before;
    }

    [Fact]
    public async Task A_posting_commits_its_claim_and_its_entry_in_one_durable_commit()
    {
        var (ledger, store) = Counted();
        await using var _ = ledger;
        await ledger.OpenAsync("acc-1");

        var commits = await CommitsOfAsync(store, async () => Expect.Success(await ledger.MintAsync("acc-1", 50, "mint-1")));

        Assert.Equal(1, commits);
        Assert.Equal(2, store.MultiPartitionCommits);
        Assert.NotNull(await ledger.Store.ReadAsync(DocumentTypes.ClaimPartition(TestLedger.App1, IdempotencyKey.From("mint-1")), DocumentTypes.ClaimDocumentId, CancellationToken.None));
        Assert.Equal(50, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Fact]
    public async Task Without_multi_partition_commits_a_posting_claims_first_and_costs_two_commits()
    {
        var (ledger, store) = Counted(acrossPartitions: false);
        await using var _ = ledger;
        await ledger.OpenAsync("acc-1");

        var commits = await CommitsOfAsync(store, async () => Expect.Success(await ledger.MintAsync("acc-1", 50, "mint-1")));

        Assert.Equal(2, commits);
        Assert.Equal(0, store.MultiPartitionCommits);
    }

    [Fact]
    public async Task A_repeated_posting_answers_its_original_entry_and_a_reused_key_is_refused_writing_nothing()
    {
        var (ledger, store) = Counted();
        await using var _ = ledger;
        await ledger.OpenAsync("acc-1");
        var original = Expect.Success(await ledger.MintAsync("acc-1", 50, "mint-1"));

        var repeat = Expect.Success(await ledger.MintAsync("acc-1", 50, "mint-1"));
        var writesBefore = store.WritesTo(TestLedger.Partition(TestLedger.App1, AccountId.From("acc-1")));
        Expect.Failure(await ledger.MintAsync("acc-1", 70, "mint-1"), ErrorCodes.IdempotencyKeyReused);

        Assert.Equal(Identity(original), Identity(repeat));
        Assert.Equal(writesBefore, store.WritesTo(TestLedger.Partition(TestLedger.App1, AccountId.From("acc-1"))));
        Assert.Equal(50, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Fact]
    public async Task A_refused_debit_binds_its_key_in_one_commit_and_answers_the_same_refusal_after_a_top_up()
    {
        var (ledger, store) = Counted();
        await using var _ = ledger;
        await ledger.OpenAsync("acc-1");

        var commits = await CommitsOfAsync(store, async () => Expect.Failure(await ledger.BurnAsync("acc-1", 10, "burn-1"), ErrorCodes.InsufficientFunds));
        Expect.Success(await ledger.MintAsync("acc-1", 100, "mint-1"));

        Assert.Equal(1, commits);
        Expect.Failure(await ledger.BurnAsync("acc-1", 10, "burn-1"), ErrorCodes.InsufficientFunds);
        Expect.Failure(await ledger.BurnAsync("acc-1", 20, "burn-1"), ErrorCodes.IdempotencyKeyReused);
        Assert.Equal(100, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Fact]
    public async Task Thirty_concurrent_copies_of_one_posting_post_once_and_all_answer_its_entry()
    {
        var (ledger, _) = Counted();
        await using var __ = ledger;
        await ledger.OpenAsync("acc-1");

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Task.Run(() => ledger.MintAsync("acc-1", 5, "mint-1"))));

        Assert.All(answers, answer => Assert.Equal(Identity(Expect.Success(answers[0])), Identity(Expect.Success(answer))));
        Assert.Equal(5, (await ledger.AccountAsync("acc-1")).Balance);
        Assert.Single(await ledger.AllEntriesAsync("acc-1"));
    }

    [Fact]
    public async Task A_transfer_commits_claim_reservation_credit_debit_and_document_in_one_durable_commit()
    {
        var (ledger, store) = Counted();
        await using var _ = ledger;
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        TransferOutcome outcome = null!;

        var commits = await CommitsOfAsync(store, async () => outcome = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1")));

        Assert.Equal(1, commits);
        Assert.True(outcome.Finished);
        Assert.Equal("posted", outcome.Transfer.State);
        Assert.Equal(outcome.Transfer, await TransferKit.GetAsync(ledger.Engine, outcome.Transfer.TransferId));
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal((70L, 0L), (report.Accounts["src"].Balance, report.Accounts["src"].PendingDebits));
        Assert.Equal(30, report.Accounts["dst"].Balance);
        Assert.Equal(["transfer_debit", "mint"], (await ledger.AllEntriesAsync("src")).Select(entry => entry.Kind));
        Assert.Equal("transfer_credit", Assert.Single(await ledger.AllEntriesAsync("dst")).Kind);
    }

    [Fact]
    public async Task Without_multi_partition_commits_the_same_transfer_runs_its_saga_in_four_commits_and_ends_the_same()
    {
        var (ledger, store) = Counted(acrossPartitions: false);
        await using var _ = ledger;
        var issued = await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        TransferOutcome outcome = null!;

        var commits = await CommitsOfAsync(store, async () => outcome = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1")));

        Assert.Equal(4, commits);
        Assert.Equal("posted", outcome.Transfer.State);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal((70L, 30L), (report.Accounts["src"].Balance, report.Accounts["dst"].Balance));
    }

    [Fact]
    public async Task A_transfer_the_source_cannot_cover_is_refused_recorded_as_by_the_saga_path()
    {
        var (ledger, _) = Counted();
        await using var __ = ledger;
        await TransferKit.SetUpAsync(ledger, ["src", "dst"], 10, "src");

        Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"), ErrorCodes.InsufficientFunds);
        Expect.Success(await ledger.MintAsync("src", 100, "top-up"));

        Expect.Failure(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"), ErrorCodes.InsufficientFunds);
        Assert.Equal((110L, 0L), ((await ledger.AccountAsync("src")).Balance, (await ledger.AccountAsync("dst")).Balance));
    }

    [Fact]
    public async Task A_transfer_to_a_frozen_destination_is_voided_by_the_saga_and_releases_its_reservation()
    {
        var (ledger, _) = Counted();
        await using var __ = ledger;
        await TransferKit.SetUpAsync(ledger, ["src", "dst"], 100, "src");
        Expect.Success(await ledger.Engine.FreezeAsync(TestLedger.App1, AccountId.From("dst")));

        var outcome = Expect.Success(await TransferKit.TransferAsync(ledger.Engine, "src", "dst", 30, "t1"));

        Assert.Equal(("voided", ErrorCodes.AccountFrozen), (outcome.Transfer.State, outcome.Transfer.FailureCode));
        var source = await ledger.AccountAsync("src");
        Assert.Equal((100L, 0L), (source.Balance, source.PendingDebits));
    }

    [Fact]
    public async Task Concurrent_transfers_into_one_destination_share_its_group_commits_and_all_post()
    {
        var (ledger, store) = Counted();
        await using var _ = ledger;
        var sources = Enumerable.Range(0, 40).Select(number => $"src-{number}").ToArray();
        var issued = await TransferKit.SetUpAsync(ledger, [.. sources, "creator"], 10, sources);
        var before = store.MultiPartitionCommits;

        var outcomes = await Task.WhenAll(sources.Select(source => Task.Run(() => TransferKit.TransferAsync(ledger.Engine, source, "creator", 3, "t-" + source))));

        Assert.All(outcomes, outcome => Assert.Equal("posted", Expect.Success(outcome).Transfer.State));
        Assert.InRange(store.MultiPartitionCommits - before, 1, sources.Length);
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal(120, report.Accounts["creator"].Balance);
        Assert.All(sources, source => Assert.Equal(7, report.Accounts[source].Balance));
    }

    [Fact]
    public async Task Concurrent_transfers_from_one_source_never_overdraw_it()
    {
        var (ledger, _) = Counted();
        await using var __ = ledger;
        var destinations = Enumerable.Range(0, 30).Select(number => $"dst-{number}").ToArray();
        var issued = await TransferKit.SetUpAsync(ledger, ["src", .. destinations], 10, "src");

        var outcomes = await Task.WhenAll(destinations.Select(destination => Task.Run(() => TransferKit.TransferAsync(ledger.Engine, "src", destination, 1, "t-" + destination))));

        Assert.Equal(10, outcomes.Count(outcome => outcome.IsSuccess && outcome.Value.Transfer.State == "posted"));
        Assert.All(outcomes.Where(outcome => !outcome.IsSuccess), outcome => Assert.Equal(ErrorCodes.InsufficientFunds, outcome.Error!.Code));
        var report = await LedgerAudit.CheckAllFinalAsync(ledger.Engine, TransferKit.App, issued);
        Assert.Equal((0L, 0L), (report.Accounts["src"].Balance, report.Accounts["src"].PendingDebits));
    }
}
