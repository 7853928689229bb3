namespace Ledger.Storage;

/// <summary>How a batch ended. Only <see cref="Committed"/> changed anything.</summary>
public enum BatchOutcome
{
    Committed,

    /// <summary>A Create met an existing document (HTTP 409 in Cosmos DB).</summary>
    Conflict,

    /// <summary>An IfMatch ETag did not match: someone else wrote first (HTTP 412).</summary>
    PreconditionFailed,

    /// <summary>A Replace or Delete met no document (HTTP 404).</summary>
    NotFound,
}

/// <summary>
/// The result of a batch. On failure <see cref="FailedWriteIndex"/> names the write that failed (in
/// Cosmos DB, the one operation whose status is not 424). On success <see cref="ETags"/> holds the new
/// ETag of each write, in order (empty string for deletes).
/// </summary>
public sealed record BatchResult(BatchOutcome Outcome, int FailedWriteIndex, IReadOnlyList<string> ETags, DateTimeOffset CommittedAt)
{
    public bool IsCommitted => Outcome == BatchOutcome.Committed;

    public static BatchResult Success(IReadOnlyList<string> etags, DateTimeOffset committedAt)
        => new(BatchOutcome.Committed, -1, etags, committedAt);

    public static BatchResult Failure(BatchOutcome outcome, int failedWriteIndex)
    {
        if (outcome == BatchOutcome.Committed)
        {
            throw new ArgumentException("A failure needs a failing outcome.", nameof(outcome));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(failedWriteIndex);
        return new(outcome, failedWriteIndex, Array.Empty<string>(), default);
    }
}
