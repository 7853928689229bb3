using Ledger.Storage;

namespace Ledger.Store.Sqlite;

/// <summary>
/// One request waiting for the writer. The writer stages its outcome while the group transaction runs
/// and settles it only after COMMIT, so no caller ever sees a result that could still be rolled back.
/// </summary>
internal abstract class WriteRequest(CancellationToken cancellationToken)
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public abstract void Succeed(BatchResult? result);

    public abstract void Fail(Exception exception);

    public abstract void Cancel();
}

/// <summary>A partition batch, copied at enqueue time so the caller may reuse its list and buffers.</summary>
internal sealed class BatchWriteRequest : WriteRequest
{
    public BatchWriteRequest(PartitionBatch batch, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        Partition = batch.Partition;
        Writes = batch.Writes.Select(write => new PendingWrite(write)).ToArray();
    }

    public string Partition { get; }

    public IReadOnlyList<PendingWrite> Writes { get; }

    /// <summary>Continuations run on the thread pool, never on the writer thread.</summary>
    public TaskCompletionSource<BatchResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Succeed(BatchResult? result)
        => Completion.TrySetResult(result ?? throw new InvalidOperationException("A batch settles with a result."));

    public override void Fail(Exception exception) => Completion.TrySetException(exception);

    public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
}

/// <summary>A consumer checkpoint; it rides the same group commit as batches.</summary>
internal sealed class CheckpointWriteRequest(string consumerName, string continuation, CancellationToken cancellationToken)
    : WriteRequest(cancellationToken)
{
    public string ConsumerName { get; } = consumerName;

    public string Continuation { get; } = continuation;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Succeed(BatchResult? result) => Completion.TrySetResult();

    public override void Fail(Exception exception) => Completion.TrySetException(exception);

    public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
}

/// <summary>
/// Writes nothing: it only has to get through the writer, inside a group transaction that took the write
/// lock. Readiness checks send it, because a read succeeds even while another connection holds the lock
/// and no write can commit.
/// </summary>
internal sealed class ProbeWriteRequest(CancellationToken cancellationToken) : WriteRequest(cancellationToken)
{
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Succeed(BatchResult? result) => Completion.TrySetResult();

    public override void Fail(Exception exception) => Completion.TrySetException(exception);

    public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
}

/// <summary>A write with its body copied into an array, ready to bind as a BLOB.</summary>
internal sealed class PendingWrite(DocumentWrite write)
{
    public WriteKind Kind { get; } = write.Kind;

    public string Id { get; } = write.Id;

    public string Type { get; } = write.Type;

    public long? SortKey { get; } = write.SortKey;

    public string? IndexKey { get; } = write.IndexKey;

    public string? IfMatchETag { get; } = write.IfMatchETag;

    public byte[] Body { get; } = write.Body.ToArray();
}
