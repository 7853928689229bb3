using System.Collections.Concurrent;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Support;

/// <summary>
/// Passes everything to an inner store and counts the batches committed per partition. A test can hold
/// back the first commit to a partition until it opens <see cref="HoldFirstCommitTo"/>'s gate, so that
/// requests pile up behind it deterministically.
/// </summary>
internal sealed class CountingLedgerStore(ILedgerStore inner) : ILedgerStore
{
    private readonly ConcurrentDictionary<string, int> commitsByPartition = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> writesByPartition = new(StringComparer.Ordinal);
    private string? heldPartition;
    private TaskCompletionSource? gate;
    private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int heldOnce;

    /// <summary>Completes when the held commit has arrived and is waiting for the gate.</summary>
    public Task HeldCommitReached => reached.Task;

    public int CommitsTo(string partition) => commitsByPartition.GetValueOrDefault(partition);

    public int WritesTo(string partition) => writesByPartition.GetValueOrDefault(partition);

    public int CommitsToPartitionsStartingWith(string prefix) => commitsByPartition.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(pair => pair.Value);

    /// <summary>Commits to the idempotency-claim partitions of these keys: how many of their requests have reached the store.</summary>
    public int ClaimCommitsFor(string app, IEnumerable<string> keys)
        => keys.Sum(key => CommitsTo(Ledger.Engine.DocumentTypes.ClaimPartition(Ledger.Domain.AppId.From(app), Ledger.Domain.IdempotencyKey.From(key))));

    /// <summary>The first batch for <paramref name="partition"/> waits until the returned source is completed.</summary>
    public TaskCompletionSource HoldFirstCommitTo(string partition)
    {
        heldPartition = partition;
        gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return gate;
    }

    public async ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Partition == heldPartition && gate is { } held && Interlocked.Exchange(ref heldOnce, 1) == 0)
        {
            reached.TrySetResult();
            await held.Task.ConfigureAwait(false);
        }

        var result = await inner.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
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
