using Ledger.Storage.Continuations;
using System.Threading.Channels;
using Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// The single writer. Requests arrive on a bounded channel; one dedicated thread drains whatever is
/// queued (up to a bound), applies each request inside its own SAVEPOINT of one transaction, commits
/// once and only then settles every request. Many requests therefore share one fsync (group commit),
/// and request paths never hold a lock across I/O: they only enqueue and await.
/// </summary>
internal sealed class SqliteWriter
{
    private readonly Channel<WriteRequest> queue;
    private readonly SqliteConnection connection;
    private readonly WriterStatements statements;
    private readonly TimeProvider timeProvider;
    private readonly int maxGroupSize;
    private readonly int maxBusyRetries;
    private readonly int queueCapacity;
    private readonly SqliteCheckpointer checkpointer;
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long transactionCount;
    private long requestCount;
    private long pagesWritten;

    public SqliteWriter(SqliteConnection connection, DocumentKeys keys, SqliteCheckpointer checkpointer, SqliteLedgerStoreOptions options, TimeProvider timeProvider)
    {
        this.connection = connection;
        this.checkpointer = checkpointer;
        this.timeProvider = timeProvider;
        maxGroupSize = options.MaxGroupCommitBatches;
        maxBusyRetries = options.MaxBusyRetries;
        queueCapacity = options.WriteQueueCapacity;
        statements = new WriterStatements(connection, keys);
        queue = Channel.CreateBounded<WriteRequest>(new BoundedChannelOptions(options.WriteQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });

        // A dedicated thread, because every SQLite call blocks (the COMMIT waits for fsync) and a pool
        // thread parked on disk I/O for the life of the store would starve the pool.
        var thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "Ledger SQLite writer",
        };
        thread.Start();
    }

    /// <summary>SQLite transactions committed by the writer since it started.</summary>
    public long TransactionCount => Interlocked.Read(ref transactionCount);

    /// <summary>Write requests (batches and checkpoints) settled by those transactions.</summary>
    public long RequestCount => Interlocked.Read(ref requestCount);

    /// <summary>
    /// Database pages the writer connection has written to the WAL (SQLite's SQLITE_DBSTATUS_CACHE_WRITE).
    /// Divided by the postings committed it is the store's write amplification.
    /// </summary>
    public long PagesWritten => Interlocked.Read(ref pagesWritten);

    /// <summary>Write requests waiting for the writer right now.</summary>
    public int QueuedRequestCount => queue.Reader.Count;

    /// <summary>Most write requests that may wait; callers beyond it wait to enqueue.</summary>
    public int QueueCapacity => queueCapacity;

    public async Task EnqueueAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await queue.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException exception)
        {
            throw new ObjectDisposedException(nameof(SqliteLedgerStore), exception);
        }
    }

    /// <summary>Refuses new requests, lets the writer finish every queued one, and waits for it to close.</summary>
    public Task StopAsync()
    {
        queue.Writer.TryComplete();
        return stopped.Task;
    }

    private void Run()
    {
        _ = WriterThreadPriority.TryRaiseCurrentThread();
        var group = new List<WriteRequest>(Math.Min(maxGroupSize, 64));
        try
        {
            while (WaitForRequests())
            {
                while (group.Count < maxGroupSize && queue.Reader.TryRead(out var request))
                {
                    group.Add(request);
                }

                if (group.Count > 0)
                {
                    CommitGroup(group);
                    group.Clear();
                }
            }
        }
        catch (Exception exception)
        {
            // Only a defect gets here. Refuse further requests and fail every waiting one rather than
            // leaving callers awaiting a writer that is gone.
            var failure = new StoreUnavailableException("The SQLite writer stopped unexpectedly.", exception);
            queue.Writer.TryComplete(failure);
            foreach (var request in group)
            {
                request.Fail(failure);
            }

            while (queue.Reader.TryRead(out var request))
            {
                request.Fail(failure);
            }
        }
        finally
        {
            statements.Dispose();
            checkpointer.Dispose();
            connection.Dispose();
            stopped.TrySetResult();
        }
    }

    /// <summary>Blocks the writer thread until a request is queued; false once the queue is closed and empty.</summary>
    private bool WaitForRequests()
    {
        var waiting = queue.Reader.WaitToReadAsync();
        return waiting.IsCompletedSuccessfully ? waiting.Result : waiting.AsTask().GetAwaiter().GetResult();
    }

    private void CommitGroup(List<WriteRequest> group)
    {
        var outcomes = new RequestOutcome[group.Count];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                ApplyGroup(group, outcomes);
                break;
            }
            catch (TransactionLostException lost)
            {
                // The request whose statement ended the transaction is answered now: nothing of it can
                // have committed. The others were undone with it and go again in a new transaction.
                group[lost.Position].Fail(lost.Failure);
                group.RemoveAt(lost.Position);
                if (group.Count == 0)
                {
                    return;
                }
            }
            catch (SqliteException exception) when (SqliteErrors.IsBusy(exception) && attempt < maxBusyRetries)
            {
                RollBackIfInTransaction();
                Thread.Sleep(SqliteErrors.Backoff(attempt));
            }
            catch (Exception exception)
            {
                RollBackIfInTransaction();
                var failure = new StoreUnavailableException(
                    exception is SqliteException busy && SqliteErrors.IsBusy(busy)
                        ? $"The SQLite database stayed locked through {maxBusyRetries + 1} attempts."
                        : "The SQLite store could not commit.",
                    exception);
                foreach (var request in group)
                {
                    request.Fail(failure);
                }

                return;
            }
        }

        LedgerMetrics.StoreCommitDuration.Record(LedgerMetrics.SecondsSince(started));
        LedgerMetrics.StoreCommitGroupSize.Record(group.Count);
        checkpointer.NotifyWalGrew();
        CountPagesWritten();
        Interlocked.Increment(ref transactionCount);
        Interlocked.Add(ref requestCount, group.Count);
        for (var position = 0; position < group.Count; position++)
        {
            outcomes[position].Settle(group[position]);
        }
    }

    /// <summary>
    /// One physical transaction for the whole group. Each request runs inside a savepoint, so a request
    /// that fails a precondition (or hits a non-transient error) is undone alone while the others commit.
    /// </summary>
    private void ApplyGroup(List<WriteRequest> group, RequestOutcome[] outcomes)
    {
        statements.Begin();

        // Read under the write lock, not cached: this keeps ETags and the feed order unique even if
        // another process ever writes the same file.
        var sequenceNumber = statements.SelectLastSequenceNumber();
        var committedAt = new DateTimeOffset(timeProvider.GetUtcNow().UtcTicks, TimeSpan.Zero);
        for (var position = 0; position < group.Count; position++)
        {
            var request = group[position];
            if (request.CancellationToken.IsCancellationRequested)
            {
                outcomes[position] = RequestOutcome.Canceled;
                continue;
            }

            if (request is ProbeWriteRequest)
            {
                // Reaching this point inside the transaction is all a probe asks.
                outcomes[position] = RequestOutcome.Completed(null, isUndone: false);
                continue;
            }

            var sequenceNumberBefore = sequenceNumber;

            // A request of one create is one statement, atomic by itself: it needs no savepoint, which
            // saves two statements for every idempotency claim and every single-document write.
            if (request is BatchWriteRequest { Writes.Count: 1 } single && single.Writes[0].Kind == WriteKind.Create)
            {
                try
                {
                    outcomes[position] = ApplyBatch(single, committedAt, ref sequenceNumber);
                }
                catch (SqliteException exception) when (!SqliteErrors.IsBusy(exception))
                {
                    outcomes[position] = FailedWithinTransaction(position, exception);
                }

                if (outcomes[position].IsUndone)
                {
                    sequenceNumber = sequenceNumberBefore;
                }

                continue;
            }

            statements.Savepoint();
            try
            {
                outcomes[position] = request switch
                {
                    BatchWriteRequest batch => ApplyBatch(batch, committedAt, ref sequenceNumber),
                    MultiPartitionWriteRequest batches => ApplyAcrossPartitions(batches, committedAt, ref sequenceNumber),
                    CheckpointWriteRequest checkpoint => ApplyCheckpoint(checkpoint),
                    _ => throw new InvalidOperationException($"Unknown write request {request.GetType().Name}."),
                };
            }
            catch (SqliteException exception) when (!SqliteErrors.IsBusy(exception))
            {
                outcomes[position] = FailedWithinTransaction(position, exception);
            }

            if (outcomes[position].IsUndone)
            {
                statements.RollbackToSavepoint();
                sequenceNumber = sequenceNumberBefore;
            }

            statements.ReleaseSavepoint();
        }

        statements.Commit();
    }

    /// <summary>
    /// The outcome of a request whose statement failed. Some failures (an I/O error, a full disk, a
    /// RAISE(ROLLBACK)) make SQLite roll the whole transaction back, savepoints and all: the requests
    /// applied before it are gone, and the ones after it would run in autocommit, each committing on
    /// its own while the group is answered as one. Such a failure ends the attempt instead.
    /// </summary>
    private RequestOutcome FailedWithinTransaction(int position, SqliteException exception)
    {
        var failure = new StoreUnavailableException("The SQLite store could not apply the write.", exception);
        if (!SqliteDatabase.IsInTransaction(connection))
        {
            throw new TransactionLostException(position, failure);
        }

        return RequestOutcome.Failed(failure);
    }

    private RequestOutcome ApplyBatch(BatchWriteRequest request, DateTimeOffset committedAt, ref long sequenceNumber)
    {
        var result = ApplyPartition(request.Partition, request.Writes, committedAt, ref sequenceNumber);
        return RequestOutcome.Completed(result, isUndone: !result.IsCommitted);
    }

    /// <summary>
    /// Applies every partition's writes in order inside the request's one savepoint; the first failing
    /// write undoes them all, so the partitions commit together or not at all.
    /// </summary>
    private RequestOutcome ApplyAcrossPartitions(MultiPartitionWriteRequest request, DateTimeOffset committedAt, ref long sequenceNumber)
    {
        var results = new BatchResult[request.Batches.Count];
        for (var batchIndex = 0; batchIndex < results.Length; batchIndex++)
        {
            var batch = request.Batches[batchIndex];
            var result = ApplyPartition(batch.Partition, batch.Writes, committedAt, ref sequenceNumber);
            if (!result.IsCommitted)
            {
                return RequestOutcome.Completed(MultiPartitionCommitResult.Failure(result.Outcome, batchIndex, result.FailedWriteIndex), isUndone: true);
            }

            results[batchIndex] = result;
        }

        return RequestOutcome.Completed(MultiPartitionCommitResult.Success(results, committedAt), isUndone: false);
    }

    /// <summary>One partition's writes in order: their ETags, or the first write's failed precondition.</summary>
    private BatchResult ApplyPartition(string partition, IReadOnlyList<PendingWrite> writes, DateTimeOffset committedAt, ref long sequenceNumber)
    {
        var etags = new string[writes.Count];
        for (var writeIndex = 0; writeIndex < writes.Count; writeIndex++)
        {
            var outcome = ApplyWrite(partition, writes[writeIndex], committedAt, ref sequenceNumber);
            if (outcome.Failure is { } failure)
            {
                return BatchResult.Failure(failure, writeIndex);
            }

            etags[writeIndex] = outcome.ETag;
        }

        return BatchResult.Success(etags, committedAt);
    }

    /// <summary>Applies one write: its new ETag ("" for a delete), or the precondition it failed.</summary>
    private WriteOutcome ApplyWrite(string partition, PendingWrite write, DateTimeOffset committedAt, ref long sequenceNumber)
    {
        if (write.Kind == WriteKind.Create)
        {
            // The insert itself is the must-not-exist check: it writes nothing when the id exists.
            var createdSequenceNumber = checked(sequenceNumber + 1);
            if (!statements.InsertDocument(partition, write, createdSequenceNumber, committedAt.UtcTicks))
            {
                return new WriteOutcome(string.Empty, BatchOutcome.Conflict);
            }

            sequenceNumber = createdSequenceNumber;
            return new WriteOutcome(FeedContinuation.Format(sequenceNumber), null);
        }

        var current = statements.SelectCurrent(partition, write.Id);
        if (SqlitePreconditionChecks.Check(write.Kind, write.IfMatchETag, current?.ETag) is { } failure)
        {
            return new WriteOutcome(string.Empty, failure);
        }

        if (write.Kind == WriteKind.Delete)
        {
            // The document's rows in the change log now name a version that no longer exists; the feed skips
            // them (a later document may take its rowid, but never the LSN a row names).
            statements.DeleteDocument(current ?? throw new InvalidOperationException($"Delete of '{write.Id}' passed its precondition on a missing document."));
            return new WriteOutcome(string.Empty, null);
        }

        sequenceNumber = checked(sequenceNumber + 1);
        if (current is { } existing)
        {
            statements.UpdateDocument(write, existing, sequenceNumber, committedAt.UtcTicks);
        }
        else
        {
            statements.InsertMissingDocument(partition, write, sequenceNumber, committedAt.UtcTicks);
        }

        return new WriteOutcome(FeedContinuation.Format(sequenceNumber), null);
    }

    private RequestOutcome ApplyCheckpoint(CheckpointWriteRequest request)
    {
        statements.UpsertCheckpoint(request.ConsumerName, request.Continuation);
        return RequestOutcome.Completed(null, isUndone: false);
    }

    /// <summary>Adds the pages written since the last call, resetting SQLite's counter.</summary>
    private void CountPagesWritten()
    {
        _ = SQLitePCL.raw.sqlite3_db_status(connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        Interlocked.Add(ref pagesWritten, written);
    }

    private void RollBackIfInTransaction()
    {
        try
        {
            if (SqliteDatabase.IsInTransaction(connection))
            {
                statements.Rollback();
            }
        }
        catch (SqliteException)
        {
            // SQLite already rolled back on its own (as it does after some I/O errors); nothing is left
            // to undo, and the original error is what the callers need to see.
        }
    }

    /// <summary>A request's statement failed and took the group's transaction with it.</summary>
    private sealed class TransactionLostException(int position, StoreUnavailableException failure)
        : Exception("A write request's failure rolled back its group transaction.", failure)
    {
        public int Position { get; } = position;

        public StoreUnavailableException Failure { get; } = failure;
    }

    /// <summary>One write's result inside its batch: the new ETag, or the precondition it failed.</summary>
    private readonly record struct WriteOutcome(string ETag, BatchOutcome? Failure);

    /// <summary>What happened to one request inside a group transaction, delivered after COMMIT.</summary>
    private readonly record struct RequestOutcome(object? Result, Exception? Failure, bool IsCanceled, bool FailedPrecondition)
    {
        public static readonly RequestOutcome Canceled = new(null, null, true, false);

        /// <summary>True when the request's changes must be rolled back to its savepoint.</summary>
        public bool IsUndone => Failure is not null || FailedPrecondition;

        /// <summary>A result to answer with; <paramref name="isUndone"/> when it reports a failed precondition.</summary>
        public static RequestOutcome Completed(object? result, bool isUndone) => new(result, null, false, isUndone);

        public static RequestOutcome Failed(Exception failure) => new(null, failure, false, false);

        public void Settle(WriteRequest request)
        {
            if (IsCanceled)
            {
                request.Cancel();
            }
            else if (Failure is not null)
            {
                request.Fail(Failure);
            }
            else
            {
                request.Succeed(Result);
            }
        }
    }
}
