using System.Globalization;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;

namespace Ledger.Store.Cosmos;

/// <summary>
/// Turns a <see cref="PartitionBatch"/> into one Cosmos DB transactional batch on the partition's key:
/// one operation per write, in the batch's order, each carrying its precondition.
/// </summary>
internal static class BatchComposer
{
    /// <summary>Cosmos DB's limit on the request payload of one transactional batch.</summary>
    public const long MaxBatchPayloadBytes = 2 * 1024 * 1024;

    /// <summary>Room left for the batch's own framing around the operations.</summary>
    private const long BatchFramingBytes = 64 * 1024;

    public static TransactionalBatch Compose(Container container, PartitionBatch batch, DateTimeOffset committedAt)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(batch);
        RequireWithinPayloadLimit(batch);

        var transaction = container.CreateTransactionalBatch(new PartitionKey(batch.Partition));
        foreach (var write in batch.Writes)
        {
            switch (write.Kind)
            {
                case WriteKind.Create:
                    transaction.CreateItemStream(DocumentEnvelope.Write(batch.Partition, write, committedAt), Options(ifMatchETag: null));
                    break;

                case WriteKind.Replace:
                    transaction.ReplaceItemStream(write.Id, DocumentEnvelope.Write(batch.Partition, write, committedAt), Options(write.IfMatchETag));
                    break;

                case WriteKind.Upsert:
                    transaction.UpsertItemStream(DocumentEnvelope.Write(batch.Partition, write, committedAt), Options(write.IfMatchETag));
                    break;

                case WriteKind.Delete:
                    transaction.DeleteItem(write.Id, Options(write.IfMatchETag));
                    break;

                default:
                    throw new InvalidOperationException($"Unknown write kind {write.Kind}.");
            }
        }

        return transaction;
    }

    /// <summary>
    /// The port bounds the bodies of a batch; the envelope (base64 grows a non-JSON body by a third) can
    /// still push a batch past Cosmos DB's 2 MB, which the service would refuse with a 413. Refusing here
    /// says which batch and why, before any request unit is spent.
    /// </summary>
    private static void RequireWithinPayloadLimit(PartitionBatch batch)
    {
        long estimate = 0;
        foreach (var write in batch.Writes)
        {
            estimate += DocumentEnvelope.EstimateSize(batch.Partition, write);
        }

        if (estimate > MaxBatchPayloadBytes - BatchFramingBytes)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The batch on partition '{batch.Partition}' would carry about {estimate} bytes, over Cosmos DB's transactional batch limit of {MaxBatchPayloadBytes} bytes; split it or embed bodies as JSON."));
        }
    }

    /// <summary>No content back on writes: the ETag comes in the operation result, and bodies would only cost bandwidth.</summary>
    private static TransactionalBatchItemRequestOptions Options(string? ifMatchETag) => new()
    {
        IfMatchEtag = ifMatchETag,
        EnableContentResponseOnWrite = false,
    };
}
