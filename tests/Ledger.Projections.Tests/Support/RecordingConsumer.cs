using System.Collections.Concurrent;
using Ledger.Storage;

namespace Ledger.Projections.Tests.Support;

/// <summary>Records every batch it is handed; while <see cref="Failing"/> is set, throws as an outage would (transient).</summary>
internal sealed class RecordingConsumer(string name = "recorder") : IChangeConsumer
{
    private int _failures;

    public string Name => name;

    public ConcurrentQueue<IReadOnlyList<StoredDocument>> Batches { get; } = new();

    public volatile bool Failing;

    public int Failures => Volatile.Read(ref _failures);

    public IEnumerable<StoredDocument> Delivered => Batches.SelectMany(batch => batch);

    public Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        if (Failing)
        {
            Interlocked.Increment(ref _failures);
            throw new TransientChangeFailureException("This consumer is failing on purpose.");
        }

        Batches.Enqueue(changes);
        return Task.CompletedTask;
    }
}
