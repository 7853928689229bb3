using Ledger.Storage;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>A store that works until told to fail, then throws what a real store throws when it is down or broken.</summary>
public sealed class FaultyStore(ILedgerStore inner) : ILedgerStore
{
    private volatile Func<Exception>? _fault;

    /// <summary>Every call fails with the exception this makes, until <see cref="Heal"/>.</summary>
    public void FailWith(Func<Exception> fault) => _fault = fault;

    public void Heal() => _fault = null;

    public ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.CommitAsync(batch, cancellationToken);
    }

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        ThrowIfFaulty();
        return inner.ReadAsync(partition, id, cancellationToken);
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
}
