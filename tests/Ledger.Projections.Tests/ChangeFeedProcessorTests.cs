using Ledger.Engine;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;

namespace Ledger.Projections.Tests;

public sealed class ChangeFeedProcessorTests
{
    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Every_change_is_handled_once_in_bounded_batches_and_a_restart_resumes_from_the_checkpoint(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        for (var index = 0; index < 60; index++)
        {
            await ledger.PostAsync("alice", 5);
        }

        var consumer = new RecordingConsumer();
        await ledger.DrainAsync(consumer, batchSize: 7);

        Assert.All(consumer.Batches, batch => Assert.InRange(batch.Count, 1, 7));
        var delivered = consumer.Delivered.Select(change => change.ChangeId).ToList();
        Assert.Equal(delivered.Count, delivered.Distinct(StringComparer.Ordinal).Count());
        var entries = consumer.Delivered.Where(change => change.Type == DocumentTypes.Entry).Select(change => change.SortKey).ToList();
        Assert.Equal(Enumerable.Range(1, 60).Select(sequence => (long?)sequence), entries);

        // A new processor (a restarted host) starts from the saved checkpoint: nothing is handed over again.
        var restarted = new RecordingConsumer();
        var processor = new ChangeFeedProcessor(ledger.Store, restarted, TestLedger.FastOptions(), ledger.Clock);
        Assert.Equal(StepOutcome.CaughtUp, await processor.StepAsync(CancellationToken.None));
        Assert.Empty(restarted.Batches);

        // The next posting is the only thing it sees.
        await ledger.PostAsync("alice", 1);
        Assert.Equal(StepOutcome.HandledToHead, await processor.StepAsync(CancellationToken.None));
        Assert.Contains(restarted.Delivered, change => change.Type == DocumentTypes.Entry && change.SortKey == 61);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_crash_between_handling_and_checkpointing_repeats_the_batch_without_a_second_effect(StoreKind kind)
    {
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(kind, inner => store = new InstrumentedStore(inner));
        await ledger.OpenAsync("alice");
        for (var index = 0; index < 35; index++)
        {
            await ledger.PostAsync("alice", 2);
        }

        var snapshots = new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = 10 }, ledger.Clock);
        var recorder = new RecordingConsumer("snapshots");
        var consumer = new TeeConsumer(recorder, snapshots);

        // First life: the batch is handled (snapshots written), then the process "dies" before the checkpoint.
        store!.FailNextCheckpointWrites(1);
        var firstLife = new ChangeFeedProcessor(ledger.Store, consumer, TestLedger.FastOptions(batchSize: 1000), ledger.Clock);
        Assert.Equal(StepOutcome.Failed, await firstLife.StepAsync(CancellationToken.None));
        Assert.Null(await ledger.Store.ReadCheckpointAsync("snapshots", CancellationToken.None));
        var afterFirstLife = await SnapshotVersionsAsync(ledger);
        Assert.Equal([1L, 10, 20, 30], afterFirstLife.Keys.Order());

        // Second life: a new processor resumes from the (missing) checkpoint and is handed the same changes.
        var secondLife = new ChangeFeedProcessor(ledger.Store, consumer, TestLedger.FastOptions(batchSize: 1000), ledger.Clock);
        Assert.Equal(StepOutcome.HandledToHead, await secondLife.StepAsync(CancellationToken.None));
        var batches = recorder.Batches.ToArray();
        Assert.Equal(2, batches.Length);
        // The same changes again (followed by the snapshots the first life wrote, which are changes too).
        Assert.Equal(batches[0].Select(change => change.ChangeId), batches[1].Take(batches[0].Count).Select(change => change.ChangeId));
        Assert.All(batches[1].Skip(batches[0].Count), change => Assert.Equal(DocumentTypes.Snapshot, change.Type));

        // No second effect: the same snapshots, each still the version the first life wrote.
        Assert.Equal(afterFirstLife, await SnapshotVersionsAsync(ledger));
        Assert.NotNull(await ledger.Store.ReadCheckpointAsync("snapshots", CancellationToken.None));
    }

    [Fact]
    public async Task A_throwing_consumer_is_retried_with_backoff_and_neither_postings_nor_other_consumers_wait_for_it()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        var failing = new RecordingConsumer("failing") { Failing = true };
        var healthy = new RecordingConsumer("healthy");
        var failingProcessor = new ChangeFeedProcessor(ledger.Store, failing, TestLedger.FastOptions(), TimeProvider.System);
        var healthyProcessor = new ChangeFeedProcessor(ledger.Store, healthy, TestLedger.FastOptions(), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var running = Task.WhenAll(failingProcessor.RunAsync(stop.Token), healthyProcessor.RunAsync(stop.Token));

        await Eventually.TrueAsync(() => failing.Failures >= 3, "the failing consumer was retried");

        // Postings are acknowledged while the consumer keeps failing.
        var posted = new List<EntryDocument>();
        for (var index = 0; index < 20; index++)
        {
            posted.Add(await ledger.PostAsync("alice", 3));
        }

        await Eventually.TrueAsync(() => healthy.Delivered.Count(change => change.Type == DocumentTypes.Entry) == 20, "the healthy consumer saw every entry");
        var whileFailing = await failingProcessor.GetStatusAsync(CancellationToken.None);
        Assert.True(whileFailing.ConsecutiveFailures >= 3);
        Assert.Contains("failing on purpose", whileFailing.LastError, StringComparison.Ordinal);
        Assert.True(whileFailing.ChangesBehind > 0);
        Assert.Empty(failing.Batches);

        // Once it recovers, it catches up with everything, from the changes it failed on.
        failing.Failing = false;
        await Eventually.TrueAsync(async () => (await failingProcessor.GetStatusAsync(CancellationToken.None)).ChangesBehind == 0, "the recovered consumer caught up");
        var recovered = await failingProcessor.GetStatusAsync(CancellationToken.None);
        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.Equal(
            posted.Select(entry => entry.Sequence),
            failing.Delivered.Where(change => change.Type == DocumentTypes.Entry).Select(change => change.SortKey!.Value));

        await stop.CancelAsync();
        await running;
        Assert.Equal(ConsumerState.Stopped, (await failingProcessor.GetStatusAsync(CancellationToken.None)).State);
    }

    [Fact]
    public async Task A_failed_step_records_the_error_and_waits_a_jittered_backoff_that_grows_to_its_bound()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        var consumer = new RecordingConsumer { Failing = true };
        var options = new ChangeFeedProcessorOptions { RetryInitialDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(8) };
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, options, ledger.Clock, nextUnitRandom: () => 1.0);

        var delays = new List<TimeSpan>();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            Assert.Equal(StepOutcome.Failed, await processor.StepAsync(CancellationToken.None));
            delays.Add(processor.DelayAfter(StepOutcome.Failed));
        }

        Assert.Equal([1, 2, 4, 8, 8, 8], delays.Select(delay => delay.TotalSeconds));
        var status = await processor.GetStatusAsync(CancellationToken.None);
        Assert.Equal(ConsumerState.BackingOff, status.State);
        Assert.Equal(6, status.ConsecutiveFailures);
        Assert.Equal(ledger.Clock.GetUtcNow() + TimeSpan.FromSeconds(8), status.NextAttemptAt);
        Assert.Equal(ledger.Clock.GetUtcNow(), status.LastErrorAt);

        consumer.Failing = false;
        Assert.Equal(StepOutcome.HandledToHead, await processor.StepAsync(CancellationToken.None));
        status = await processor.GetStatusAsync(CancellationToken.None);
        Assert.Equal(0, status.ConsecutiveFailures);
        Assert.Null(status.NextAttemptAt);
    }

    [Fact]
    public async Task Status_reports_how_many_changes_and_how_many_seconds_a_consumer_is_behind()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 1);
        await ledger.PostAsync("alice", 1);
        ledger.Clock.Advance(TimeSpan.FromSeconds(90));
        var processor = new ChangeFeedProcessor(ledger.Store, new RecordingConsumer(), TestLedger.FastOptions(), ledger.Clock);

        var before = await processor.GetStatusAsync(CancellationToken.None);
        var head = await ledger.Store.EstimateLagAsync(null, CancellationToken.None);
        Assert.Equal(ConsumerState.Starting, before.State);
        Assert.Equal(head.ChangesBehind, before.ChangesBehind);
        Assert.False(before.ChangesBehindIsLowerBound);
        Assert.True(before.ChangesBehind >= 3);
        Assert.Equal(TimeSpan.FromSeconds(90), before.TimeBehind);

        Assert.Equal(StepOutcome.HandledToHead, await processor.StepAsync(CancellationToken.None));
        var after = await processor.GetStatusAsync(CancellationToken.None);
        Assert.Equal(0, after.ChangesBehind);
        Assert.Equal(TimeSpan.Zero, after.TimeBehind);
        Assert.Equal(before.ChangesBehind, after.HandledChanges);
    }

    [Fact]
    public void Options_out_of_bounds_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { BatchSize = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { BatchSize = StoreLimits.MaxPageSize + 1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { PollInterval = TimeSpan.FromHours(1) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { RetryInitialDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromSeconds(1) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { RetryMaxDelay = TimeSpan.FromHours(1) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { NarrowAfterFailures = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { MaxAttemptsPerChange = ChangeFeedProcessorOptions.MaxFailureBound + 1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { DrainBudget = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { LagSampleSize = StoreLimits.MaxPageSize + 1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChangeFeedProcessorOptions { StatusCacheDuration = TimeSpan.FromHours(1) }.Validate());
        var store = new Ledger.Storage.InMemory.InMemoryLedgerStore();
        Assert.Throws<InvalidOperationException>(() => new ChangeFeedProcessors(
            [
                new ChangeFeedProcessor(store, new RecordingConsumer("same"), new ChangeFeedProcessorOptions(), TimeProvider.System),
                new ChangeFeedProcessor(store, new RecordingConsumer("same"), new ChangeFeedProcessorOptions(), TimeProvider.System),
            ],
            new DeadLetterStore(store)));
    }

    /// <summary>Snapshot sequence → ETag: the same ETags mean no snapshot was written again.</summary>
    private static async Task<Dictionary<long, string>> SnapshotVersionsAsync(TestLedger ledger)
    {
        var page = await ledger.Store.ReadRangeAsync(new RangeQuery(DocumentTypes.AccountPartition(TestLedger.App1, Ledger.Domain.AccountId.From("alice")), DocumentTypes.Snapshot, null, null, false, 1000), CancellationToken.None);
        return page.ToDictionary(stored => DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Default.SnapshotDocument).Sequence, stored => stored.ETag);
    }

    /// <summary>Hands each batch to a recorder, then to the real consumer.</summary>
    private sealed class TeeConsumer(RecordingConsumer recorder, IChangeConsumer consumer) : IChangeConsumer
    {
        public string Name => consumer.Name;

        public async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
        {
            await recorder.HandleAsync(changes, cancellationToken);
            await consumer.HandleAsync(changes, cancellationToken);
        }
    }
}
