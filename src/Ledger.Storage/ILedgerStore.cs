namespace Ledger.Storage;

/// <summary>
/// The store port. A partition is one account (or one idempotency key); every method means the same on
/// every store, which the shared contract suite checks. Stores retry transient faults (throttling,
/// timeouts) within their own bounds and then throw <see cref="StoreUnavailableException"/>; a batch that
/// fails a precondition is not an exception but a <see cref="BatchResult"/>.
/// </summary>
public interface ILedgerStore : IAsyncDisposable
{
    /// <summary>Commits the writes atomically inside their partition, or none of them.</summary>
    ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken);

    /// <summary>A point read; null when the document does not exist.</summary>
    ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken);

    /// <summary>Documents of one type in one partition, ordered by sort key, at most <c>Limit</c>.</summary>
    ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken);

    /// <summary>Documents found by index key across partitions, ordered by (index key, partition, id).</summary>
    ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the change feed after <paramref name="continuation"/> (null: from the beginning), at most
    /// <paramref name="maxItems"/> changes. At least once: a reader that resumes from an older
    /// continuation sees the same changes again.
    /// </summary>
    ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken);

    /// <summary>
    /// The change feed for a reader that needs only documents of <paramref name="documentTypes"/>. A store
    /// that can filter where it reads leaves the other changes out, and its continuation still passes them;
    /// one that cannot (this default) returns them too, so a reader checks each change's type either way.
    /// </summary>
    ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, IReadOnlySet<string> documentTypes, CancellationToken cancellationToken)
        => ReadChangesAsync(continuation, maxItems, cancellationToken);

    /// <summary>How far a reader at <paramref name="continuation"/> is behind the head of the feed.</summary>
    ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken);

    /// <summary>The continuation a change-feed consumer last saved (its lease), or null.</summary>
    ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken);

    /// <summary>Saves a consumer's continuation. Checkpoints live outside the change feed.</summary>
    ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken);
}

/// <summary>The store could not be reached or kept refusing within its retry budget. Maps to HTTP 503.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
