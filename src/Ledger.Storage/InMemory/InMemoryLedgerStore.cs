using System.Diagnostics;
using Ledger.Storage.Continuations;
namespace Ledger.Storage.InMemory;

/// <summary>
/// The reference store: everything in memory, behind one lock, with exactly the semantics of the SQLite
/// store (same preconditions, same ETags and continuations, same orderings). Engine tests and
/// crash-injection tests use it because it is fast and deterministic; the shared contract suite keeps
/// it honest. Nothing survives the process. It commits across partitions atomically unless built
/// without that capability, which keeps the engine's path for stores without it (Cosmos DB) tested.
/// </summary>
public sealed class InMemoryLedgerStore : ILedgerStore, IAtomicMultiPartitionStore
{
    /// <summary>A checkpoint is a continuation this store issued; those are short, so a long one is a bug.</summary>
    private const int MaxCheckpointLength = 16 * 1024;

    private readonly TimeProvider timeProvider;

    // One lock guards every structure below. No I/O happens under it, so holding it for a whole
    // batch is cheap, and it makes each batch atomic and each read a consistent snapshot.
    private readonly Lock gate = new();
    private readonly Dictionary<DocumentKey, Entry> documents = new();
    private readonly Dictionary<RangeKey, SortedSet<RangePosition>> rangesByPartitionAndType = new();
    private readonly SortedSet<IndexPosition> indexPositions = new(IndexPositionComparer.Instance);

    // The change feed in commit order: slot n holds the document version that took LSN n + 1, or null
    // once a later write replaced or deleted it. LSNs are issued one by one, so appending keeps the
    // order and a slot is found by its LSN without a search.
    private readonly List<Entry?> feed = [];
    private readonly Dictionary<string, string> checkpoints = new(StringComparer.Ordinal);
    private long lastSequenceNumber;
    private bool disposed;

    public InMemoryLedgerStore()
        : this(TimeProvider.System)
    {
    }

    public InMemoryLedgerStore(TimeProvider timeProvider)
        : this(timeProvider, commitsAcrossPartitions: true)
    {
    }

    /// <param name="timeProvider">The clock that dates commits.</param>
    /// <param name="commitsAcrossPartitions">False builds a store without <see cref="IAtomicMultiPartitionStore"/>'s
    /// capability, like Cosmos DB: <see cref="StoreCapabilities.AtomicMultiPartition"/> then finds none.</param>
    public InMemoryLedgerStore(TimeProvider timeProvider, bool commitsAcrossPartitions)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.timeProvider = timeProvider;
        CommitsAcrossPartitions = commitsAcrossPartitions;
    }

    public bool CommitsAcrossPartitions { get; }

    /// <summary>How many documents the store holds; for tests and diagnostics.</summary>
    public int DocumentCount
    {
        get
        {
            lock (gate)
            {
                return documents.Count;
            }
        }
    }

    public ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();

        // Copy the writes, and every body its caller could still change, before taking the lock: the
        // caller may reuse its list and buffers as soon as this call returns, and copying outside the
        // lock keeps it short. Immutable bodies are kept as they are (DocumentWrite.BodyToKeep).
        var copy = StagedBatch.Of(batch);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var failure = FirstFailure(copy);
            if (failure is { } failed)
            {
                return ValueTask.FromResult(BatchResult.Failure(failed.Outcome, failed.WriteIndex));
            }

            var committedAt = timeProvider.GetUtcNow().ToUniversalTime();
            return ValueTask.FromResult(BatchResult.Success(ApplyAll(copy, committedAt), committedAt));
        }
    }

    public ValueTask<MultiPartitionCommitResult> CommitAtomicallyAsync(IReadOnlyList<PartitionBatch> batches, CancellationToken cancellationToken)
    {
        if (!CommitsAcrossPartitions)
        {
            throw new NotSupportedException("This in-memory store was built without multi-partition commits.");
        }

        MultiPartitionCommit.Validate(batches);
        cancellationToken.ThrowIfCancellationRequested();
        var copies = new StagedBatch[batches.Count];
        for (var batchIndex = 0; batchIndex < copies.Length; batchIndex++)
        {
            copies[batchIndex] = StagedBatch.Of(batches[batchIndex]);
        }

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);

            // Partitions are distinct, so no batch's precondition depends on another's writes: checking
            // them all before applying any is the same as applying them in order inside one transaction.
            for (var batchIndex = 0; batchIndex < copies.Length; batchIndex++)
            {
                if (FirstFailure(copies[batchIndex]) is { } failed)
                {
                    return ValueTask.FromResult(MultiPartitionCommitResult.Failure(failed.Outcome, batchIndex, failed.WriteIndex));
                }
            }

            var committedAt = timeProvider.GetUtcNow().ToUniversalTime();
            var results = new BatchResult[copies.Length];
            for (var batchIndex = 0; batchIndex < copies.Length; batchIndex++)
            {
                results[batchIndex] = BatchResult.Success(ApplyAll(copies[batchIndex], committedAt), committedAt);
            }

            return ValueTask.FromResult(MultiPartitionCommitResult.Success(results, committedAt));
        }
    }

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPartition(partition);
        StoreLimits.RequireValidId(id, nameof(id));
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return ValueTask.FromResult(documents.TryGetValue(new DocumentKey(partition, id), out var entry) ? entry.Document : null);
        }
    }

    public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var found = new List<StoredDocument>(Math.Min(query.Limit, 64));
            if (!rangesByPartitionAndType.TryGetValue(new RangeKey(query.Partition, query.Type), out var positions))
            {
                return ValueTask.FromResult<IReadOnlyList<StoredDocument>>(found);
            }

            var inRange = positions;
            if (query.MinSortKey is not null || query.MaxSortKey is not null)
            {
                // Like SQL, a bound compares false with a missing sort key: bounded reads skip documents
                // without one, unbounded reads include them (lowest first, as SQLite orders NULL).
                var lower = new RangePosition(query.MinSortKey ?? long.MinValue, string.Empty);
                var upper = new RangePosition(query.MaxSortKey ?? long.MaxValue, null);
                if (RangePositionComparer.Instance.Compare(lower, upper) > 0)
                {
                    return ValueTask.FromResult<IReadOnlyList<StoredDocument>>(found);
                }

                inRange = positions.GetViewBetween(lower, upper);
            }

            var ordered = query.Descending ? inRange.Reverse() : inRange;
            foreach (var position in ordered)
            {
                found.Add(documents[new DocumentKey(query.Partition, position.Id!)].Document);
                if (found.Count == query.Limit)
                {
                    break;
                }
            }

            return ValueTask.FromResult<IReadOnlyList<StoredDocument>>(found);
        }
    }

    public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        IndexPosition? resumeAfter = null;
        if (query.Continuation is not null)
        {
            var continuation = IndexContinuation.Decode(query.Continuation);
            resumeAfter = new IndexPosition(query.Type, continuation.IndexKey, continuation.Partition, continuation.Id);
        }

        // Exact: every key equal to IndexKey. Prefix: the same key range SQLite scans, from the prefix up
        // to the prefix followed by the highest code point.
        var lower = new IndexPosition(query.Type, query.IndexKey, string.Empty, string.Empty);
        var upper = new IndexPosition(query.Type, query.Before ?? query.IndexKey + (query.Prefix ? "\U0010FFFF" : "\0"), string.Empty, string.Empty);
        if (resumeAfter is { } resumePosition && IndexPositionComparer.Instance.Compare(resumePosition, lower) > 0)
        {
            lower = resumePosition;
        }

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var found = new List<StoredDocument>(Math.Min(query.Limit, 64));
            if (IndexPositionComparer.Instance.Compare(lower, upper) > 0)
            {
                return ValueTask.FromResult(new DocumentPage(found, null));
            }

            string? nextContinuation = null;
            foreach (var position in indexPositions.GetViewBetween(lower, upper))
            {
                if (position == resumeAfter)
                {
                    continue;
                }

                if (found.Count == query.Limit)
                {
                    var last = found[^1];
                    nextContinuation = new IndexContinuation(last.IndexKey!, last.Partition, last.Id).Encode();
                    break;
                }

                found.Add(documents[new DocumentKey(position.Partition, position.Id)].Document);
            }

            return ValueTask.FromResult(new DocumentPage(found, nextContinuation));
        }
    }

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPageSize(maxItems);
        var afterSequenceNumber = FeedContinuation.Parse(continuation);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var changes = new List<StoredDocument>(Math.Min(maxItems, 64));
            var lastRead = afterSequenceNumber;
            for (var slot = FirstFeedSlotAfter(afterSequenceNumber); slot < feed.Count && changes.Count < maxItems; slot++)
            {
                if (feed[slot] is { } entry)
                {
                    changes.Add(entry.Document);
                    lastRead = entry.SequenceNumber;
                }
            }

            return ValueTask.FromResult(new ChangePage(changes, FeedContinuation.Format(lastRead)));
        }
    }

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken)
    {
        var afterSequenceNumber = FeedContinuation.Parse(continuation);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var count = 0;
            DateTimeOffset? oldestCommittedAt = null;
            for (var slot = FirstFeedSlotAfter(afterSequenceNumber); slot < feed.Count; slot++)
            {
                if (feed[slot] is { } entry)
                {
                    oldestCommittedAt ??= entry.Document.CommittedAt;
                    count++;
                }
            }

            return ValueTask.FromResult(new ChangeFeedLag(count, oldestCommittedAt));
        }
    }

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidId(consumerName, nameof(consumerName));
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return ValueTask.FromResult(checkpoints.TryGetValue(consumerName, out var continuation) ? continuation : null);
        }
    }

    public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidId(consumerName, nameof(consumerName));
        RequireValidCheckpoint(continuation);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            checkpoints[consumerName] = continuation;
            return ValueTask.CompletedTask;
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (gate)
        {
            disposed = true;
        }

        return ValueTask.CompletedTask;
    }

    internal static void RequireValidCheckpoint(string continuation)
    {
        ArgumentException.ThrowIfNullOrEmpty(continuation);
        if (continuation.Length > MaxCheckpointLength)
        {
            throw new ArgumentException($"A checkpoint is at most {MaxCheckpointLength} characters.", nameof(continuation));
        }
    }

    /// <summary>The feed slot of the first LSN after <paramref name="afterSequenceNumber"/>; past the end when none was issued yet.</summary>
    private int FirstFeedSlotAfter(long afterSequenceNumber)
        => (int)Math.Clamp(afterSequenceNumber, 0, feed.Count);

    /// <summary>The first write of the batch whose precondition fails, or null. Called under the lock.</summary>
    private (BatchOutcome Outcome, int WriteIndex)? FirstFailure(StagedBatch batch)
    {
        for (var writeIndex = 0; writeIndex < batch.Writes.Length; writeIndex++)
        {
            documents.TryGetValue(new DocumentKey(batch.Partition, batch.Writes[writeIndex].Id), out var existing);
            if (WritePreconditions.Check(batch.Writes[writeIndex], existing?.Document.ETag) is { } outcome)
            {
                return (outcome, writeIndex);
            }
        }

        return null;
    }

    /// <summary>Applies every write of a batch whose preconditions held; returns their ETags. Called under the lock.</summary>
    private string[] ApplyAll(StagedBatch batch, DateTimeOffset committedAt)
    {
        var etags = new string[batch.Writes.Length];
        for (var writeIndex = 0; writeIndex < etags.Length; writeIndex++)
        {
            etags[writeIndex] = Apply(batch.Partition, batch.Writes[writeIndex], batch.Bodies[writeIndex], committedAt);
        }

        return etags;
    }

    /// <summary>Applies one write whose precondition already held; returns its new ETag.</summary>
    private string Apply(string partition, DocumentWrite write, byte[] body, DateTimeOffset committedAt)
    {
        var key = new DocumentKey(partition, write.Id);
        documents.TryGetValue(key, out var previous);
        if (write.Kind == WriteKind.Delete)
        {
            if (previous is not null)
            {
                documents.Remove(key);
                RemoveFromIndexes(previous);
            }

            return string.Empty;
        }

        lastSequenceNumber = checked(lastSequenceNumber + 1);
        var document = new StoredDocument(
            partition,
            write.Id,
            write.Type,
            write.SortKey,
            write.IndexKey,
            body,
            FeedContinuation.Format(lastSequenceNumber),
            committedAt);
        var entry = new Entry(document, lastSequenceNumber);
        documents[key] = entry;
        if (previous is null)
        {
            AddToIndexes(document);
        }
        else
        {
            feed[FeedSlot(previous.SequenceNumber)] = null;

            // A replace that keeps the document's keys (an account's new balance) leaves its places in
            // the range and index orders as they are.
            if (!HasSameKeys(previous.Document, document))
            {
                RemoveFromIndexes(previous.Document);
                AddToIndexes(document);
            }
        }

        feed.Add(entry);
        Debug.Assert(feed.Count == lastSequenceNumber, "Every LSN issued has exactly one feed slot, at LSN - 1.");
        return document.ETag;
    }

    private static int FeedSlot(long sequenceNumber) => checked((int)(sequenceNumber - 1));

    private static bool HasSameKeys(StoredDocument previous, StoredDocument next)
        => previous.SortKey == next.SortKey
            && string.Equals(previous.Type, next.Type, StringComparison.Ordinal)
            && string.Equals(previous.IndexKey, next.IndexKey, StringComparison.Ordinal);

    private void AddToIndexes(StoredDocument document)
    {
        var rangeKey = new RangeKey(document.Partition, document.Type);
        if (!rangesByPartitionAndType.TryGetValue(rangeKey, out var positions))
        {
            positions = new SortedSet<RangePosition>(RangePositionComparer.Instance);
            rangesByPartitionAndType.Add(rangeKey, positions);
        }

        positions.Add(new RangePosition(document.SortKey, document.Id));
        if (document.IndexKey is not null)
        {
            indexPositions.Add(new IndexPosition(document.Type, document.IndexKey, document.Partition, document.Id));
        }
    }

    /// <summary>Takes a deleted document out of every order, the feed included.</summary>
    private void RemoveFromIndexes(Entry entry)
    {
        feed[FeedSlot(entry.SequenceNumber)] = null;
        RemoveFromIndexes(entry.Document);
    }

    private void RemoveFromIndexes(StoredDocument document)
    {
        var rangeKey = new RangeKey(document.Partition, document.Type);
        var positions = rangesByPartitionAndType[rangeKey];
        positions.Remove(new RangePosition(document.SortKey, document.Id));
        if (positions.Count == 0)
        {
            rangesByPartitionAndType.Remove(rangeKey);
        }

        if (document.IndexKey is not null)
        {
            indexPositions.Remove(new IndexPosition(document.Type, document.IndexKey, document.Partition, document.Id));
        }
    }

    private readonly record struct DocumentKey(string Partition, string Id);

    /// <summary>A batch's writes with bodies no caller can change (immutable ones, or private copies), taken before the lock.</summary>
    private readonly record struct StagedBatch(string Partition, DocumentWrite[] Writes, byte[][] Bodies)
    {
        public static StagedBatch Of(PartitionBatch batch)
        {
            var writes = batch.Writes.ToArray();
            var bodies = new byte[writes.Length][];
            for (var writeIndex = 0; writeIndex < writes.Length; writeIndex++)
            {
                bodies[writeIndex] = writes[writeIndex].BodyToKeep();
            }

            return new StagedBatch(batch.Partition, writes, bodies);
        }
    }

    private readonly record struct RangeKey(string Partition, string Type);

    /// <summary>The current version of a document and the commit sequence number (lsn) that wrote it.</summary>
    private sealed record Entry(StoredDocument Document, long SequenceNumber);

    /// <summary>
    /// A place in the (sort key, id) order. A null sort key sorts lowest, as SQLite orders NULL. A null id
    /// is a search bound only: it sorts after every id with the same sort key, as an empty id sorts before.
    /// </summary>
    private readonly record struct RangePosition(long? SortKey, string? Id);

    private sealed class RangePositionComparer : IComparer<RangePosition>
    {
        public static readonly RangePositionComparer Instance = new();

        public int Compare(RangePosition x, RangePosition y)
        {
            var bySortKey = Nullable.Compare(x.SortKey, y.SortKey);
            if (bySortKey != 0)
            {
                return bySortKey;
            }

            return (x.Id, y.Id) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                _ => Utf8OrdinalComparer.Instance.Compare(x.Id, y.Id),
            };
        }
    }

    private readonly record struct IndexPosition(string Type, string IndexKey, string Partition, string Id);

    private sealed class IndexPositionComparer : IComparer<IndexPosition>
    {
        public static readonly IndexPositionComparer Instance = new();

        public int Compare(IndexPosition x, IndexPosition y)
        {
            var order = Utf8OrdinalComparer.Instance.Compare(x.Type, y.Type);
            if (order == 0)
            {
                order = Utf8OrdinalComparer.Instance.Compare(x.IndexKey, y.IndexKey);
            }

            if (order == 0)
            {
                order = Utf8OrdinalComparer.Instance.Compare(x.Partition, y.Partition);
            }

            return order != 0 ? order : Utf8OrdinalComparer.Instance.Compare(x.Id, y.Id);
        }
    }
}
