using System.Net;
using System.Text;
using System.Text.Json;
using Ledger.Projections;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Moq;
using Xunit;
using ChangeFeedProcessor = Ledger.Projections.ChangeFeedProcessor;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>
/// A consumer's drain over this store with mocked containers: the feed read from the continuation kept in
/// the leases container, a failed batch read again from the same position, a poison change set aside through
/// a transactional batch in its app's dead-letter partition, and the checkpoint written only after that.
/// </summary>
public sealed class ChangeFeedConsumerTests
{
    private static readonly Type Beginning = ChangeFeedStartFrom.Beginning().GetType();

    private static readonly ChangeFeedProcessorOptions Options = new()
    {
        RetryInitialDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
        NarrowAfterFailures = 1,
        MaxAttemptsPerChange = 2,
        DrainBudget = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_drain_retries_a_failed_batch_from_the_stored_position_sets_the_poison_change_aside_and_then_checkpoints()
    {
        var ledger = new FeedContainer(Item("app1/alice", "tx:1", "\"e1\""), Item("app1/alice", "tx:2", "\"e2\""));
        var leases = new LeasesContainer();
        await using var store = CosmosMocks.Store(ledger.Container.Object, leases.Container.Object);
        var consumer = new PoisonedConsumer(poisonId: "tx:2");
        var processor = new ChangeFeedProcessor(store, consumer, Options, TimeProvider.System);

        var first = await processor.DrainAsync(CancellationToken.None);

        Assert.Equal(new DrainResult(DrainOutcome.CaughtUp, 1), first);

        // The whole batch, then tx:2 alone twice: every read before the checkpoint starts where the first did.
        Assert.Equal(3, ledger.Starts.Count);
        Assert.All(ledger.Starts, start => Assert.Equal(Beginning, start.GetType()));
        Assert.Equal(["tx:1"], consumer.Handled);

        var deadLetter = Assert.Single(ledger.Batches);
        Assert.Equal(new PartitionKey("$dead-letters/app1"), deadLetter.Partition);
        Assert.Equal("create", Assert.Single(deadLetter.Operations).Kind);
        Assert.Equal(["[\"after-2\"]"], leases.Written);

        // The next drain (any instance) resumes from the continuation in the leases container.
        Assert.Equal(new DrainResult(DrainOutcome.CaughtUp, 0), await processor.DrainAsync(CancellationToken.None));
        Assert.NotEqual(Beginning, ledger.Starts[^1].GetType());
        Assert.Equal(["tx:1"], consumer.Handled);
    }

    [Fact]
    public async Task An_outage_of_the_feed_read_leaves_the_checkpoint_where_it_was()
    {
        var ledger = new FeedContainer(Item("app1/alice", "tx:1", "\"e1\"")) { Unavailable = true };
        var leases = new LeasesContainer();
        await using var store = CosmosMocks.Store(ledger.Container.Object, leases.Container.Object, maxAttempts: 1);
        var consumer = new PoisonedConsumer(poisonId: "none");
        var processor = new ChangeFeedProcessor(store, consumer, Options with { DrainBudget = TimeSpan.FromMilliseconds(200) }, TimeProvider.System);

        Assert.Equal(DrainOutcome.Failed, (await processor.DrainAsync(CancellationToken.None)).Outcome);
        Assert.Empty(leases.Written);
        Assert.Empty(ledger.Batches);

        ledger.Unavailable = false;
        Assert.Equal(DrainOutcome.CaughtUp, (await processor.DrainAsync(CancellationToken.None)).Outcome);
        Assert.Equal(["tx:1"], consumer.Handled);
        Assert.Equal(["[\"after-2\"]"], leases.Written);
    }

    private static string Item(string partition, string id, string etag)
        => CosmosMocks.StoredItem(partition, DocumentWrite.Create(id, "entry", Encoding.UTF8.GetBytes("{}")), etag);

    /// <summary>
    /// The ledger container: a feed that holds <c>items</c> from the beginning and nothing after
    /// <c>after-2</c>; point reads that find nothing; transactional batches that commit and are recorded.
    /// </summary>
    private sealed class FeedContainer
    {
        public FeedContainer(params string[] items)
        {
            Container.Setup(c => c.GetChangeFeedStreamIterator(It.IsAny<ChangeFeedStartFrom>(), It.IsAny<ChangeFeedMode>(), It.IsAny<ChangeFeedRequestOptions>()))
                .Returns((ChangeFeedStartFrom start, ChangeFeedMode _, ChangeFeedRequestOptions _) =>
                {
                    Starts.Add(start);
                    return CosmosMocks.Iterator(
                        Unavailable ? CosmosMocks.Response(HttpStatusCode.ServiceUnavailable)
                        : start.GetType() == Beginning ? CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(items), continuation: "[\"after-2\"]")
                        : CosmosMocks.Response(HttpStatusCode.NotModified, continuation: "[\"after-2\"]"));
                });
            Container.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.NotFound));
            Container.Setup(c => c.CreateTransactionalBatch(It.IsAny<PartitionKey>()))
                .Returns((PartitionKey key) =>
                {
                    var operations = new List<RecordedOperation>();
                    Batches.Add((key, operations));
                    return CosmosMocks.RecordingBatch(operations, () => CosmosMocks.Committed(operations.Count)).Object;
                });
        }

        public Mock<Container> Container { get; } = new();

        public List<ChangeFeedStartFrom> Starts { get; } = [];

        public List<(PartitionKey Partition, List<RecordedOperation> Operations)> Batches { get; } = [];

        public bool Unavailable { get; set; }
    }

    /// <summary>The leases container: a checkpoint reads back as the last one upserted.</summary>
    private sealed class LeasesContainer
    {
        public LeasesContainer()
        {
            Container.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync((string id, PartitionKey _, ItemRequestOptions _, CancellationToken _) => Written.Count == 0
                    ? CosmosMocks.Response(HttpStatusCode.NotFound)
                    : CosmosMocks.Response(HttpStatusCode.OK, JsonSerializer.Serialize(new { id, type = "ledger-checkpoint", continuation = Written[^1], updatedAt = CosmosMocks.Now })));
            Container.Setup(c => c.UpsertItemStreamAsync(It.IsAny<Stream>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync((Stream payload, PartitionKey _, ItemRequestOptions _, CancellationToken _) =>
                {
                    using var document = JsonDocument.Parse(payload);
                    Written.Add(document.RootElement.GetProperty("continuation").GetString()!);
                    return CosmosMocks.Response(HttpStatusCode.OK);
                });
        }

        public Mock<Container> Container { get; } = new();

        public List<string> Written { get; } = [];
    }

    /// <summary>Fails (as a document that does not decode would) whenever it is handed the poison change.</summary>
    private sealed class PoisonedConsumer(string poisonId) : IChangeConsumer
    {
        public string Name => "snapshots";

        public List<string> Handled { get; } = [];

        public Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
        {
            if (changes.Any(change => change.Id == poisonId))
            {
                throw new JsonException("The document does not decode.");
            }

            Handled.AddRange(changes.Select(change => change.Id));
            return Task.CompletedTask;
        }
    }
}
