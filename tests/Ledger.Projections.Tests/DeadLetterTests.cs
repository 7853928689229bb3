using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;

namespace Ledger.Projections.Tests;

/// <summary>A change that keeps failing is found inside its batch, retried a bounded number of times, set aside, and listed per app.</summary>
public sealed class DeadLetterTests
{
    private static readonly ChangeFeedProcessorOptions Options = TestLedger.FastOptions(batchSize: 50) with { NarrowAfterFailures = 2, MaxAttemptsPerChange = 3 };

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_document_that_does_not_decode_is_set_aside_and_the_consumer_goes_on_for_every_app(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice", lowBalanceThreshold: null);
        await ledger.OpenAsync("bob", app: TestLedger.App2);
        await ledger.PostAsync("alice", 3);
        var poison = await WriteUndecodableEntryAsync(ledger, TestLedger.App1, "alice");
        await ledger.PostAsync("bob", 7, app: TestLedger.App2);

        // The first entry of a new day gets a snapshot: alice's next entry must be handled after the poison one.
        ledger.Clock.Advance(TimeSpan.FromDays(1));
        await ledger.PostAsync("alice", 2);

        var snapshots = new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = SnapshotOptions.MinEveryEntries }, ledger.Clock);
        var processor = new ChangeFeedProcessor(ledger.Store, snapshots, Options, ledger.Clock);
        var outcomes = await StepUntilCaughtUpAsync(processor);

        // Two failures of the whole batch, then three of the poison change alone; the last sets it aside.
        Assert.Equal(Options.NarrowAfterFailures + Options.MaxAttemptsPerChange - 1, outcomes.Count(outcome => outcome == StepOutcome.Failed));
        var letter = Assert.Single((await new DeadLetterStore(ledger.Store).ListAsync(TestLedger.App1, CancellationToken.None)).Letters);
        Assert.Equal(poison.ChangeId, letter.ChangeId);
        Assert.Equal(SnapshotConsumer.ConsumerName, letter.Consumer);
        Assert.Equal("app1", letter.AppId);
        Assert.Equal(Options.MaxAttemptsPerChange, letter.Attempts);
        Assert.StartsWith(nameof(JsonException), letter.Error, StringComparison.Ordinal);

        // Every other entry of both apps got its snapshot, and the checkpoint is past the poison change.
        Assert.Equal(2, await SnapshotCountAsync(ledger, TestLedger.App1, "alice"));
        Assert.Equal(1, await SnapshotCountAsync(ledger, TestLedger.App2, "bob"));
        var pending = await ledger.Store.ReadChangesAsync(await ledger.Store.ReadCheckpointAsync(SnapshotConsumer.ConsumerName, CancellationToken.None), 1000, CancellationToken.None);
        Assert.DoesNotContain(pending.Changes, change => change.ChangeId == poison.ChangeId);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Each_app_lists_only_its_own_dead_letters_and_the_operator_lists_all(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        await ledger.OpenAsync("bob", app: TestLedger.App2);
        var ofApp1 = await WriteUndecodableEntryAsync(ledger, TestLedger.App1, "alice");
        var ofApp2 = await WriteUndecodableEntryAsync(ledger, TestLedger.App2, "bob");
        var snapshots = new SnapshotConsumer(ledger.Store, new SnapshotOptions(), ledger.Clock);
        var processor = new ChangeFeedProcessor(ledger.Store, snapshots, Options, ledger.Clock);
        await StepUntilCaughtUpAsync(processor);
        var processors = new ChangeFeedProcessors([processor], new DeadLetterStore(ledger.Store));

        var app1 = await processors.GetReportAsync(TestLedger.App1, CancellationToken.None);
        var app2 = await processors.GetReportAsync(TestLedger.App2, CancellationToken.None);
        var operatorView = await processors.GetReportAsync(null, CancellationToken.None);

        Assert.Equal([ofApp1.ChangeId], app1.DeadLetters.Letters.Select(letter => letter.ChangeId));
        Assert.Equal([ofApp2.ChangeId], app2.DeadLetters.Letters.Select(letter => letter.ChangeId));
        Assert.Equal(new[] { ofApp1.ChangeId, ofApp2.ChangeId }.Order(StringComparer.Ordinal), operatorView.DeadLetters.Letters.Select(letter => letter.ChangeId).Order(StringComparer.Ordinal));

        // An app sees whether the consumer runs and how late, not every app's volumes or error texts.
        var own = Assert.Single(app1.Consumers);
        Assert.Null(own.ChangesBehind);
        Assert.Null(own.HandledChanges);
        Assert.Null(own.DeadLettered);
        Assert.Null(own.LastError);
        Assert.Equal(TimeSpan.Zero, own.TimeBehind);
        var all = Assert.Single(operatorView.Consumers);
        Assert.Equal(0, all.ChangesBehind);
        Assert.Equal(2, all.DeadLettered);
        Assert.True(all.HandledChanges > 0);
    }

    /// <summary>A receiver refusing one event (4xx) is that event's problem; one refusing everything (5xx, 401) is an outage.</summary>
    [Theory]
    [InlineData(HttpStatusCode.BadRequest, true)]
    [InlineData(HttpStatusCode.NotFound, true)]
    [InlineData(HttpStatusCode.InternalServerError, false)]
    [InlineData(HttpStatusCode.ServiceUnavailable, false)]
    [InlineData(HttpStatusCode.TooManyRequests, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    public async Task A_webhook_refusing_one_change_sets_it_aside_but_an_outage_never_does(HttpStatusCode refusal, bool setAside)
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        var refused = await ledger.PostAsync("alice", 13);
        await ledger.PostAsync("alice", 1);
        var consumer = new RefusingConsumer(change => change.Type == DocumentTypes.Entry && change.SortKey == refused.Sequence, refusal);
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, Options, ledger.Clock);

        for (var step = 0; step < 20; step++)
        {
            await processor.StepAsync(CancellationToken.None);
        }

        var letters = (await new DeadLetterStore(ledger.Store).ListAsync(TestLedger.App1, CancellationToken.None)).Letters;
        Assert.Equal(setAside ? 1 : 0, letters.Count);
        Assert.Equal(setAside, consumer.Handled.Any(change => change.SortKey == refused.Sequence + 1));
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_change_another_instance_set_aside_is_skipped_and_not_written_twice(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice");
        var poison = await WriteUndecodableEntryAsync(ledger, TestLedger.App1, "alice");
        var consumer = new RefusingConsumer(change => change.ChangeId == poison.ChangeId, HttpStatusCode.BadRequest);
        var first = new ChangeFeedProcessor(ledger.Store, consumer, Options, ledger.Clock);
        await StepUntilCaughtUpAsync(first);
        var attemptsBefore = consumer.Refusals;

        // Another instance, whose checkpoint write was lost, meets the same batch: it does not try the change again.
        await ledger.Store.WriteCheckpointAsync(consumer.Name, FeedStart, CancellationToken.None);
        var second = new ChangeFeedProcessor(ledger.Store, consumer, Options with { NarrowAfterFailures = 1 }, ledger.Clock);
        await StepUntilCaughtUpAsync(second);

        Assert.Equal(attemptsBefore + 1, consumer.Refusals);
        Assert.Single((await new DeadLetterStore(ledger.Store).ListAsync(null, CancellationToken.None)).Letters);
    }

    [Fact]
    public void Outages_are_told_from_failures_that_may_be_the_changes_own()
    {
        Assert.True(ChangeFailures.IsTransient(new StoreUnavailableException("down")));
        Assert.True(ChangeFailures.IsTransient(new HttpRequestException("no answer")));
        Assert.True(ChangeFailures.IsTransient(new TaskCanceledException("HttpClient timed out")));
        Assert.True(ChangeFailures.IsTransient(new RequestFailedException(503, "busy")));
        Assert.True(ChangeFailures.IsTransient(new RequestFailedException(403, "no role")));
        Assert.True(ChangeFailures.IsTransient(new InvalidOperationException("wrapped", new TimeoutException())));
        Assert.False(ChangeFailures.IsTransient(new RequestFailedException(400, "bad event")));
        Assert.False(ChangeFailures.IsTransient(new JsonException("not json")));
        Assert.False(ChangeFailures.IsTransient(new InvalidOperationException("invariant")));
    }

    [Fact]
    public void A_change_is_owned_by_the_app_its_partition_names()
    {
        Assert.Equal(TestLedger.App1, ChangeOwnership.AppOf(Change("app1/alice", DocumentTypes.Entry)));
        Assert.Equal(TestLedger.App2, ChangeOwnership.AppOf(Change("idem/app2/0af3", DocumentTypes.IdempotencyClaim)));
        Assert.Equal(TestLedger.App2, ChangeOwnership.AppOf(Change("exports/app2", ExportDocuments.Type)));
        Assert.Null(ChangeOwnership.AppOf(Change("no-app-here", DocumentTypes.Entry)));
        Assert.Null(ChangeOwnership.AppOf(Change("bad app!/alice", DocumentTypes.Entry)));
    }

    private const string FeedStart = "0";

    private static StoredDocument Change(string partition, string type)
        => new(partition, "id", type, null, null, Array.Empty<byte>(), "etag", DateTimeOffset.UnixEpoch);

    /// <summary>Writes an "entry" whose body is not JSON into the account's partition, as a corrupt or foreign document would be.</summary>
    private static async Task<StoredDocument> WriteUndecodableEntryAsync(TestLedger ledger, AppId app, string account)
    {
        var partition = DocumentTypes.AccountPartition(app, AccountId.From(account));
        var id = "tx:corrupt-" + Guid.NewGuid().ToString("N");
        var result = await ledger.Store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Create(id, DocumentTypes.Entry, Encoding.UTF8.GetBytes("{not json"), sortKey: 1_000_000)), CancellationToken.None);
        Assert.True(result.IsCommitted);
        return (await ledger.Store.ReadAsync(partition, id, CancellationToken.None))!;
    }

    private static async Task<List<StepOutcome>> StepUntilCaughtUpAsync(ChangeFeedProcessor processor)
    {
        var outcomes = new List<StepOutcome>();
        for (var step = 0; step < 100; step++)
        {
            var outcome = await processor.StepAsync(CancellationToken.None);
            outcomes.Add(outcome);
            if (outcome is StepOutcome.CaughtUp)
            {
                return outcomes;
            }
        }

        Assert.Fail("The consumer never caught up: " + string.Join(", ", outcomes));
        return outcomes;
    }

    private static async Task<int> SnapshotCountAsync(TestLedger ledger, AppId app, string account)
        => (await ledger.Store.ReadRangeAsync(new RangeQuery(DocumentTypes.AccountPartition(app, AccountId.From(account)), DocumentTypes.Snapshot, null, null, false, 100), CancellationToken.None)).Count;

    /// <summary>Answers as a webhook would: the given status for the changes <paramref name="refuses"/> picks, success for the rest.</summary>
    private sealed class RefusingConsumer(Func<StoredDocument, bool> refuses, HttpStatusCode status) : IChangeConsumer
    {
        public string Name => "notifications";

        public List<StoredDocument> Handled { get; } = [];

        public int Refusals { get; private set; }

        public Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
        {
            if (changes.Any(refuses))
            {
                Refusals++;
                throw new HttpRequestException($"The webhook answered {(int)status}.", null, status);
            }

            Handled.AddRange(changes);
            return Task.CompletedTask;
        }
    }
}
