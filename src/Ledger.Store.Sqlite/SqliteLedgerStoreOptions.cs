namespace Ledger.Store.Sqlite;

/// <summary>Where the SQLite store keeps its file and how hard it works. Every tunable has bounds.</summary>
public sealed record SqliteLedgerStoreOptions
{
    public const int MinGroupCommitBatches = 1;
    public const int MaxGroupCommitBatchesLimit = 4096;
    public const int MinWriteQueueCapacity = 1;
    public const int MaxWriteQueueCapacity = 65_536;
    public const int MinReadConnections = 1;
    public const int MaxReadConnections = 64;
    public const int MaxBusyRetriesLimit = 20;
    public static readonly TimeSpan MinBusyTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MinCheckpointInterval = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxCheckpointInterval = TimeSpan.FromSeconds(10);
    public const int MinWalPagesBeforeWriterCheckpoints = 1_000;
    public const int MaxWalPagesBeforeWriterCheckpointsLimit = 1_048_576;

    /// <summary>The directory that holds <c>ledger.db</c> and its WAL files; created if missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// Most write requests (batches and checkpoint writes) the writer folds into one SQLite transaction,
    /// that is, into one fsync. Larger groups raise throughput under load and the latency of the group.
    /// </summary>
    public int MaxGroupCommitBatches { get; init; } = 512;

    /// <summary>Write requests that may wait for the writer; callers beyond it wait to enqueue (back-pressure).</summary>
    public int WriteQueueCapacity { get; init; } = 4096;

    /// <summary>Read connections in the pool; WAL lets them read while the writer writes.</summary>
    public int ReadConnections { get; init; } = 4;

    /// <summary>How long one SQLite call waits for a lock held by another connection or process.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many more times an operation that still found the database busy is tried before
    /// <see cref="Ledger.Storage.StoreUnavailableException"/>.</summary>
    public int MaxBusyRetries { get; init; } = 3;

    /// <summary>
    /// How long the background checkpointer lets commits collect in the WAL before it copies them into
    /// the database file. Longer intervals copy a page written many times once, at the cost of a longer WAL.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The WAL's length, in pages, at which the writer itself checkpoints (SQLite's automatic checkpoint)
    /// so that the WAL can start over from its beginning. The background checkpointer has by then copied
    /// almost every frame, so the writer only copies the tail; but only the writer can restart the WAL,
    /// because under steady writes another connection never sees it fully copied. Without a restart the
    /// WAL grew to 200 MB in a 20 s run and every commit extended the file. 4,000 pages are about 16 MB.
    /// </summary>
    public int WalPagesBeforeWriterCheckpoints { get; init; } = 4_000;

    /// <summary>Throws when any option is outside its bounds, naming the option.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory, nameof(DataDirectory));
        RequireWithin(MaxGroupCommitBatches, MinGroupCommitBatches, MaxGroupCommitBatchesLimit, nameof(MaxGroupCommitBatches));
        RequireWithin(WriteQueueCapacity, MinWriteQueueCapacity, MaxWriteQueueCapacity, nameof(WriteQueueCapacity));
        RequireWithin(ReadConnections, MinReadConnections, MaxReadConnections, nameof(ReadConnections));
        RequireWithin(MaxBusyRetries, 0, MaxBusyRetriesLimit, nameof(MaxBusyRetries));
        RequireWithin(WalPagesBeforeWriterCheckpoints, MinWalPagesBeforeWriterCheckpoints, MaxWalPagesBeforeWriterCheckpointsLimit, nameof(WalPagesBeforeWriterCheckpoints));
        if (CheckpointInterval < MinCheckpointInterval || CheckpointInterval > MaxCheckpointInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), CheckpointInterval, $"Must be {MinCheckpointInterval} to {MaxCheckpointInterval}.");
        }

        if (BusyTimeout < MinBusyTimeout || BusyTimeout > MaxBusyTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, $"Must be {MinBusyTimeout} to {MaxBusyTimeout}.");
        }
    }

    private static void RequireWithin(int value, int minimum, int maximum, string optionName)
    {
        if (value < minimum || value > maximum)
        {
            throw new ArgumentOutOfRangeException(optionName, value, $"Must be {minimum} to {maximum}.");
        }
    }
}
