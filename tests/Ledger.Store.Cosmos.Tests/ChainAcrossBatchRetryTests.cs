using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Domain;
using Ledger.Engine;
using Microsoft.Azure.Cosmos;
using Moq;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>
/// An ambiguous Cosmos DB batch: it commits, but its answer is lost (503) and the store executes it again.
/// The retry meets its own earlier write, and the account's hash chain must come out neither forked nor
/// doubled: one entry per posting, each linked to the one before.
/// </summary>
public sealed class ChainAcrossBatchRetryTests
{
    private const string Alice = "app1/alice";

    [Fact]
    public async Task A_posting_whose_committed_batch_is_retried_leaves_one_unforked_chain()
    {
        var container = new StatefulContainer();
        var store = CosmosMocks.Store(container.Mock.Object);
        var engine = new LedgerEngine(store, new AppCatalogs([OperationCatalog.For(AppId.From("app1")).Build()]), new CosmosTestClock());
        Assert.True((await engine.OpenAccountAsync(AppId.From("app1"), IdempotencyKey.From("open"), new OpenAccountCommand(OwnerId.From("o1"), AccountId.From("alice"), 0, null), CancellationToken.None)).IsSuccess);

        var first = await MintAsync(engine, "m1", 10);
        container.LoseAnswerOfNextEntryCommitIn(Alice);
        var ambiguous = await MintAsync(engine, "m2", 20);
        var third = await MintAsync(engine, "m3", 30);

        Assert.Equal(1, container.AnswersLost);
        Assert.Equal([1L, 2L, 3L], new[] { first.Sequence, ambiguous.Sequence, third.Sequence });
        var entries = container.Entries(Alice);
        Assert.Equal([first.TransactionId, ambiguous.TransactionId, third.TransactionId], entries.Select(entry => entry.TransactionId.Value));

        var account = container.Account(Alice);
        var verifier = new ChainVerifier(ChainCheckpoint.Start, account.ChainStartSequence);
        Assert.All(entries, entry => Assert.Null(verifier.Accept(entry)));
        Assert.Null(verifier.Finish(account));
        Assert.Equal((3L, 60L, third.Hash), (account.LastSequence, account.Balance, account.LastEntryHash));
    }

    private static async Task<EntryDocument> MintAsync(LedgerEngine engine, string key, long amount)
    {
        var posted = await engine.PostTransactionAsync(AppId.From("app1"), IdempotencyKey.From(key), new TransactionPosting(TransactionKind.Mint, AccountId.From("alice"), amount, null, TransactionDetails.From("credit_purchase")), CancellationToken.None);
        Assert.True(posted.IsSuccess, posted.Error?.Message);
        return posted.Value;
    }

    private sealed class CosmosTestClock : TimeProvider
    {
        private long ticks = CosmosMocks.Now.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref ticks, TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>
    /// A mocked ledger container that keeps what its batches write, with Cosmos DB's batch rules (a create
    /// of an existing id is 409, a stale If-Match is 412, all or nothing) and point reads of what it holds.
    /// </summary>
    private sealed class StatefulContainer
    {
        private readonly Dictionary<(string Partition, string Id), JsonObject> items = [];
        private string? loseAnswerIn;
        private int etags;

        public StatefulContainer()
        {
            Mock.SetupGet(c => c.Id).Returns("ledger");
            Mock.Setup(c => c.CreateTransactionalBatch(It.IsAny<PartitionKey>())).Returns((PartitionKey key) => Batch(PartitionOf(key)));
            Mock.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync((string id, PartitionKey key, ItemRequestOptions _, CancellationToken _) =>
                {
                    lock (items)
                    {
                        return items.TryGetValue((PartitionOf(key), id), out var item)
                            ? CosmosMocks.Response(HttpStatusCode.OK, item.ToJsonString())
                            : CosmosMocks.Response(HttpStatusCode.NotFound);
                    }
                });
        }

        public Mock<Container> Mock { get; } = new();

        public int AnswersLost { get; private set; }

        /// <summary>The next batch in <paramref name="partition"/> that creates an entry commits, but answers 503.</summary>
        public void LoseAnswerOfNextEntryCommitIn(string partition) => loseAnswerIn = partition;

        public IReadOnlyList<LedgerEntry> Entries(string partition)
        {
            lock (items)
            {
                return items.Where(item => item.Key.Partition == partition && (string?)item.Value["type"] == DocumentTypes.Entry)
                    .Select(item => JsonSerializer.Deserialize(item.Value["body"]!.ToJsonString(), LedgerDocumentJsonContext.Documents.EntryDocument)!.ToEntry().Value)
                    .OrderBy(entry => entry.Sequence)
                    .ToArray();
            }
        }

        public AccountState Account(string partition)
        {
            lock (items)
            {
                return JsonSerializer.Deserialize(items[(partition, DocumentTypes.AccountDocumentId)]["body"]!.ToJsonString(), LedgerDocumentJsonContext.Documents.AccountDocument)!.ToState();
            }
        }

        private static string PartitionOf(PartitionKey key) => JsonNode.Parse(key.ToString())!.AsArray()[0]!.GetValue<string>();

        private TransactionalBatch Batch(string partition)
        {
            var operations = new List<RecordedOperation>();
            var batch = CosmosMocks.RecordingBatch(operations, () => Execute(partition, operations));
            return batch.Object;
        }

        private TransactionalBatchResponse Execute(string partition, List<RecordedOperation> operations)
        {
            lock (items)
            {
                var applied = new Dictionary<(string, string), JsonObject?>();
                for (var index = 0; index < operations.Count; index++)
                {
                    if (Check(partition, operations[index]) is { } failure)
                    {
                        return CosmosMocks.FailedAt(operations.Count, index, failure);
                    }
                }

                var results = new List<TransactionalBatchOperationResult>();
                foreach (var operation in operations)
                {
                    var id = operation.Id ?? operation.Envelope!.Value.GetProperty("id").GetString()!;
                    if (operation.Kind == "delete")
                    {
                        items.Remove((partition, id));
                        results.Add(CosmosMocks.OperationResult(HttpStatusCode.NoContent));
                        continue;
                    }

                    var item = JsonNode.Parse(operation.Envelope!.Value.GetRawText())!.AsObject();
                    var etag = $"\"e{++etags}\"";
                    item["_etag"] = etag;
                    items[(partition, id)] = item;
                    results.Add(CosmosMocks.OperationResult(HttpStatusCode.OK, etag));
                }

                if (loseAnswerIn == partition && operations.Any(operation => operation.Kind == "create" && operation.Envelope!.Value.GetProperty("type").GetString() == DocumentTypes.Entry))
                {
                    // Committed, but the answer never arrives: the store sees a transient failure and retries.
                    loseAnswerIn = null;
                    AnswersLost++;
                    return CosmosMocks.FailedWhole(operations.Count, HttpStatusCode.ServiceUnavailable);
                }

                return CosmosMocks.BatchResponse(HttpStatusCode.OK, results);
            }
        }

        private HttpStatusCode? Check(string partition, RecordedOperation operation)
        {
            var id = operation.Id ?? operation.Envelope!.Value.GetProperty("id").GetString()!;
            var exists = items.TryGetValue((partition, id), out var current);
            var ifMatch = operation.Options?.IfMatchEtag;
            return operation.Kind switch
            {
                "create" when exists => HttpStatusCode.Conflict,
                "replace" or "delete" when !exists => HttpStatusCode.NotFound,
                "replace" or "upsert" or "delete" when ifMatch is not null && (!exists || (string?)current!["_etag"] != ifMatch) => HttpStatusCode.PreconditionFailed,
                _ => null,
            };
        }
    }
}
