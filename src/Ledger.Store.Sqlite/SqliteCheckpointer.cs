using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ledger.Store.Sqlite;

/// <summary>
/// Copies committed WAL frames back into the database file on its own thread and connection. A
/// checkpoint reads the WAL, writes the database file and syncs both; run inline, as SQLite's automatic
/// checkpoint is, all of that stalls the writer thread and every commit queued behind it. Here the
/// writer only signals that the WAL grew; this thread checkpoints at most once per interval, so pages
/// written many times within an interval are copied once. PASSIVE mode never blocks the writer or a
/// reader; frames a reader still needs are copied next time. The writer keeps SQLite's own automatic
/// checkpoint at a moderate WAL length: by then little is left to copy, and a checkpoint run by the writer
/// is the only one after which the WAL can restart from its beginning instead of growing.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly TimeSpan interval;
    private readonly SemaphoreSlim walGrew = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Thread thread;
    private long checkpointCount;
    private int disposed;

    public SqliteCheckpointer(SqliteConnection connection, TimeSpan interval)
    {
        this.connection = connection;
        this.interval = interval;
        thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "Ledger SQLite checkpointer",
        };
        thread.Start();
    }

    /// <summary>Checkpoints run since the store opened.</summary>
    public long CheckpointCount => Interlocked.Read(ref checkpointCount);

    /// <summary>Tells the checkpointer that the WAL grew. Cheap, never blocks: the writer calls it after every commit.</summary>
    public void NotifyWalGrew()
    {
        if (walGrew.CurrentCount > 0)
        {
            return;
        }

        try
        {
            walGrew.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another commit woke it between the check and the release; one pending wake-up is enough.
        }
    }

    /// <summary>Stops the thread after the checkpoint in progress, if any, and closes its connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        stopping.Cancel();
        thread.Join();
        connection.Dispose();
        walGrew.Dispose();
        stopping.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            try
            {
                walGrew.Wait(stopping.Token);

                // Let the WAL collect an interval's worth of commits, so a hot page is copied once.
                if (stopping.Token.WaitHandle.WaitOne(interval))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // A failed checkpoint loses nothing: the frames stay in the WAL, readers keep finding them
            // there, and the next checkpoint (or the writer's far bound) copies them.
            _ = raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
            Interlocked.Increment(ref checkpointCount);
        }
    }
}
