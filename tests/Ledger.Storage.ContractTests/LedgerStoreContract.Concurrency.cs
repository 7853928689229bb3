using System.Globalization;
using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>Races: preconditions must hold when many callers write at once.</summary>
public abstract partial class LedgerStoreContract
{
    private const int RacingTasks = 48;

    [Fact]
    public async Task Concurrent_creates_of_the_same_id_from_many_tasks_commit_exactly_once()
    {
        using var start = new SemaphoreSlim(0, RacingTasks);
        var racers = Enumerable.Range(0, RacingTasks).Select(number => Task.Run(async () =>
        {
            await start.WaitAsync(Timeout);
            return (Number: number, Result: await CommitAsync("account-a", Create("nonce-1", $"racer-{number}")));
        })).ToArray();
        start.Release(RacingTasks);

        var outcomes = await Task.WhenAll(racers);

        var winner = Assert.Single(outcomes, outcome => outcome.Result.IsCommitted);
        Assert.All(outcomes.Where(outcome => !outcome.Result.IsCommitted), outcome =>
        {
            Assert.Equal(BatchOutcome.Conflict, outcome.Result.Outcome);
            Assert.Equal(0, outcome.Result.FailedWriteIndex);
        });
        Assert.Equal($"racer-{winner.Number}", Text(await ReadAsync("account-a", "nonce-1")));
    }

    [Fact]
    public async Task Concurrent_replaces_with_the_same_etag_have_exactly_one_winner()
    {
        var etag = await CreateAsync("account-a", "balance", "0");
        using var start = new SemaphoreSlim(0, RacingTasks);
        var racers = Enumerable.Range(0, RacingTasks).Select(number => Task.Run(async () =>
        {
            await start.WaitAsync(Timeout);
            return (Number: number, Result: await CommitAsync("account-a", DocumentWrite.Replace("balance", "entry", Body($"racer-{number}"), etag)));
        })).ToArray();
        start.Release(RacingTasks);

        var outcomes = await Task.WhenAll(racers);

        var winner = Assert.Single(outcomes, outcome => outcome.Result.IsCommitted);
        Assert.All(outcomes.Where(outcome => !outcome.Result.IsCommitted), outcome => Assert.Equal(BatchOutcome.PreconditionFailed, outcome.Result.Outcome));
        var stored = await ReadAsync("account-a", "balance");
        Assert.Equal($"racer-{winner.Number}", Text(stored));
        Assert.Equal(winner.Result.ETags[0], stored!.ETag);
    }

    [Fact]
    public async Task Concurrent_read_modify_replace_loops_lose_no_update()
    {
        const int writers = 8;
        const int incrementsPerWriter = 10;
        const int maxAttemptsPerIncrement = 1000;
        await CreateAsync("account-a", "counter", "0");

        var loops = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var increment = 0; increment < incrementsPerWriter; increment++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < maxAttemptsPerIncrement, "An increment kept losing its race.");
                    var current = await ReadAsync("account-a", "counter");
                    var next = int.Parse(Text(current), CultureInfo.InvariantCulture) + 1;
                    var result = await CommitAsync("account-a", DocumentWrite.Replace("counter", "entry", Body(next.ToString(CultureInfo.InvariantCulture)), current!.ETag));
                    if (result.IsCommitted)
                    {
                        break;
                    }

                    Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
                }
            }
        })).ToArray();
        await Task.WhenAll(loops);

        Assert.Equal((writers * incrementsPerWriter).ToString(CultureInfo.InvariantCulture), Text(await ReadAsync("account-a", "counter")));
    }

    [Fact]
    public async Task Concurrent_batches_in_many_partitions_all_commit_and_all_reach_the_change_feed_in_order()
    {
        const int partitions = 16;
        const int batchesPerPartition = 5;
        var writers = Enumerable.Range(0, partitions).Select(partitionNumber => Task.Run(async () =>
        {
            for (var batchNumber = 0; batchNumber < batchesPerPartition; batchNumber++)
            {
                await CommitOrFailAsync(
                    $"account-{partitionNumber:D2}",
                    Create($"doc-{batchNumber}-a", "x", sortKey: batchNumber * 2),
                    Create($"doc-{batchNumber}-b", "x", sortKey: (batchNumber * 2) + 1));
            }
        })).ToArray();
        await Task.WhenAll(writers);

        var (changes, _) = await ReadAllChangesAsync(pageSize: 37);

        Assert.Equal(partitions * batchesPerPartition * 2, changes.Count);
        Assert.Equal(changes.Count, changes.Select(change => change.ChangeId).Distinct().Count());
        foreach (var partition in changes.GroupBy(change => change.Partition))
        {
            var expectedOrder = Enumerable.Range(0, batchesPerPartition).SelectMany(batchNumber => new[] { $"doc-{batchNumber}-a", $"doc-{batchNumber}-b" });
            Assert.Equal(expectedOrder, Ids(partition));
        }
    }

    [Fact]
    public async Task Concurrent_readers_see_each_batch_entirely_or_not_at_all()
    {
        const int batches = 30;
        const int writesPerBatch = 10;
        var writer = Task.Run(async () =>
        {
            for (var batchNumber = 0; batchNumber < batches; batchNumber++)
            {
                await CommitOrFailAsync(
                    "account-a",
                    Enumerable.Range(0, writesPerBatch).Select(writeNumber => Create($"doc-{batchNumber:D2}-{writeNumber}", "x", sortKey: batchNumber)).ToArray());
            }
        });

        var observations = 0;
        while (!writer.IsCompleted && observations < 10_000)
        {
            var documents = await ReadRangeAsync("account-a", "entry");
            Assert.Equal(0, documents.Count % writesPerBatch);
            observations++;
        }

        await writer;
        Assert.Equal(batches * writesPerBatch, (await ReadRangeAsync("account-a", "entry")).Count);
    }
}
