using System.Net;
using System.Text;
using System.Text.Json;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>One operation a mocked transactional batch received, with its envelope parsed.</summary>
internal sealed record RecordedOperation(string Kind, string? Id, JsonElement? Envelope, TransactionalBatchItemRequestOptions? Options);

/// <summary>A clock that stands still, so commit times can be asserted exactly.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Builders of mocked Cosmos DB SDK objects. The SDK types have protected constructors and
/// virtual members for exactly this use.</summary>
internal static class CosmosMocks
{
    public static readonly DateTimeOffset Now = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    public static TransactionalBatchOperationResult OperationResult(HttpStatusCode status, string? etag = null, TimeSpan retryAfter = default)
    {
        var result = new Mock<TransactionalBatchOperationResult> { CallBase = true };
        result.SetupGet(r => r.StatusCode).Returns(status);
        result.SetupGet(r => r.ETag).Returns(etag!);
        result.SetupGet(r => r.RetryAfter).Returns(retryAfter);
        return result.Object;
    }

    public static TransactionalBatchResponse BatchResponse(
        HttpStatusCode status,
        IReadOnlyList<TransactionalBatchOperationResult> operations,
        double requestCharge = 10.5,
        TimeSpan? retryAfter = null,
        string errorMessage = "")
    {
        var response = new Mock<TransactionalBatchResponse> { CallBase = true };
        response.SetupGet(r => r.StatusCode).Returns(status);
        response.SetupGet(r => r.Count).Returns(operations.Count);
        response.Setup(r => r[It.IsAny<int>()]).Returns((int index) => operations[index]);
        response.Setup(r => r.GetEnumerator()).Returns(() => operations.GetEnumerator());
        response.SetupGet(r => r.RequestCharge).Returns(requestCharge);
        response.SetupGet(r => r.RetryAfter).Returns(retryAfter);
        response.SetupGet(r => r.ErrorMessage).Returns(errorMessage);
        return response.Object;
    }

    /// <summary>A successful response with one ETag per operation ("etag-0", "etag-1", ...).</summary>
    public static TransactionalBatchResponse Committed(int operations, double requestCharge = 10.5)
        => BatchResponse(HttpStatusCode.OK, Enumerable.Range(0, operations).Select(index => OperationResult(HttpStatusCode.OK, $"\"etag-{index}\"")).ToArray(), requestCharge);

    /// <summary>A failed response where operation <paramref name="failedIndex"/> has the real status and the others 424.</summary>
    public static TransactionalBatchResponse FailedAt(int operations, int failedIndex, HttpStatusCode status, TimeSpan retryAfter = default)
        => BatchResponse(
            status,
            Enumerable.Range(0, operations).Select(index => index == failedIndex ? OperationResult(status, retryAfter: retryAfter) : OperationResult(CosmosStatus.FailedDependency)).ToArray());

    /// <summary>A response to a request that failed as a whole: the SDK gives every operation the batch's status.</summary>
    public static TransactionalBatchResponse FailedWhole(int operations, HttpStatusCode status, TimeSpan? retryAfter = null)
        => BatchResponse(status, Enumerable.Range(0, operations).Select(_ => OperationResult(status, retryAfter: retryAfter ?? TimeSpan.Zero)).ToArray(), retryAfter: retryAfter);

    /// <summary>
    /// A mocked transactional batch that records every operation added to it and answers
    /// <see cref="TransactionalBatch.ExecuteAsync(CancellationToken)"/> with the next of <paramref name="responses"/>.
    /// </summary>
    public static Mock<TransactionalBatch> RecordingBatch(List<RecordedOperation> operations, Func<TransactionalBatchResponse> respond)
    {
        var batch = new Mock<TransactionalBatch>(MockBehavior.Strict);
        batch.Setup(b => b.CreateItemStream(It.IsAny<Stream>(), It.IsAny<TransactionalBatchItemRequestOptions>()))
            .Callback((Stream stream, TransactionalBatchItemRequestOptions options) => operations.Add(new("create", null, Parse(stream), options)))
            .Returns(() => batch.Object);
        batch.Setup(b => b.ReplaceItemStream(It.IsAny<string>(), It.IsAny<Stream>(), It.IsAny<TransactionalBatchItemRequestOptions>()))
            .Callback((string id, Stream stream, TransactionalBatchItemRequestOptions options) => operations.Add(new("replace", id, Parse(stream), options)))
            .Returns(() => batch.Object);
        batch.Setup(b => b.UpsertItemStream(It.IsAny<Stream>(), It.IsAny<TransactionalBatchItemRequestOptions>()))
            .Callback((Stream stream, TransactionalBatchItemRequestOptions options) => operations.Add(new("upsert", null, Parse(stream), options)))
            .Returns(() => batch.Object);
        batch.Setup(b => b.DeleteItem(It.IsAny<string>(), It.IsAny<TransactionalBatchItemRequestOptions>()))
            .Callback((string id, TransactionalBatchItemRequestOptions options) => operations.Add(new("delete", id, null, options)))
            .Returns(() => batch.Object);
        batch.Setup(b => b.ExecuteAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => respond());
        return batch;
    }

    /// <summary>A ledger container whose batches record into <paramref name="operations"/> and whose
    /// partition keys are collected into <paramref name="partitionKeys"/>.</summary>
    public static Mock<Container> LedgerContainer(List<RecordedOperation> operations, List<PartitionKey> partitionKeys, Func<TransactionalBatchResponse> respond)
    {
        var container = new Mock<Container>();
        container.SetupGet(c => c.Id).Returns("ledger");
        container.Setup(c => c.CreateTransactionalBatch(It.IsAny<PartitionKey>()))
            .Returns((PartitionKey key) =>
            {
                partitionKeys.Add(key);
                return RecordingBatch(operations, respond).Object;
            });
        return container;
    }

    /// <summary>A store on mocked containers, whose retry waits are recorded instead of slept.</summary>
    public static CosmosLedgerStore Store(
        Container ledger,
        Container? leases = null,
        List<TimeSpan>? delays = null,
        int maxAttempts = 5,
        TimeSpan? maxTotalWait = null,
        int maxLagReadAheadItems = 10_000)
    {
        var logger = NullLogger.Instance;
        var charges = new RequestChargeRecorder(logger);
        var recorded = delays ?? [];
        var retries = new CosmosRetryPolicy(
            maxAttempts,
            maxTotalWait ?? TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100),
            charges,
            logger,
            (delay, _) =>
            {
                recorded.Add(delay);
                return Task.CompletedTask;
            },
            () => 1.0);
        return new CosmosLedgerStore(null, ledger, leases ?? new Mock<Container>().Object, retries, charges, new FixedTime(Now), maxLagReadAheadItems);
    }

    /// <summary>A stream response as the SDK's stream APIs return it.</summary>
    public static ResponseMessage Response(HttpStatusCode status, string? json = null, double requestCharge = 1, string? continuation = null, IDictionary<string, string>? headers = null)
    {
        var response = new ResponseMessage(status, requestMessage: null, errorMessage: status is HttpStatusCode.OK or HttpStatusCode.NotModified ? null : $"status {(int)status}");
        if (json is not null)
        {
            response.Content = new MemoryStream(Encoding.UTF8.GetBytes(json));
        }

        response.Headers["x-ms-request-charge"] = requestCharge.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (continuation is not null)
        {
            response.Headers["x-ms-continuation"] = continuation;
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }

        return response;
    }

    /// <summary>The JSON a feed page of these documents has: <c>{"Documents":[...]}</c>.</summary>
    public static string Feed(params string[] documents) => "{\"_rid\":\"x\",\"Documents\":[" + string.Join(",", documents) + "],\"_count\":" + documents.Length + "}";

    /// <summary>An item as Cosmos DB returns it: the envelope this store writes plus system properties.</summary>
    public static string StoredItem(string partition, DocumentWrite write, string etag, DateTimeOffset? committedAt = null)
    {
        using var envelope = DocumentEnvelope.Write(partition, write, committedAt ?? Now);
        var node = System.Text.Json.Nodes.JsonNode.Parse(envelope)!.AsObject();
        node["_rid"] = "rid";
        node["_self"] = "self";
        node["_etag"] = etag;
        node["_attachments"] = "attachments/";
        node["_ts"] = (committedAt ?? Now).ToUnixTimeSeconds();
        return node.ToJsonString();
    }

    /// <summary>A feed iterator that returns <paramref name="pages"/> in turn, then reports no more results.</summary>
    public static FeedIterator Iterator(params ResponseMessage[] pages)
    {
        var queue = new Queue<ResponseMessage>(pages);
        var iterator = new Mock<FeedIterator>();
        iterator.SetupGet(i => i.HasMoreResults).Returns(() => queue.Count > 0);
        iterator.Setup(i => i.ReadNextAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => queue.Dequeue());
        return iterator.Object;
    }

    private static JsonElement Parse(Stream stream)
    {
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.Clone();
    }
}
