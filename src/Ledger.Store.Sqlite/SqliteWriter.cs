using Ledger.Storage.Continuations;
using System.Threading.Channels;
using Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// The single writer. Requests arrive on a bounded channel; one dedicated thread drains whatever is
/// queued (up to a bound), applies every request in one transaction (each checks all its preconditions
/// before it writes, so a refused request leaves nothing to undo), commits once and only then settles
/// every request. Many requests therefore share one fsync (group commit),
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
    /// One physical transaction for the whole group, without savepoints. A request checks every one of its
    /// preconditions before it writes anything (its writes name distinct documents, so none depends on
    /// another's), so a request refused by one leaves nothing to undo and the others commit with the group.
    /// A savepoint per request cost two statements and a copy of every page it touched into the statement
    /// journal. A statement that fails after its request began writing ends the attempt instead: the
    /// transaction is rolled back and the group goes again without that request.
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

            outcomes[position] = request switch
            {
                // Reaching this point inside the transaction is all a probe asks.
                ProbeWriteRequest => RequestOutcome.Completed(null),
                BatchWriteRequest single => ApplyBatches(position, [single.Batch], answersOneBatch: true, committedAt, ref sequenceNumber),
                MultiPartitionWriteRequest batches => ApplyBatches(position, batches.Batches, answersOneBatch: false, committedAt, ref sequenceNumber),
                CheckpointWriteRequest checkpoint => ApplyCheckpoint(position, checkpoint),
                _ => throw new InvalidOperationException($"Unknown write request {request.GetType().Name}."),
            };
        }

        statements.Commit();
    }

    /// <summary>
    /// The outcome of a request whose statement failed before it wrote anything (or whose one statement
    /// failed, which SQLite undoes by itself). Some failures (an I/O error, a full disk, a RAISE(ROLLBACK))
    /// make SQLite roll the whole transaction back: the requests applied before it are gone, and the ones
    /// after it would run in autocommit, each committing on its own while the group is answered as one.
    /// Such a failure ends the attempt instead.
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

    /// <summary>
    /// One request's partition batches, all or nothing: every precondition first, then every write. A
    /// single batch is answered with its <see cref="BatchResult"/>, several with their
    /// <see cref="MultiPartitionCommitResult"/>.
    /// </summary>
    private RequestOutcome ApplyBatches(int position, IReadOnlyList<PendingBatch> batches, bool answersOneBatch, DateTimeOffset committedAt, ref long sequenceNumber)
    {
        var found = new CurrentDocument?[batches.Count][];
        try
        {
            for (var batchIndex = 0; batchIndex < batches.Count; batchIndex++)
            {
                found[batchIndex] = new CurrentDocument?[batches[batchIndex].Writes.Count];
                if (FirstFailedPrecondition(batches[batchIndex], found[batchIndex]) is { } failed)
                {
                    object refusal = answersOneBatch
                        ? BatchResult.Failure(failed.Outcome, failed.WriteIndex)
                        : MultiPartitionCommitResult.Failure(failed.Outcome, batchIndex, failed.WriteIndex);
                    return RequestOutcome.Completed(refusal);
                }
            }
        }
        catch (SqliteException exception) when (!SqliteErrors.IsBusy(exception))
        {
            return FailedWithinTransaction(position, exception);
        }

        try
        {
            var results = new BatchResult[batches.Count];
            for (var batchIndex = 0; batchIndex < batches.Count; batchIndex++)
            {
                results[batchIndex] = BatchResult.Success(WriteBatch(batches[batchIndex], found[batchIndex], committedAt, ref sequenceNumber), committedAt);
            }

            return RequestOutcome.Completed(answersOneBatch ? results[0] : MultiPartitionCommitResult.Success(results, committedAt));
        }
        catch (SqliteException exception) when (!SqliteErrors.IsBusy(exception))
        {
            // Part of the request may be written, and there is no savepoint to undo just that part.
            RollBackIfInTransaction();
            throw new TransactionLostException(position, new StoreUnavailableException("The SQLite store could not apply the write.", exception));
        }
    }

    /// <summary>
    /// The first write of the batch whose precondition fails, or null when all hold; fills
    /// <paramref name="found"/> with the document each replace, upsert or delete finds (a create only
    /// asks whether its id is taken).
    /// </summary>
    private (BatchOutcome Outcome, int WriteIndex)? FirstFailedPrecondition(PendingBatch batch, CurrentDocument?[] found)
    {
        for (var writeIndex = 0; writeIndex < batch.Writes.Count; writeIndex++)
        {
            var write = batch.Writes[writeIndex];
            BatchOutcome? failure;
            if (write.Kind == WriteKind.Create)
            {
                failure = statements.DocumentExists(batch.Partition, write.Id) ? BatchOutcome.Conflict : null;
            }
            else
            {
                found[writeIndex] = statements.SelectCurrent(batch.Partition, write.Id);
                failure = SqlitePreconditionChecks.Check(write.Kind, write.IfMatchETag, found[writeIndex]?.ETag);
            }

            if (failure is { } outcome)
            {
                return (outcome, writeIndex);
            }
        }

        return null;
    }

    /// <summary>Writes a batch whose preconditions all held: each write's new ETag ("" for a delete).</summary>
    private string[] WriteBatch(PendingBatch batch, CurrentDocument?[] found, DateTimeOffset committedAt, ref long sequenceNumber)
    {
        var etags = new string[batch.Writes.Count];
        for (var writeIndex = 0; writeIndex < etags.Length; writeIndex++)
        {
            var write = batch.Writes[writeIndex];
            if (write.Kind == WriteKind.Delete)
            {
                // The document's rows in the change log now name a version that no longer exists; the feed skips
                // them (a later document may take its rowid, but never the LSN a row names).
                statements.DeleteDocument(found[writeIndex] ?? throw new InvalidOperationException($"Delete of '{write.Id}' passed its precondition on a missing document."));
                etags[writeIndex] = string.Empty;
                continue;
            }

            sequenceNumber = checked(sequenceNumber + 1);
            if (found[writeIndex] is { } existing)
            {
                statements.UpdateDocument(write, existing, sequenceNumber, committedAt.UtcTicks);
            }
            else
            {
                statements.InsertMissingDocument(batch.Partition, write, sequenceNumber, committedAt.UtcTicks);
            }

            etags[writeIndex] = FeedContinuation.Format(sequenceNumber);
        }

        return etags;
    }

    /// <summary>One statement, which SQLite applies whole or not at all.</summary>
    private RequestOutcome ApplyCheckpoint(int position, CheckpointWriteRequest request)
    {
        try
        {
            statements.UpsertCheckpoint(request.ConsumerName, request.Continuation);
            return RequestOutcome.Completed(null);
        }
        catch (SqliteException exception) when (!SqliteErrors.IsBusy(exception))
        {
            return FailedWithinTransaction(position, exception);
        }
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
    private readonly record struct RequestOutcome(object? Result, Exception? Failure, bool IsCanceled)
    {
        public static readonly RequestOutcome Canceled = new(null, null, true);

        /// <summary>A result to answer with: a committed one, or one reporting a failed precondition (which wrote nothing).</summary>
        public static RequestOutcome Completed(object? result) => new(result, null, false);

        public static RequestOutcome Failed(Exception failure) => new(null, failure, false);

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
