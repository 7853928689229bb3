using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Moq;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>
/// A mocked ledger container (the SDK's own abstract <see cref="Container"/>, through Moq) that keeps its
/// items, applies transactional batches all-or-none with their preconditions, and answers every call with
/// the <c>x-ms-request-charge</c> a charge model gives it. The model is the one docs/cosmos.md states for a
/// ~1 KB item: a quorum point read 2 RU per KB, a create 5.5 RU per KB, a replace 10 RU per KB. So a test
/// measures, through the store's own request-charge metric, what each ledger operation costs under the
/// model: which calls it makes and how many. Only the emulator or an account gives the real charges.
/// </summary>
internal sealed class ChargedContainer
{
    public const double ReadPerKibibyte = 2;
    public const double CreatePerKibibyte = 5.5;
    public const double ReplacePerKibibyte = 10;

    private readonly Dictionary<string, JsonObject> _items = new(StringComparer.Ordinal);
    private int _etags;

    public ChargedContainer()
    {
        Mock.SetupGet(container => container.Id).Returns("ledger");
        Mock.Setup(container => container.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, PartitionKey key, ItemRequestOptions _, CancellationToken _) => Read(id, key));
        Mock.Setup(container => container.CreateTransactionalBatch(It.IsAny<PartitionKey>()))
            .Returns((PartitionKey key) =>
            {
                var operations = new List<RecordedOperation>();
                return CosmosMocks.RecordingBatch(operations, () => Execute(key, operations)).Object;
            });
    }

    public Mock<Container> Mock { get; } = new();

    /// <summary>Every point read, as partition|id, in order.</summary>
    public List<string> ReadKeys { get; } = [];

    private static double Kibibytes(JsonObject item) => Math.Max(1, Math.Ceiling(item.ToJsonString().Length / 1024.0));

    private static string Key(PartitionKey partition, string id) => partition.ToString() + "|" + id;

    private ResponseMessage Read(string id, PartitionKey partition)
    {
        lock (_items)
        {
            ReadKeys.Add(Key(partition, id));
            return _items.TryGetValue(Key(partition, id), out var item)
                ? CosmosMocks.Response(HttpStatusCode.OK, item.ToJsonString(), ReadPerKibibyte * Kibibytes(item))
                : CosmosMocks.Response(HttpStatusCode.NotFound, requestCharge: 1);
        }
    }

    private TransactionalBatchResponse Execute(PartitionKey partition, List<RecordedOperation> operations)
    {
        lock (_items)
        {
            var staged = new Dictionary<string, JsonObject?>(StringComparer.Ordinal);
            var results = new List<TransactionalBatchOperationResult>();
            double charge = 0;
            for (var index = 0; index < operations.Count; index++)
            {
                var (status, item, etag) = Apply(partition, operations[index], staged);
                if (status is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent))
                {
                    return CosmosMocks.BatchResponse(status, [.. Enumerable.Range(0, operations.Count).Select(other => other == index ? CosmosMocks.OperationResult(status) : CosmosMocks.OperationResult(CosmosStatus.FailedDependency))], requestCharge: 1);
                }

                charge += item is null ? CreatePerKibibyte : (operations[index].Kind == "create" ? CreatePerKibibyte : ReplacePerKibibyte) * Kibibytes(item);
                results.Add(CosmosMocks.OperationResult(status, etag));
            }

            foreach (var (key, item) in staged)
            {
                if (item is null)
                {
                    _items.Remove(key);
                }
                else
                {
                    _items[key] = item;
                }
            }

            return CosmosMocks.BatchResponse(HttpStatusCode.OK, results, requestCharge: charge);
        }
    }

    private (HttpStatusCode Status, JsonObject? Item, string? ETag) Apply(PartitionKey partition, RecordedOperation operation, Dictionary<string, JsonObject?> staged)
    {
        var id = operation.Id ?? operation.Envelope!.Value.GetProperty("id").GetString()!;
        var key = Key(partition, id);
        var current = staged.TryGetValue(key, out var pending) ? pending : _items.GetValueOrDefault(key);
        var ifMatch = operation.Options?.IfMatchEtag;
        var failed = operation.Kind switch
        {
            "create" when current is not null => HttpStatusCode.Conflict,
            "replace" or "delete" when current is null => HttpStatusCode.NotFound,
            _ when ifMatch is not null && (string?)current?["_etag"] != ifMatch => HttpStatusCode.PreconditionFailed,
            _ => HttpStatusCode.OK,
        };
        if (failed != HttpStatusCode.OK)
        {
            return (failed, null, null);
        }

        if (operation.Kind == "delete")
        {
            staged[key] = null;
            return (HttpStatusCode.NoContent, null, null);
        }

        var etag = "\"" + (++_etags).ToString(CultureInfo.InvariantCulture) + "\"";
        var item = JsonNode.Parse(operation.Envelope!.Value.GetRawText())!.AsObject();
        item["_etag"] = etag;
        staged[key] = item;
        return (operation.Kind == "create" ? HttpStatusCode.Created : HttpStatusCode.OK, item, etag);
    }
}
