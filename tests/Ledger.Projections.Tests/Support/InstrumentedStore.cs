using Ledger.Storage;

namespace Ledger.Projections.Tests.Support;

/// <summary>
/// Passes everything to the real store, and can fail checkpoint writes (a crash between handling a batch
/// and recording it) and the commits of one partition (a lost write race), count what range reads return
/// (the cost of a query) and record which documents point reads asked for.
/// </summary>
internal sealed class InstrumentedStore(ILedgerStore inner) : ILedgerStore
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Partition, string Id)> _pointReads = new();
    private int _checkpointWritesToFail;
    private long _documentsReadByRange;
    private readonly Lock _commitsToFailGate = new();
    private (string Partition, int Count) _commitsToFail = (string.Empty, 0);

    public long DocumentsReadByRange => Interlocked.Read(ref _documentsReadByRange);

    public int RangeReads { get; private set; }

    public void FailNextCheckpointWrites(int count) => Volatile.Write(ref _checkpointWritesToFail, count);

    /// <summary>The next <paramref name="count"/> commits to <paramref name="partition"/> fail as if another writer had moved a document first.</summary>
    public void FailNextCommitsTo(string partition, int count)
    {
        lock (_commitsToFailGate)
        {
            _commitsToFail = (partition, count);
        }
    }

    /// <summary>The ids that point reads asked for in <paramref name="partition"/>, in order.</summary>
    public IReadOnlyList<string> PointReadsIn(string partition) => [.. _pointReads.Where(read => read.Partition == partition).Select(read => read.Id)];

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _documentsReadByRange, 0);
        RangeReads = 0;
        _pointReads.Clear();
    }

    public ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        lock (_commitsToFailGate)
        {
            if (_commitsToFail.Count > 0 && _commitsToFail.Partition == batch.Partition)
            {
                _commitsToFail.Count--;
                return ValueTask.FromResult(BatchResult.Failure(BatchOutcome.PreconditionFailed, 0));
            }
        }

        return inner.CommitAsync(batch, cancellationToken);
    }

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        _pointReads.Enqueue((partition, id));
        return inner.ReadAsync(partition, id, cancellationToken);
    }

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
