using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ledger.Store.Sqlite;

/// <summary>Opens connections to the ledger file with the right settings and creates the schema.</summary>
internal static class SqliteDatabase
{
    public const string FileName = "ledger.db";

    /// <summary>Bumped whenever the schema changes; a file from a newer build is refused, not misread.</summary>
    /// <remarks>
    /// Version 2 narrows the index-key index to documents that have an index key: idempotency claims and
    /// entries have none, and keeping them out saves a b-tree insert (a dirty page) on every posting. A
    /// version 1 file is upgraded in place when it is opened: the old index is dropped, the new one built.
    /// </remarks>
    private const int SchemaVersion = 2;

    /// <summary>The writer connection's page cache, in KiB (SQLite reads a negative cache_size as KiB).</summary>
    private const int WriterCacheKibibytes = 32 * 1024;

    /// <summary>The size a restarted WAL file is truncated back to.</summary>
    private const long WalSizeLimitBytes = 64L * 1024 * 1024;

    private const string CreateSchemaSql = """
        CREATE TABLE IF NOT EXISTS documents (
            partition    TEXT    NOT NULL,
            id           TEXT    NOT NULL,
            type         TEXT    NOT NULL,
            sort_key     INTEGER,
            index_key    TEXT,
            etag         TEXT    NOT NULL,
            lsn          INTEGER NOT NULL,
            committed_at INTEGER NOT NULL,
            body         BLOB    NOT NULL,
            PRIMARY KEY (partition, id)
        );
        CREATE INDEX IF NOT EXISTS documents_by_partition_type_sort_key ON documents (partition, type, sort_key, id);
        DROP INDEX IF EXISTS documents_by_type_index_key;
        CREATE INDEX IF NOT EXISTS documents_by_index_key ON documents (type, index_key, partition, id) WHERE index_key IS NOT NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS documents_by_lsn ON documents (lsn);
        CREATE TABLE IF NOT EXISTS checkpoints (
            consumer     TEXT NOT NULL PRIMARY KEY,
            continuation TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS store_state (
            name  TEXT    NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO store_state (name, value) VALUES ('last_lsn', 0);
        UPDATE store_state SET value = MAX(value, (SELECT COALESCE(MAX(lsn), 0) FROM documents)) WHERE name = 'last_lsn';
        """;

    static SqliteDatabase()
    {
        // Selects the bundled native SQLite library; once per process, before any connection opens.
        Batteries_V2.Init();
    }

    /// <summary>
    /// Opens the one writer connection, switches the file to WAL with full durability, and creates or
    /// checks the schema.
    /// </summary>
    public static SqliteConnection OpenWriter(string databasePath, SqliteLedgerStoreOptions options)
    {
        var connection = Open(databasePath, SqliteOpenMode.ReadWriteCreate, options);
        try
        {
            var journalMode = ExecuteScalar(connection, "PRAGMA journal_mode = WAL;") as string;
            if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for '{databasePath}' (journal mode is '{journalMode}').");
            }

            // FULL syncs the WAL on every commit: an acknowledged commit survives power loss and kill -9.
            Execute(connection, "PRAGMA synchronous = FULL;");

            // Checkpoints run on their own thread (SqliteCheckpointer); the writer checkpoints the short tail
            // they leave at this length, so the WAL restarts. A restarted WAL file is cut back to the size
            // limit instead of keeping its high-water mark on disk.
            Execute(connection, $"PRAGMA wal_autocheckpoint = {options.WalPagesBeforeWriterCheckpoints};");
            Execute(connection, $"PRAGMA journal_size_limit = {WalSizeLimitBytes};");

            // A group transaction touches many index pages; with SQLite's 2 MB default cache they spill
            // to the WAL before COMMIT, which roughly halves write throughput. The cache is bounded.
            Execute(connection, $"PRAGMA cache_size = -{WriterCacheKibibytes};");

            var fileVersion = Convert.ToInt64(ExecuteScalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (fileVersion > SchemaVersion)
            {
                throw new InvalidOperationException($"'{databasePath}' has schema version {fileVersion}; this build understands up to {SchemaVersion}.");
            }

            Execute(connection, "BEGIN IMMEDIATE;");
            Execute(connection, CreateSchemaSql);
            Execute(connection, $"PRAGMA user_version = {SchemaVersion};");
            Execute(connection, "COMMIT;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the background checkpointer's connection. FULL makes its checkpoints sync the WAL before
    /// copying and the database file after, so a copied frame is durable before the WAL may be reused.
    /// </summary>
    public static SqliteConnection OpenCheckpointer(string databasePath, SqliteLedgerStoreOptions options)
        => OpenWithPragma(databasePath, options, "PRAGMA synchronous = FULL;");

    /// <summary>Opens a read connection; it refuses writes so a bug cannot bypass the single writer.</summary>
    public static SqliteConnection OpenReader(string databasePath, SqliteLedgerStoreOptions options)
        => OpenWithPragma(databasePath, options, "PRAGMA query_only = ON;");

    private static SqliteConnection OpenWithPragma(string databasePath, SqliteLedgerStoreOptions options, string pragma)
    {
        var connection = Open(databasePath, SqliteOpenMode.ReadWrite, options);
        try
        {
            Execute(connection, pragma);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static bool IsInTransaction(SqliteConnection connection) => raw.sqlite3_get_autocommit(connection.Handle) == 0;

    private static SqliteConnection Open(string databasePath, SqliteOpenMode mode, SqliteLedgerStoreOptions options)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = mode,
            Cache = SqliteCacheMode.Private,

            // The store owns its connections for its whole life; pooling would only keep files open
            // after disposal.
            Pooling = false,

            // Microsoft.Data.Sqlite retries a busy statement until this many seconds have passed, on top
            // of SQLite's own busy timeout, so it must stay as short as the busy timeout allows.
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString();

        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();

            // SQLite's own busy handler: the bundled library is built with usleep, so it retries a lock
            // after 1, 2, 5, 10... milliseconds rather than whole seconds.
            Execute(connection, $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? ExecuteScalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
