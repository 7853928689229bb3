using Ledger.Storage;

namespace Ledger.Store.Sqlite;

/// <summary>
/// One request waiting for the writer. The writer stages its outcome while the group transaction runs
/// and settles it only after COMMIT, so no caller ever sees a result that could still be rolled back.
/// </summary>
internal abstract class WriteRequest(CancellationToken cancellationToken)
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Answers the request with what the writer staged for it: a result of its own type, or null.</summary>
    public abstract void Succeed(object? result);

    public abstract void Fail(Exception exception);

    public abstract void Cancel();
}

/// <summary>A partition batch, copied at enqueue time so the caller may reuse its list and buffers.</summary>
internal sealed class BatchWriteRequest : WriteRequest
{
    public BatchWriteRequest(PartitionBatch batch, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        Batch = new PendingBatch(batch);
    }

    public PendingBatch Batch { get; }

    /// <summary>Continuations run on the thread pool, never on the writer thread.</summary>
    public TaskCompletionSource<BatchResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Succeed(object? result)
        => Completion.TrySetResult(result as BatchResult ?? throw new InvalidOperationException("A batch settles with a batch result."));

    public override void Fail(Exception exception) => Completion.TrySetException(exception);

    public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
}

/// <summary>
/// Several partitions' batches that commit together or not at all: the writer checks all their
/// preconditions before it writes any of them. Copied at enqueue time, like a single batch.
/// </summary>
internal sealed class MultiPartitionWriteRequest : WriteRequest
{
    public MultiPartitionWriteRequest(IReadOnlyList<PartitionBatch> batches, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        var pending = new PendingBatch[batches.Count];
        for (var index = 0; index < batches.Count; index++)
        {
            pending[index] = new PendingBatch(batches[index]);
        }

        Batches = pending;
    }

    public IReadOnlyList<PendingBatch> Batches { get; }

    /// <summary>Continuations run on the thread pool, never on the writer thread.</summary>
    public TaskCompletionSource<MultiPartitionCommitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Succeed(object? result)
        => Completion.TrySetResult(result as MultiPartitionCommitResult ?? throw new InvalidOperationException("A multi-partition commit settles with its result."));

    public override void Fail(Exception exception) => Completion.TrySetException(exception);

    public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
}

/// <summary>One partition's writes inside a multi-partition commit.</summary>
internal sealed class PendingBatch(PartitionBatch batch)
{
    public string Partition { get; } = batch.Partition;

    public IReadOnlyList<PendingWrite> Writes { get; } = batch.Writes.Select(write => new PendingWrite(write)).ToArray();
}

/// <summary>A consumer checkpoint; it rides the same group commit as batches.</summary>
internal sealed class CheckpointWriteRequest(string consumerName, string continuation, CancellationToken cancellationToken)
    : WriteRequest(cancellationToken)
{
    public string ConsumerName { get; } = consumerName;

    public string Continuation { get; } = continuation;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Succeed(object? result) => Completion.TrySetResult();

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

    public override void Succeed(object? result) => Completion.TrySetResult();

    public override void Fail(Exception exception) => Completion.TrySetException(exception);

    public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
}

/// <summary>A write with its body as an array nobody changes (see <see cref="DocumentWrite.BodyToKeep"/>), ready to bind as a BLOB.</summary>
internal sealed class PendingWrite(DocumentWrite write)
{
    public WriteKind Kind { get; } = write.Kind;

    public string Id { get; } = write.Id;

    public string Type { get; } = write.Type;

    public long? SortKey { get; } = write.SortKey;

    public string? IndexKey { get; } = write.IndexKey;

    public string? IfMatchETag { get; } = write.IfMatchETag;

    public byte[] Body { get; } = write.BodyToKeep();
}
