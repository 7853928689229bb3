using System.Collections.Concurrent;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Support;

/// <summary>
/// Passes everything to an inner store and counts the batches committed per partition. A test can hold
/// back the first commit to a partition until it opens <see cref="HoldFirstCommitTo"/>'s gate, so that
/// requests pile up behind it deterministically. It hides the inner store's multi-partition commits
/// unless built with <c>passMultiPartitionCommits</c>, and then counts those too.
/// </summary>
internal sealed class CountingLedgerStore(ILedgerStore inner, bool passMultiPartitionCommits = false) : ILedgerStore, IAtomicMultiPartitionStore
{
    private int multiPartitionCommits;
    private bool holdAfterCommit;
    private readonly ConcurrentDictionary<string, int> commitsByPartition = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> writesByPartition = new(StringComparer.Ordinal);
    private string? heldPartition;
    private TaskCompletionSource? gate;
    private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int heldOnce;

    /// <summary>Completes when the held commit has arrived and is waiting for the gate.</summary>
    public Task HeldCommitReached => reached.Task;

    public int CommitsTo(string partition) => commitsByPartition.GetValueOrDefault(partition);

    /// <summary>Every commit that reached the store: single-partition batches and multi-partition commits, one each.</summary>
    public int DurableCommits => commitsByPartition.Values.Sum() - multiPartitionBatches + Volatile.Read(ref multiPartitionCommits);

    public int MultiPartitionCommits => Volatile.Read(ref multiPartitionCommits);

    private int multiPartitionBatches;

    public bool CommitsAcrossPartitions => passMultiPartitionCommits && inner.AtomicMultiPartition() is not null;

    public async ValueTask<MultiPartitionCommitResult> CommitAtomicallyAsync(IReadOnlyList<PartitionBatch> batches, CancellationToken cancellationToken)
    {
        var atomic = (CommitsAcrossPartitions ? inner.AtomicMultiPartition() : null) ?? throw new NotSupportedException("Multi-partition commits are hidden.");
        var result = await atomic.CommitAtomicallyAsync(batches, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref multiPartitionCommits);
        Interlocked.Add(ref multiPartitionBatches, batches.Count);
        for (var index = 0; index < batches.Count; index++)
        {
            commitsByPartition.AddOrUpdate(batches[index].Partition, 1, static (_, count) => count + 1);
            if (result.IsCommitted)
            {
                writesByPartition.AddOrUpdate(batches[index].Partition, batches[index].Writes.Count, (_, count) => count + batches[index].Writes.Count);
            }
        }

        return result;
    }

    public int WritesTo(string partition) => writesByPartition.GetValueOrDefault(partition);

    public int CommitsToPartitionsStartingWith(string prefix) => commitsByPartition.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(pair => pair.Value);

    /// <summary>Commits to the idempotency-claim partitions of these keys: how many of their requests have reached the store.</summary>
    public int ClaimCommitsFor(string app, IEnumerable<string> keys)
        => keys.Sum(key => CommitsTo(Ledger.Engine.DocumentTypes.ClaimPartition(Ledger.Domain.AppId.From(app), Ledger.Domain.IdempotencyKey.From(key))));

    /// <summary>
    /// The first batch for <paramref name="partition"/> waits until the returned source is completed: before
    /// it reaches the store, or, <paramref name="afterCommitting"/>, after it committed and before its caller hears.
    /// </summary>
    public TaskCompletionSource HoldFirstCommitTo(string partition, bool afterCommitting = false)
    {
        holdAfterCommit = afterCommitting;
        heldPartition = partition;
        gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return gate;
    }

    public async ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        var hold = batch.Partition == heldPartition && gate is not null && Interlocked.Exchange(ref heldOnce, 1) == 0;
        if (hold && !holdAfterCommit)
        {
            reached.TrySetResult();
            await gate!.Task.ConfigureAwait(false);
        }

        var result = await inner.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        if (hold && holdAfterCommit)
        {
            // Committed, but the caller hears of it only when the gate opens: a slow acknowledgement.
            reached.TrySetResult();
            await gate!.Task.ConfigureAwait(false);
        }

        commitsByPartition.AddOrUpdate(batch.Partition, 1, static (_, count) => count + 1);
        if (result.IsCommitted)
        {
            writesByPartition.AddOrUpdate(batch.Partition, batch.Writes.Count, (_, count) => count + batch.Writes.Count);
        }

        return result;
    }

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken) => inner.ReadAsync(partition, id, cancellationToken);

    public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken) => inner.ReadRangeAsync(query, cancellationToken);

    /// <summary>How many documents index queries have returned: what a sweep read.</summary>
    public int IndexDocumentsRead => Volatile.Read(ref indexDocumentsRead);

    private int indexDocumentsRead;

    public async ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken)
    {
        var page = await inner.QueryIndexAsync(query, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref indexDocumentsRead, page.Documents.Count);
        return page;
    }

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken) => inner.ReadChangesAsync(continuation, maxItems, cancellationToken);

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken) => inner.EstimateLagAsync(continuation, cancellationToken);

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken) => inner.ReadCheckpointAsync(consumerName, cancellationToken);

    public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken) => inner.WriteCheckpointAsync(consumerName, continuation, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
