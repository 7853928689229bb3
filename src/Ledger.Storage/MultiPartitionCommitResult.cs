namespace Ledger.Storage;

/// <summary>
/// The result of <see cref="IAtomicMultiPartitionStore.CommitAtomicallyAsync"/>. On success
/// <see cref="Batches"/> holds one committed <see cref="BatchResult"/> per batch, in order, all with the
/// same commit time. On failure nothing was written: <see cref="FailedBatchIndex"/> and
/// <see cref="FailedWriteIndex"/> name the first write (in batch order, then write order) whose
/// precondition failed, <see cref="Outcome"/> says how, and <see cref="Batches"/> is empty.
/// </summary>
public sealed record MultiPartitionCommitResult(
    BatchOutcome Outcome,
    int FailedBatchIndex,
    int FailedWriteIndex,
    IReadOnlyList<BatchResult> Batches,
    DateTimeOffset CommittedAt)
{
    public bool IsCommitted => Outcome == BatchOutcome.Committed;

    public static MultiPartitionCommitResult Success(IReadOnlyList<BatchResult> batches, DateTimeOffset committedAt)
    {
        ArgumentNullException.ThrowIfNull(batches);
        return new(BatchOutcome.Committed, -1, -1, batches, committedAt);
    }

    public static MultiPartitionCommitResult Failure(BatchOutcome outcome, int failedBatchIndex, int failedWriteIndex)
    {
        if (outcome == BatchOutcome.Committed)
        {
            throw new ArgumentException("A failure needs a failing outcome.", nameof(outcome));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(failedBatchIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(failedWriteIndex);
        return new(outcome, failedBatchIndex, failedWriteIndex, Array.Empty<BatchResult>(), default);
    }
}
