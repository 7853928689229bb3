using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>
/// What a store offering <see cref="IAtomicMultiPartitionStore"/> must do on top of the whole store
/// contract: a store's test project derives from this class instead of <see cref="LedgerStoreContract"/>,
/// and every fact of both runs against it.
/// </summary>
public abstract class AtomicMultiPartitionStoreContract : LedgerStoreContract
{
    private const int RacingTasks = 32;

    protected IAtomicMultiPartitionStore Atomic
        => Store.AtomicMultiPartition() ?? throw new Xunit.Sdk.XunitException("The store under test offers no multi-partition commit.");

    protected async Task<MultiPartitionCommitResult> CommitAtomicallyAsync(params PartitionBatch[] batches)
        => await Atomic.CommitAtomicallyAsync(batches, Timeout);

    [Fact]
    public void The_store_says_it_commits_across_partitions()
    {
        Assert.True(Atomic.CommitsAcrossPartitions);
    }

    [Fact]
    public async Task Batches_in_several_partitions_commit_together_with_one_commit_time_and_etags_per_write()
    {
        var result = await CommitAtomicallyAsync(
            new PartitionBatch("account-a", Create("entry-1", "a1"), Create("entry-2", "a2")),
            new PartitionBatch("claims-1", Create("claim", "c")),
            new PartitionBatch("account-b", Create("entry-1", "b1")));

        Assert.True(result.IsCommitted);
        Assert.Equal((-1, -1), (result.FailedBatchIndex, result.FailedWriteIndex));
        Assert.Equal([2, 1, 1], result.Batches.Select(batch => batch.ETags.Count));
        Assert.All(result.Batches, batch => Assert.True(batch.IsCommitted));
        Assert.All(result.Batches, batch => Assert.Equal(result.CommittedAt, batch.CommittedAt));
        var a2 = await ReadAsync("account-a", "entry-2");
        var claim = await ReadAsync("claims-1", "claim");
        var b1 = await ReadAsync("account-b", "entry-1");
        Assert.Equal(("a2", result.Batches[0].ETags[1], result.CommittedAt), (Text(a2), a2!.ETag, a2.CommittedAt));
        Assert.Equal(("c", result.Batches[1].ETags[0]), (Text(claim), claim!.ETag));
        Assert.Equal(("b1", result.Batches[2].ETags[0]), (Text(b1), b1!.ETag));
    }

    [Fact]
    public async Task Replaces_upserts_and_deletes_keep_their_meaning_inside_a_multi_partition_commit()
    {
        var balanceETag = await CreateAsync("account-a", "balance", "10");
        await CreateAsync("account-b", "hold", "5");

        var result = await CommitAtomicallyAsync(
            new PartitionBatch("account-a", DocumentWrite.Replace("balance", "entry", Body("7"), balanceETag)),
            new PartitionBatch("account-b", DocumentWrite.Delete("hold", "entry"), DocumentWrite.Upsert("balance", "entry", Body("3"))));

        Assert.True(result.IsCommitted);
        Assert.Equal(string.Empty, result.Batches[1].ETags[0]);
        Assert.Equal("7", Text(await ReadAsync("account-a", "balance")));
        Assert.Equal("3", Text(await ReadAsync("account-b", "balance")));
        Assert.Null(await ReadAsync("account-b", "hold"));
    }

    [Fact]
    public async Task A_conflict_in_the_last_batch_writes_nothing_in_any_partition_and_names_the_batch_and_write()
    {
        await CreateAsync("claims-1", "claim", "taken");

        var result = await CommitAtomicallyAsync(
            new PartitionBatch("account-a", Create("entry-1", "a1")),
            new PartitionBatch("account-b", Create("entry-1", "b1")),
            new PartitionBatch("claims-1", Create("other", "x"), Create("claim", "again")));

        Assert.Equal(BatchOutcome.Conflict, result.Outcome);
        Assert.False(result.IsCommitted);
        Assert.Equal((2, 1), (result.FailedBatchIndex, result.FailedWriteIndex));
        Assert.Empty(result.Batches);
        Assert.Null(await ReadAsync("account-a", "entry-1"));
        Assert.Null(await ReadAsync("account-b", "entry-1"));
        Assert.Null(await ReadAsync("claims-1", "other"));
        Assert.Equal("taken", Text(await ReadAsync("claims-1", "claim")));
    }

    [Fact]
    public async Task A_stale_etag_in_the_first_batch_undoes_the_later_batches_and_is_named_as_precondition_failed()
    {
        var stale = await CreateAsync("account-a", "balance", "v1");
        await CommitOrFailAsync("account-a", DocumentWrite.Replace("balance", "entry", Body("v2"), stale));
        await CreateAsync("account-b", "doomed", "kept");

        var result = await CommitAtomicallyAsync(
            new PartitionBatch("account-a", DocumentWrite.Replace("balance", "entry", Body("v3"), stale)),
            new PartitionBatch("account-b", DocumentWrite.Delete("doomed", "entry"), Create("new", "x")));

        Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal((0, 0), (result.FailedBatchIndex, result.FailedWriteIndex));
        Assert.Equal("v2", Text(await ReadAsync("account-a", "balance")));
        Assert.Equal("kept", Text(await ReadAsync("account-b", "doomed")));
        Assert.Null(await ReadAsync("account-b", "new"));
    }

    [Fact]
    public async Task A_replace_of_a_missing_document_in_a_middle_batch_is_named_as_not_found_and_writes_nothing()
    {
        var result = await CommitAtomicallyAsync(
            new PartitionBatch("account-a", Create("entry-1", "a1")),
            new PartitionBatch("account-b", Create("entry-1", "b1"), DocumentWrite.Replace("missing", "entry", Body("x"), "any-etag")),
            new PartitionBatch("account-c", Create("entry-1", "c1")));

        Assert.Equal(BatchOutcome.NotFound, result.Outcome);
        Assert.Equal((1, 1), (result.FailedBatchIndex, result.FailedWriteIndex));
        Assert.Null(await ReadAsync("account-a", "entry-1"));
        Assert.Null(await ReadAsync("account-b", "entry-1"));
        Assert.Null(await ReadAsync("account-c", "entry-1"));
    }

    [Fact]
    public async Task The_change_feed_shows_a_multi_partition_commit_after_earlier_commits_in_batch_then_write_order()
    {
        await CreateAsync("account-z", "earlier", "x");

        await CommitAtomicallyAsync(
            new PartitionBatch("account-b", Create("b-first", "x"), Create("b-second", "x")),
            new PartitionBatch("account-a", Create("a-only", "x")),
            new PartitionBatch("claims-1", Create("claim", "x")));
        await CreateAsync("account-a", "later", "x");

        var (changes, _) = await ReadAllChangesAsync(pageSize: 2);

        Assert.Equal(["earlier", "b-first", "b-second", "a-only", "claim", "later"], Ids(changes));
    }

    [Fact]
    public async Task A_failed_multi_partition_commit_leaves_nothing_in_the_change_feed()
    {
        await CreateAsync("claims-1", "claim", "taken");
        var (_, head) = await ReadAllChangesAsync();

        await CommitAtomicallyAsync(
            new PartitionBatch("account-a", Create("entry-1", "x")),
            new PartitionBatch("claims-1", Create("claim", "again")));
        var (changes, _) = await ReadAllChangesAsync(head);

        Assert.Empty(changes);
    }

    [Fact]
    public async Task Concurrent_multi_partition_commits_guarded_by_one_etag_have_exactly_one_winner_and_the_losers_leave_no_trace()
    {
        var etag = await CreateAsync("account-a", "balance", "0");
        using var start = new SemaphoreSlim(0, RacingTasks);
        var racers = Enumerable.Range(0, RacingTasks).Select(number => Task.Run(async () =>
        {
            await start.WaitAsync(Timeout);
            return (Number: number, Result: await CommitAtomicallyAsync(
                new PartitionBatch("account-a", DocumentWrite.Replace("balance", "entry", Body($"racer-{number}"), etag)),
                new PartitionBatch($"claims-{number}", Create("claim", $"racer-{number}"))));
        })).ToArray();
        start.Release(RacingTasks);

        var outcomes = await Task.WhenAll(racers);

        var winner = Assert.Single(outcomes, outcome => outcome.Result.IsCommitted);
        Assert.Equal($"racer-{winner.Number}", Text(await ReadAsync("account-a", "balance")));
        foreach (var loser in outcomes.Where(outcome => !outcome.Result.IsCommitted))
        {
            Assert.Equal((BatchOutcome.PreconditionFailed, 0, 0), (loser.Result.Outcome, loser.Result.FailedBatchIndex, loser.Result.FailedWriteIndex));
            Assert.Null(await ReadAsync($"claims-{loser.Number}", "claim"));
        }
    }

    [Fact]
    public async Task Concurrent_multi_partition_commits_creating_one_claim_commit_exactly_once()
    {
        using var start = new SemaphoreSlim(0, RacingTasks);
        var racers = Enumerable.Range(0, RacingTasks).Select(number => Task.Run(async () =>
        {
            await start.WaitAsync(Timeout);
            return (Number: number, Result: await CommitAtomicallyAsync(
                new PartitionBatch($"account-{number}", Create("entry", $"racer-{number}")),
                new PartitionBatch("claims-1", Create("claim", $"racer-{number}"))));
        })).ToArray();
        start.Release(RacingTasks);

        var outcomes = await Task.WhenAll(racers);

        var winner = Assert.Single(outcomes, outcome => outcome.Result.IsCommitted);
        Assert.Equal($"racer-{winner.Number}", Text(await ReadAsync("claims-1", "claim")));
        foreach (var loser in outcomes.Where(outcome => !outcome.Result.IsCommitted))
        {
            Assert.Equal((BatchOutcome.Conflict, 1, 0), (loser.Result.Outcome, loser.Result.FailedBatchIndex, loser.Result.FailedWriteIndex));
            Assert.Null(await ReadAsync($"account-{loser.Number}", "entry"));
        }
    }

    [Fact]
    public async Task A_commit_naming_one_partition_twice_or_none_is_refused_before_reaching_the_store()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await CommitAtomicallyAsync(
            new PartitionBatch("account-a", Create("one", "x")),
            new PartitionBatch("account-a", Create("two", "x"))));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await CommitAtomicallyAsync());
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await CommitAtomicallyAsync(
            Enumerable.Range(0, MultiPartitionCommit.MaxBatches + 1).Select(number => new PartitionBatch($"p-{number}", Create("x", "x"))).ToArray()));

        Assert.Null(await ReadAsync("account-a", "one"));
        Assert.Empty((await ReadAllChangesAsync()).Changes);
    }
}
