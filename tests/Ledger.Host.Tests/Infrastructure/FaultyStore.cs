using Ledger.Storage;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>A store that works until told to fail, then throws what a real store throws when it is down or broken.</summary>
public sealed class FaultyStore(ILedgerStore inner) : ILedgerStore
{
    private volatile Func<Exception>? _fault;
    private volatile HeldReads? _held;

    /// <summary>Every call fails with the exception this makes, until <see cref="Heal"/>.</summary>
    public void FailWith(Func<Exception> fault) => _fault = fault;

    public void Heal() => _fault = null;

    /// <summary>
    /// Point reads of <paramref name="partition"/> wait until the returned handle is disposed, holding no
    /// thread while they wait; every other call goes through. A request held this way stays in flight
    /// without starving the thread pool the way a blocking fault would (the change-feed consumers call the
    /// store too, and a fault blocks each of them).
    /// </summary>
    public IDisposable HoldReadsOf(string partition)
    {
        var held = new HeldReads(partition);
        _held = held;
        return held;
    }

    public ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.CommitAsync(batch, cancellationToken);
    }

    public async ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        if (_held is { } held && string.Equals(held.Partition, partition, StringComparison.Ordinal))
        {
            await held.Released.WaitAsync(cancellationToken);
        }

        return await inner.ReadAsync(partition, id, cancellationToken);
    }

    public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.ReadRangeAsync(query, cancellationToken);
    }

    public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.QueryIndexAsync(query, cancellationToken);
    }

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.ReadChangesAsync(continuation, maxItems, cancellationToken);
    }

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.EstimateLagAsync(continuation, cancellationToken);
    }

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.ReadCheckpointAsync(consumerName, cancellationToken);
    }

    public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.WriteCheckpointAsync(consumerName, continuation, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private void ThrowIfFaulty()
    {
        if (_fault is { } fault)
        {
            throw fault();
        }
    }

    private sealed class HeldReads(string partition) : IDisposable
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Partition { get; } = partition;

        public Task Released => released.Task;

        public void Dispose() => released.TrySetResult();
    }
}
