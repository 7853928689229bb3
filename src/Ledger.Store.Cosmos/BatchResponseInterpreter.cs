using System.Globalization;
using System.Net;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;

namespace Ledger.Store.Cosmos;

/// <summary>What to do after one execution of a transactional batch.</summary>
internal enum BatchVerdictKind
{
    /// <summary>The batch ended with a <see cref="BatchResult"/> (committed, or a precondition failed).</summary>
    Completed,

    /// <summary>Throttled: wait <see cref="BatchVerdict.RetryAfter"/> and execute the batch again.</summary>
    Throttled,

    /// <summary>A transient fault: back off and execute the batch again.</summary>
    Transient,

    /// <summary>The batch is malformed; throw, do not retry.</summary>
    ProgrammingError,

    /// <summary>The store cannot serve; throw <see cref="StoreUnavailableException"/>, do not retry.</summary>
    Unavailable,
}

internal sealed record BatchVerdict(
    BatchVerdictKind Kind,
    BatchResult? Result,
    HttpStatusCode StatusCode,
    int OperationIndex,
    TimeSpan? RetryAfter,
    string Detail);

/// <summary>
/// Reads a <see cref="TransactionalBatchResponse"/>. A batch never throws for a failed operation: the
/// response carries the status, and when one operation fails it alone has the real status while every
/// other operation reports 424 (failed dependency). Pure, so tests drive it with mocked responses.
/// </summary>
internal static class BatchResponseInterpreter
{
    public static BatchVerdict Interpret(TransactionalBatchResponse response, PartitionBatch batch, DateTimeOffset committedAt)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(batch);
        var writes = batch.Writes;

        if (response.IsSuccessStatusCode)
        {
            if (response.Count != writes.Count)
            {
                return new BatchVerdict(BatchVerdictKind.ProgrammingError, null, response.StatusCode, -1, null,
                    $"Cosmos DB reported success with {response.Count} operation results for a batch of {writes.Count} writes.");
            }

            var etags = new string[writes.Count];
            for (var index = 0; index < writes.Count; index++)
            {
                etags[index] = writes[index].Kind == WriteKind.Delete
                    ? string.Empty
                    : response[index].ETag is { Length: > 0 } etag
                        ? etag
                        : throw new InvalidOperationException($"Cosmos DB returned no ETag for write {index} ('{writes[index].Id}') of a committed batch.");
            }

            return new BatchVerdict(BatchVerdictKind.Completed, BatchResult.Success(etags, committedAt), response.StatusCode, -1, null, "committed");
        }

        var (failedIndex, status, operationRetryAfter) = FindFailedOperation(response, writes.Count);
        var retryAfter = operationRetryAfter > TimeSpan.Zero ? operationRetryAfter : response.RetryAfter;
        var where = failedIndex >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"write {failedIndex} ({writes[failedIndex].Kind} '{writes[failedIndex].Id}')")
            : "the batch";
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"Cosmos DB batch on partition '{batch.Partition}' failed at {where} with {(int)status} {status}: {response.ErrorMessage}");

        switch (CosmosStatus.Classify(status))
        {
            case FailureKind.Conflict when failedIndex >= 0:
                return Completed(BatchOutcome.Conflict, failedIndex, status, detail);

            case FailureKind.PreconditionFailed when failedIndex >= 0:
                return Completed(BatchOutcome.PreconditionFailed, failedIndex, status, detail);

            // A create cannot miss its document: a 404 on one means the database or container is gone.
            case FailureKind.NotFound when failedIndex >= 0 && writes[failedIndex].Kind != WriteKind.Create:
                return Completed(BatchOutcome.NotFound, failedIndex, status, detail);

            case FailureKind.Throttled:
                return new BatchVerdict(BatchVerdictKind.Throttled, null, status, failedIndex, retryAfter, detail);

            case FailureKind.Transient:
                return new BatchVerdict(BatchVerdictKind.Transient, null, status, failedIndex, null, detail);

            case FailureKind.ProgrammingError:
                return new BatchVerdict(BatchVerdictKind.ProgrammingError, null, status, failedIndex, null, detail);

            default:
                return new BatchVerdict(BatchVerdictKind.Unavailable, null, status, failedIndex, null, detail);
        }
    }

    private static BatchVerdict Completed(BatchOutcome outcome, int failedIndex, HttpStatusCode status, string detail)
        => new(BatchVerdictKind.Completed, BatchResult.Failure(outcome, failedIndex), status, failedIndex, null, detail);

    /// <summary>The first operation whose status is not 424; it names why the batch failed.</summary>
    private static (int Index, HttpStatusCode Status, TimeSpan RetryAfter) FindFailedOperation(TransactionalBatchResponse response, int writeCount)
    {
        var results = Math.Min(response.Count, writeCount);
        for (var index = 0; index < results; index++)
        {
            var result = response[index];
            if (result.StatusCode != CosmosStatus.FailedDependency)
            {
                // When the request failed as a whole (throttled, container gone), the SDK gives every
                // operation the batch's status; then no single write is to blame.
                return results > 1 && AllHaveStatus(response, results, result.StatusCode)
                    ? (-1, result.StatusCode, result.RetryAfter)
                    : (index, result.StatusCode, result.RetryAfter);
            }
        }

        // No per-operation results (the request failed as a whole), or only 424s: the batch status is all we know.
        return (-1, response.StatusCode, TimeSpan.Zero);
    }

    private static bool AllHaveStatus(TransactionalBatchResponse response, int results, HttpStatusCode status)
    {
        for (var index = 0; index < results; index++)
        {
            if (response[index].StatusCode != status)
            {
                return false;
            }
        }

        return true;
    }
}
