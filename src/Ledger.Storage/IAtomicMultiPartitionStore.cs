namespace Ledger.Storage;

/// <summary>
/// An optional capability of a store: committing the batches of several partitions in one transaction,
/// all of them or none. A store whose engine can do it (SQLite, the in-memory store) implements it; Cosmos
/// DB cannot (its transactional batch is bound to one partition key) and does not. Callers discover it
/// with <see cref="StoreCapabilities.AtomicMultiPartition"/> and keep a path that works without it.
/// </summary>
public interface IAtomicMultiPartitionStore
{
    /// <summary>
    /// Whether this instance offers the capability. A store may implement the interface and still be
    /// configured without it (the in-memory store can be, so the path without it stays tested).
    /// </summary>
    bool CommitsAcrossPartitions { get; }

    /// <summary>
    /// Commits every batch, in order, in one store transaction, or none of them. Each batch keeps the
    /// meaning of <see cref="ILedgerStore.CommitAsync"/> (the same preconditions, the same ETags); every
    /// write of every batch shares one commit time, and the change feed shows the writes in batch order,
    /// then write order. Each partition appears at most once (see <see cref="MultiPartitionCommit.Validate"/>).
    /// A failed precondition is a result, not an exception: it names the batch and the write that failed.
    /// </summary>
    ValueTask<MultiPartitionCommitResult> CommitAtomicallyAsync(IReadOnlyList<PartitionBatch> batches, CancellationToken cancellationToken);
}

/// <summary>How callers find the optional capabilities of a store.</summary>
public static class StoreCapabilities
{
    /// <summary>The store's multi-partition commit, or null when it has none or has it switched off.</summary>
    public static IAtomicMultiPartitionStore? AtomicMultiPartition(this ILedgerStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store is IAtomicMultiPartitionStore { CommitsAcrossPartitions: true } atomic ? atomic : null;
    }
}

/// <summary>The bounds of one multi-partition commit, checked the same way by every store.</summary>
public static class MultiPartitionCommit
{
    /// <summary>
    /// Most batches one commit may carry: a partition pipeline's group (one account batch) plus the
    /// idempotency claim of each of its commands, with room to spare.
    /// </summary>
    public const int MaxBatches = 1024;

    /// <summary>Refuses an empty list, too many batches, or one partition named twice.</summary>
    public static void Validate(IReadOnlyList<PartitionBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count is 0 or > MaxBatches)
        {
            throw new ArgumentException($"A multi-partition commit holds 1 to {MaxBatches} batches, not {batches.Count}.", nameof(batches));
        }

        var repeated = RepeatedKey.Find(batches, static batch => (batch ?? throw new ArgumentNullException(nameof(batches))).Partition);
        if (repeated is not null)
        {
            throw new ArgumentException($"Partition '{repeated}' appears twice in one multi-partition commit; merge its writes into one batch.", nameof(batches));
        }
    }
}
