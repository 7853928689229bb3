using Ledger.Storage.Continuations;
using System.Threading.Channels;
using Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// The embedded store: one SQLite file (<c>ledger.db</c>) in WAL mode with <c>synchronous=FULL</c>, so
/// an acknowledged commit survives a crash or power loss. All writes go through one writer thread that
/// group-commits queued batches; reads use a small pool of separate connections, which WAL lets run
/// beside the writer.
/// </summary>
public sealed class SqliteLedgerStore : ILedgerStore, IAtomicMultiPartitionStore
{
    public const string DatabaseFileName = SqliteDatabase.FileName;

    private readonly DataDirectoryLock directoryLock;
    private readonly SqliteWriter writer;
    private readonly SqliteCheckpointer checkpointer;
    private readonly Channel<SqliteReadConnection> idleReaders;
    private readonly int readConnectionCount;
    private readonly int maxBusyRetries;
    private int disposed;

    public SqliteLedgerStore(SqliteLedgerStoreOptions options)
        : this(options, TimeProvider.System)
    {
    }

    /// <summary>
    /// Opens (creating if needed) the ledger file in <see cref="SqliteLedgerStoreOptions.DataDirectory"/>;
    /// throws <see cref="DataDirectoryInUseException"/> while another store has that directory open.
    /// </summary>
    /// <param name="options">Where the file lives and the writer's bounds.</param>
    /// <param name="timeProvider">The clock that stamps <see cref="BatchResult.CommittedAt"/>.</param>
    public SqliteLedgerStore(SqliteLedgerStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        Directory.CreateDirectory(options.DataDirectory);
        DatabasePath = Path.GetFullPath(Path.Combine(options.DataDirectory, DatabaseFileName));
        readConnectionCount = options.ReadConnections;
        maxBusyRetries = options.MaxBusyRetries;
        idleReaders = Channel.CreateBounded<SqliteReadConnection>(readConnectionCount);

        directoryLock = DataDirectoryLock.Acquire(options.DataDirectory);
        SqliteConnection? writerConnection = null;
        SqliteCheckpointer? checkpointer = null;
        try
        {
            writerConnection = SqliteDatabase.OpenWriter(DatabasePath, options, out var keys);
            checkpointer = new SqliteCheckpointer(SqliteDatabase.OpenCheckpointer(DatabasePath, options), options.CheckpointInterval);
            for (var opened = 0; opened < readConnectionCount; opened++)
            {
                idleReaders.Writer.TryWrite(new SqliteReadConnection(SqliteDatabase.OpenReader(DatabasePath, options), keys));
            }

            writer = new SqliteWriter(writerConnection, keys, checkpointer, options, timeProvider);
            this.checkpointer = checkpointer;
        }
        catch
        {
            checkpointer?.Dispose();
            writerConnection?.Dispose();
            while (idleReaders.Reader.TryRead(out var reader))
            {
                reader.Dispose();
            }

            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>The full path of the ledger file.</summary>
    public string DatabasePath { get; }

    /// <summary>Physical SQLite transactions committed by the writer; each one is one fsync.</summary>
    public long WriteTransactionCount => writer.TransactionCount;

    /// <summary>Write requests (batches and checkpoints) settled by those transactions. The ratio of
    /// the two counters shows how well group commit coalesces.</summary>
    public long WriteRequestCount => writer.RequestCount;

    /// <summary>Database pages (4 KiB each) the writer has written to the WAL; their count per
    /// committed request is the store's write amplification.</summary>
    public long WalPagesWritten => writer.PagesWritten;

    /// <summary>Checkpoints the background checkpointer has run; it copies the WAL into the database file.</summary>
    public long BackgroundCheckpointCount => checkpointer.CheckpointCount;

    /// <summary>Write requests waiting for the writer right now.</summary>
    public int QueuedWriteRequestCount => writer.QueuedRequestCount;

    /// <summary>Most write requests that may wait for the writer (<see cref="SqliteLedgerStoreOptions.WriteQueueCapacity"/>).</summary>
    public int WriteQueueCapacity => writer.QueueCapacity;

    /// <summary>
    /// Completes once the writer has taken the write lock for a transaction that includes this probe,
    /// which writes nothing. While another connection or process holds the lock it does not complete;
    /// the caller bounds the wait with <paramref name="cancellationToken"/>.
    /// </summary>
    public async Task ProbeWriterAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var probe = new ProbeWriteRequest(cancellationToken);
        await writer.EnqueueAsync(probe, cancellationToken).ConfigureAwait(false);
        await probe.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues the batch for the writer and waits until its group transaction has committed (or the
    /// batch failed a precondition). Cancellation before the writer starts on the batch guarantees it
    /// is not applied; cancellation later stops the wait but the batch may still commit, exactly like a
    /// timed-out request to Cosmos DB, so callers resolve it the same way (read back or retry with the
    /// same preconditions).
    /// </summary>
    public async ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfDisposed();
        var request = new BatchWriteRequest(batch, cancellationToken);
        await writer.EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        return await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every batch of a multi-partition commit is one request of a group transaction: one fsync, all or none.</summary>
    public bool CommitsAcrossPartitions => true;

    /// <summary>
    /// Commits several partitions' batches in one transaction, all or none, with the same cancellation
    /// guarantees as <see cref="CommitAsync"/>.
    /// </summary>
    public async ValueTask<MultiPartitionCommitResult> CommitAtomicallyAsync(IReadOnlyList<PartitionBatch> batches, CancellationToken cancellationToken)
    {
        MultiPartitionCommit.Validate(batches);
        ThrowIfDisposed();
        var request = new MultiPartitionWriteRequest(batches, cancellationToken);
        await writer.EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        return await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPartition(partition);
        StoreLimits.RequireValidId(id, nameof(id));
        return ReadWithConnectionAsync((partition, id), static (connection, key) => connection.Read(key.partition, key.id), cancellationToken);
    }

    public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadWithConnectionAsync(query, static (connection, range) => connection.ReadRange(range), cancellationToken);
    }

    public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Continuation is not null)
        {
            // Decoded here as well, so a bad continuation fails fast without taking a connection.
            IndexContinuation.Decode(query.Continuation);
        }

        return ReadWithConnectionAsync(query, static (connection, index) => connection.QueryIndex(index), cancellationToken);
    }

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPageSize(maxItems);
        var afterSequenceNumber = FeedContinuation.Parse(continuation);
        return ReadWithConnectionAsync(
            (afterSequenceNumber, maxItems),
            static (connection, page) => connection.ReadChanges(page.afterSequenceNumber, page.maxItems),
            cancellationToken);
    }

    /// <summary>
    /// Filters in SQL: the other changes' bodies are never read, and once the page comes up short of
    /// <paramref name="maxItems"/> (it reached the head) the continuation moves to the head.
    /// </summary>
    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, IReadOnlySet<string> documentTypes, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPageSize(maxItems);
        ArgumentNullException.ThrowIfNull(documentTypes);
        if (documentTypes.Count is < 1 or > SqliteReadConnection.MaxFilteredTypes)
        {
            throw new ArgumentOutOfRangeException(nameof(documentTypes), documentTypes.Count, $"Must name 1 to {SqliteReadConnection.MaxFilteredTypes} types.");
        }

        var afterSequenceNumber = FeedContinuation.Parse(continuation);
        return ReadWithConnectionAsync(
            (afterSequenceNumber, maxItems, documentTypes),
            static (connection, page) => connection.ReadChanges(page.afterSequenceNumber, page.maxItems, page.documentTypes),
            cancellationToken);
    }

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken)
    {
        var afterSequenceNumber = FeedContinuation.Parse(continuation);
        return ReadWithConnectionAsync(afterSequenceNumber, static (connection, after) => connection.EstimateLag(after), cancellationToken);
    }

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidId(consumerName, nameof(consumerName));
        return ReadWithConnectionAsync(consumerName, static (connection, consumer) => connection.ReadCheckpoint(consumer), cancellationToken);
    }

    public async ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidId(consumerName, nameof(consumerName));
        RequireValidCheckpoint(continuation);
        ThrowIfDisposed();
        var request = new CheckpointWriteRequest(consumerName, continuation, cancellationToken);
        await writer.EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lets the writer commit everything already queued, then closes every connection. Requests made
    /// after this starts fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await writer.StopAsync().ConfigureAwait(false);

        // Collect every read connection, waiting for reads in flight to hand theirs back, then close
        // the pool so that any read still waiting for a connection fails instead of hanging.
        for (var closed = 0; closed < readConnectionCount; closed++)
        {
            var reader = await idleReaders.Reader.ReadAsync().ConfigureAwait(false);
            reader.Dispose();
        }

        idleReaders.Writer.TryComplete();

        // Last: the directory is free for another store only once every connection to its file is closed.
        directoryLock.Dispose();
    }

    private static void RequireValidCheckpoint(string continuation)
    {
        ArgumentException.ThrowIfNullOrEmpty(continuation);

        // A checkpoint is a continuation this store issued; those are short, so a long one is a bug.
        const int maxCheckpointLength = 16 * 1024;
        if (continuation.Length > maxCheckpointLength)
        {
            throw new ArgumentException($"A checkpoint is at most {maxCheckpointLength} characters.", nameof(continuation));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);

    /// <summary>
    /// Runs one read on a pooled connection, retrying a bounded number of times while the file is
    /// locked (WAL readers rarely are: only while SQLite recovers or resets the WAL).
    /// </summary>
    private async ValueTask<TResult> ReadWithConnectionAsync<TState, TResult>(
        TState state,
        Func<SqliteReadConnection, TState, TResult> read,
        CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        SqliteReadConnection connection;
        try
        {
            connection = await idleReaders.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException exception)
        {
            throw new ObjectDisposedException(nameof(SqliteLedgerStore), exception);
        }

        try
        {
            for (var attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    return read(connection, state);
                }
                catch (SqliteException exception) when (SqliteErrors.IsBusy(exception) && attempt < maxBusyRetries)
                {
                    await Task.Delay(SqliteErrors.Backoff(attempt), cancellationToken).ConfigureAwait(false);
                }
                catch (SqliteException exception)
                {
                    throw new StoreUnavailableException("The SQLite store could not be read.", exception);
                }
            }
        }
        finally
        {
            idleReaders.Writer.TryWrite(connection);
        }
    }
}
