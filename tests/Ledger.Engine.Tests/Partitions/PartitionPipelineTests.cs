using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Partitions;

public sealed class PartitionPipelineTests
{
    private const int Requests = 120;

    private static readonly string AlicePartition = TestLedger.Partition(TestLedger.App1, AccountId.From("alice"));

    /// <summary>
    /// Holds the account's first batch until every request has claimed its key, so the rest queue up
    /// behind it, then lets everything run.
    /// </summary>
    private static async Task<(Result<EntryDocument>[] Results, CountingLedgerStore Store, TestLedger Ledger)> PostConcurrentlyAsync(PartitionPipelineOptions? options)
    {
        CountingLedgerStore? counting = null;
        var ledger = TestLedger.Create(wrap: inner => counting = new CountingLedgerStore(inner), options: options);
        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "fund"));
        var gate = counting!.HoldFirstCommitTo(AlicePartition);
        var commitsBefore = counting.CommitsTo(AlicePartition);

        var posts = Enumerable.Range(0, Requests).Select(index => Task.Run(() => ledger.PostOperationAsync("alice", "DAILY_REWARD", $"reward-{index}"))).ToArray();
        while (counting.ClaimCommitsFor("app1", Enumerable.Range(0, Requests).Select(index => $"reward-{index}")) < Requests)
        {
            await Task.Delay(1);
        }

        gate.SetResult();
        var results = await Task.WhenAll(posts);
        Assert.Equal(1, commitsBefore);
        return (results, counting, ledger);
    }

    [Fact]
    public async Task Many_concurrent_postings_to_one_account_are_committed_in_fewer_batches_than_requests()
    {
        var (results, store, ledger) = await PostConcurrentlyAsync(options: null);
        await using var _ = ledger;

        Assert.All(results, result => Expect.Success(result));
        var batches = store.CommitsTo(AlicePartition) - 1;
        Assert.True(batches < Requests, $"{Requests} postings took {batches} batches");
        Assert.True(batches >= (int)Math.Ceiling(Requests / 48.0), $"{batches} batches cannot hold {Requests} postings of at most 48 each");
        Assert.Equal(10 + Requests, (await ledger.AccountAsync("alice")).Balance);
        Assert.Equal(Enumerable.Range(1, Requests + 1).Select(sequence => (long)sequence), results.Select(result => result.Value.Sequence).Append(1L).Order());
    }

    [Fact]
    public async Task Each_batch_writes_the_account_once_plus_one_entry_per_accepted_posting()
    {
        var (_, store, ledger) = await PostConcurrentlyAsync(options: null);
        await using var _ = ledger;

        var batches = store.CommitsTo(AlicePartition);
        Assert.Equal(batches + Requests + 1, store.WritesTo(AlicePartition));
    }

    [Fact]
    public async Task With_batches_of_one_every_posting_is_its_own_commit()
    {
        var (results, store, ledger) = await PostConcurrentlyAsync(new PartitionPipelineOptions { MaxCommandsPerBatch = 1 });
        await using var _ = ledger;

        Assert.All(results, result => Expect.Success(result));
        Assert.Equal(Requests + 1, store.CommitsTo(AlicePartition));
    }

    [Fact]
    public async Task A_refused_posting_inside_a_batch_does_not_hold_back_the_others()
    {
        CountingLedgerStore? counting = null;
        await using var ledger = TestLedger.Create(wrap: inner => counting = new CountingLedgerStore(inner));
        Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "fund"));
        var gate = counting!.HoldFirstCommitTo(AlicePartition);

        var posts = Enumerable.Range(0, 30).Select(index => Task.Run(() => ledger.PostOperationAsync("alice", index % 3 == 0 ? "CONTENT_CREATION" : "DAILY_REWARD", $"mixed-{index}"))).ToArray();
        while (counting.ClaimCommitsFor("app1", Enumerable.Range(0, 30).Select(index => $"mixed-{index}")) < 30)
        {
            await Task.Delay(1);
        }

        gate.SetResult();
        var results = await Task.WhenAll(posts);

        var account = await ledger.AccountAsync("alice");
        var entries = await ledger.AllEntriesAsync("alice");
        Assert.Equal(entries.Sum(entry => entry.Amount), account.Balance);
        Assert.Equal(20, results.Count(result => result.IsSuccess && result.Value.Operation == "DAILY_REWARD"));
        Assert.All(results.Where(result => !result.IsSuccess), result => Assert.Equal(ErrorCodes.InsufficientFunds, result.Error!.Code));
        Assert.True(account.Balance >= 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void Batch_sizes_outside_what_one_store_batch_can_hold_are_rejected(int size)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new PartitionPipelineOptions { MaxCommandsPerBatch = size }.Validate());

    [Fact]
    public async Task A_partition_with_too_many_waiting_requests_refuses_more_with_contention()
    {
        CountingLedgerStore? counting = null;
        await using var ledger = TestLedger.Create(wrap: inner => counting = new CountingLedgerStore(inner), options: new PartitionPipelineOptions { MaxQueuedPerPartition = 5 });
        Expect.Success(await ledger.PostOperationAsync("alice", "DAILY_REWARD", "fund"));
        var gate = counting!.HoldFirstCommitTo(AlicePartition);

        var posts = Enumerable.Range(0, 20).Select(index => Task.Run(() => ledger.PostOperationAsync("alice", "DAILY_REWARD", $"queued-{index}"))).ToArray();
        while (counting.ClaimCommitsFor("app1", Enumerable.Range(0, 20).Select(index => $"queued-{index}")) < 20)
        {
            await Task.Delay(1);
        }

        gate.SetResult();
        var results = await Task.WhenAll(posts);

        Assert.Contains(results, result => result.Error?.Code == ErrorCodes.Contention);
        Assert.All(results, result => Assert.True(result.IsSuccess || result.Error!.Code == ErrorCodes.Contention));
        Assert.Equal(1 + results.Count(result => result.IsSuccess), (await ledger.AccountAsync("alice")).Balance);
    }
}
