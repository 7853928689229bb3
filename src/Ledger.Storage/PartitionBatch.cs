namespace Ledger.Storage;

/// <summary>
/// Writes that commit atomically inside one partition, in order: all of them or none. This is the
/// Cosmos DB transactional batch, with its limit of 100 operations.
/// </summary>
public sealed record PartitionBatch
{
    /// <summary>Cosmos DB's limit on operations in one transactional batch.</summary>
    public const int MaxWrites = 100;

    /// <summary>Cosmos DB's limit on the payload of one transactional batch, less headroom for envelopes.</summary>
    public const int MaxTotalBodyBytes = 1_800_000;

    public string Partition { get; }
    public IReadOnlyList<DocumentWrite> Writes { get; }

    public PartitionBatch(string partition, IReadOnlyList<DocumentWrite> writes)
    {
        StoreLimits.RequireValidPartition(partition);
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count is 0 or > MaxWrites)
        {
            throw new ArgumentException($"A batch holds 1 to {MaxWrites} writes, not {writes.Count}.", nameof(writes));
        }

        long totalBytes = 0;
        foreach (var write in writes)
        {
            totalBytes += write.Body.Length;
        }

        RequireDistinctIds(writes);

        if (totalBytes > MaxTotalBodyBytes)
        {
            throw new ArgumentException($"Batch bodies total {totalBytes} bytes, over {MaxTotalBodyBytes}.", nameof(writes));
        }

        Partition = partition;
        Writes = writes;
    }

    public PartitionBatch(string partition, params DocumentWrite[] writes)
        : this(partition, (IReadOnlyList<DocumentWrite>)writes)
    {
    }

    private static void RequireDistinctIds(IReadOnlyList<DocumentWrite> writes)
    {
        if (RepeatedKey.Find(writes, static write => write.Id) is { } repeated)
        {
            throw new ArgumentException($"Document '{repeated}' is written twice in one batch.", nameof(writes));
        }
    }
}
