using Ledger.Storage;

namespace Ledger.Projections.Tests.Support;

/// <summary>
/// Passes everything to the real store, and can fail checkpoint writes (a crash between handling a batch
/// and recording it) and count what range reads return (the cost of a query).
/// </summary>
internal sealed class InstrumentedStore(ILedgerStore inner) : ILedgerStore
{
    private int _checkpointWritesToFail;
    private long _documentsReadByRange;

    public long DocumentsReadByRange => Interlocked.Read(ref _documentsReadByRange);

    public int RangeReads { get; private set; }

    public void FailNextCheckpointWrites(int count) => Volatile.Write(ref _checkpointWritesToFail, count);

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _documentsReadByRange, 0);
        RangeReads = 0;
    }

    public ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken) => inner.CommitAsync(batch, cancellationToken);

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken) => inner.ReadAsync(partition, id, cancellationToken);

    public async ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken)
    {
        var found = await inner.ReadRangeAsync(query, cancellationToken);
        Interlocked.Add(ref _documentsReadByRange, found.Count);
        RangeReads++;
        return found;
    }

    public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken) => inner.QueryIndexAsync(query, cancellationToken);

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken) => inner.ReadChangesAsync(continuation, maxItems, cancellationToken);

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken) => inner.EstimateLagAsync(continuation, cancellationToken);

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken) => inner.ReadCheckpointAsync(consumerName, cancellationToken);

    public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _checkpointWritesToFail) > 0 && Interlocked.Decrement(ref _checkpointWritesToFail) >= 0)
        {
            throw new IOException("Simulated crash before the checkpoint was written.");
        }

        return inner.WriteCheckpointAsync(consumerName, continuation, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
