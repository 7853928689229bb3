using Ledger.Engine;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;

namespace Ledger.Projections.Tests;

/// <summary>A drain (one Functions timer invocation): from the stored checkpoint, to the head or until the budget is spent.</summary>
public sealed class ChangeFeedDrainTests
{
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_drain_handles_every_pending_change_in_batches_and_stops_at_the_head(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        for (var index = 0; index < 30; index++)
        {
            await ledger.PostAsync("alice", 1);
        }

        var consumer = new RecordingConsumer();
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, TestLedger.FastOptions(batchSize: 8), ledger.Clock);

        var first = await processor.DrainAsync(CancellationToken.None);
        Assert.Equal(DrainOutcome.CaughtUp, first.Outcome);
        Assert.Equal(consumer.Batches.Count, first.Batches);
        Assert.Equal(Enumerable.Range(1, 30).Select(sequence => (long?)sequence), consumer.Delivered.Where(change => change.Type == DocumentTypes.Entry).Select(change => change.SortKey));

        var second = await processor.DrainAsync(CancellationToken.None);
        Assert.Equal(new DrainResult(DrainOutcome.CaughtUp, 0), second);
        Assert.Equal(first.Batches, consumer.Batches.Count);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_drain_starts_no_batch_once_its_budget_is_spent_and_the_next_goes_on_from_the_checkpoint(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        for (var index = 0; index < 20; index++)
        {
            await ledger.PostAsync("alice", 1);
        }

        // Each batch takes one second of the manual clock; the budget is three.
        var consumer = new ClockedConsumer(ledger.Clock, TimeSpan.FromSeconds(1));
        var options = TestLedger.FastOptions(batchSize: 2) with { DrainBudget = TimeSpan.FromSeconds(3) };
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, options, ledger.Clock);

        Assert.Equal(new DrainResult(DrainOutcome.BudgetSpent, 3), await processor.DrainAsync(CancellationToken.None));
        Assert.Equal(6, consumer.Handled.Count);

        // A fresh processor (another instance's timer) resumes where the checkpoint says.
        var elsewhere = new ChangeFeedProcessor(ledger.Store, consumer, options with { DrainBudget = TimeSpan.FromMinutes(1) }, ledger.Clock);
        Assert.Equal(DrainOutcome.CaughtUp, (await elsewhere.DrainAsync(CancellationToken.None)).Outcome);
        Assert.Equal(consumer.Handled.Count, consumer.Handled.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(20, consumer.Handled.Count(id => id.Contains("/tx:", StringComparison.Ordinal)));
    }

    /// <summary>Timers run on one instance at a time, not always the same one: a drain must not redo what another instance checkpointed.</summary>
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_drain_reads_the_checkpoint_another_instance_moved_instead_of_its_own_memory(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        var here = new RecordingConsumer("shared");
        var there = new RecordingConsumer("shared");
        var instanceA = new ChangeFeedProcessor(ledger.Store, here, TestLedger.FastOptions(), ledger.Clock);
        var instanceB = new ChangeFeedProcessor(ledger.Store, there, TestLedger.FastOptions(), ledger.Clock);
        await instanceA.DrainAsync(CancellationToken.None);

        await ledger.PostAsync("alice", 4);
        await instanceB.DrainAsync(CancellationToken.None);
        await ledger.PostAsync("alice", 5);
        await instanceA.DrainAsync(CancellationToken.None);

        var seenByA = here.Delivered.Where(change => change.Type == DocumentTypes.Entry).Select(change => change.SortKey).ToArray();
        var seenByB = there.Delivered.Where(change => change.Type == DocumentTypes.Entry).Select(change => change.SortKey).ToArray();
        Assert.Equal([1L], seenByB.Select(sequence => sequence!.Value));
        Assert.Equal([2L], seenByA.Select(sequence => sequence!.Value));
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_batch_that_fails_in_an_outage_is_retried_from_its_checkpoint_never_skipped_and_never_dead_lettered(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        for (var index = 0; index < 5; index++)
        {
            await ledger.PostAsync("alice", 1);
        }

        var consumer = new RecordingConsumer("notifications") { Failing = true };
        var options = TestLedger.FastOptions() with { DrainBudget = TimeSpan.FromMilliseconds(100), NarrowAfterFailures = 1, MaxAttemptsPerChange = 1 };
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, options, TimeProvider.System);

        for (var drain = 0; drain < 5; drain++)
        {
            Assert.Equal(DrainOutcome.Failed, (await processor.DrainAsync(CancellationToken.None)).Outcome);
        }

        Assert.True(consumer.Failures >= 5);
        Assert.Null(await ledger.Store.ReadCheckpointAsync("notifications", CancellationToken.None));
        Assert.Empty((await new DeadLetterStore(ledger.Store).ListAsync(null, CancellationToken.None)).Letters);

        consumer.Failing = false;
        Assert.Equal(DrainOutcome.CaughtUp, (await processor.DrainAsync(CancellationToken.None)).Outcome);
        Assert.Equal(Enumerable.Range(1, 5).Select(sequence => (long?)sequence), consumer.Delivered.Where(change => change.Type == DocumentTypes.Entry).Select(change => change.SortKey));
    }

    /// <summary>Advances the clock by a fixed time per batch and records the change ids it was handed.</summary>
    private sealed class ClockedConsumer(ManualClock clock, TimeSpan perBatch) : IChangeConsumer
    {
        public string Name => "clocked";

        public List<string> Handled { get; } = [];

        public Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
        {
            Handled.AddRange(changes.Select(change => change.ChangeId));
            clock.Advance(perBatch);
            return Task.CompletedTask;
        }
    }
}
