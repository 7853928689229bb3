using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ledger.Store.Sqlite;

/// <summary>Opens connections to the ledger file with the right settings and creates the schema.</summary>
internal static class SqliteDatabase
{
    public const string FileName = "ledger.db";

    /// <summary>Bumped whenever the schema changes; a file from a newer build is refused, not misread.</summary>
    /// <remarks>
    /// Version 3 cuts the pages a posting dirties (WAL pages per posting, measured with the tests'
    /// PostingLoad generator, are in the README). The sort-key index holds only documents with a sort key
    /// (entries, snapshots), so idempotency claims and accounts stay out of it. The change feed reads an
    /// append-only log, <c>changes</c>, keyed by LSN: every create and replace appends a row at its end,
    /// where a unique LSN index on the documents made each replace delete an entry in the middle of it; a
    /// logged version that is no longer its document's current one is skipped. The ETag is the LSN, no
    /// longer stored twice. Triggers append to the log inside the very statement that writes the document,
    /// so a single create stays one atomic statement. New rows still take the next rowid, so bodies append at the table's end, and a
    /// replace that keeps a document's keys rewrites only its row. Versions 1 and 2 are upgraded in place
    /// when the file is opened, in one transaction.
    /// </remarks>
    private const int SchemaVersion = 3;

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
            lsn          INTEGER NOT NULL,
            committed_at INTEGER NOT NULL,
            body         BLOB    NOT NULL,
            PRIMARY KEY (partition, id)
        );
        CREATE INDEX IF NOT EXISTS documents_by_sort_key ON documents (partition, type, sort_key, id) WHERE sort_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS documents_by_index_key ON documents (type, index_key, partition, id) WHERE index_key IS NOT NULL;
        CREATE TABLE IF NOT EXISTS changes (
            lsn       INTEGER PRIMARY KEY,
            partition TEXT NOT NULL,
            id        TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS checkpoints (
            consumer     TEXT NOT NULL PRIMARY KEY,
            continuation TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS documents_log_insert AFTER INSERT ON documents
        BEGIN
            INSERT INTO changes (lsn, partition, id) VALUES (NEW.lsn, NEW.partition, NEW.id);
        END;
        CREATE TRIGGER IF NOT EXISTS documents_log_update AFTER UPDATE OF lsn ON documents
        BEGIN
            INSERT INTO changes (lsn, partition, id) VALUES (NEW.lsn, NEW.partition, NEW.id);
        END;
        """;

    /// <summary>
    /// Moves a version 1 or 2 file to version 3 in place; <see cref="CreateSchemaSql"/> then builds the new
    /// indexes. The last LSN ever issued (store_state) is kept as a log row that names no document, so the
    /// sequence continues past a newest document that was deleted.
    /// </summary>
    private const string UpgradeToVersion3Sql = """
        CREATE TABLE IF NOT EXISTS store_state (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL);
        DROP INDEX IF EXISTS documents_by_lsn;
        DROP INDEX IF EXISTS documents_by_partition_type_sort_key;
        DROP INDEX IF EXISTS documents_by_type_index_key;
        ALTER TABLE documents DROP COLUMN etag;
        CREATE TABLE changes (
            lsn       INTEGER PRIMARY KEY,
            partition TEXT NOT NULL,
            id        TEXT NOT NULL
        );
        INSERT INTO changes (lsn, partition, id) SELECT lsn, partition, id FROM documents ORDER BY lsn;
        INSERT INTO changes (lsn, partition, id)
            SELECT value, '', '' FROM store_state
            WHERE name = 'last_lsn' AND value > (SELECT COALESCE(MAX(lsn), 0) FROM changes);
        DROP TABLE store_state;
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

            // Each request of a group runs in a savepoint, and SQLite keeps the pages a savepoint may have
            // to restore in a statement journal. In a temporary file (the default) that journal costs an
            // open, an unlink and a pwrite per touched page on every commit; it never has to outlive the
            // transaction, so it lives in memory, bounded by what one group touches.
            Execute(connection, "PRAGMA temp_store = MEMORY;");

            var fileVersion = Convert.ToInt64(ExecuteScalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (fileVersion > SchemaVersion)
            {
                throw new InvalidOperationException($"'{databasePath}' has schema version {fileVersion}; this build understands up to {SchemaVersion}.");
            }

            Execute(connection, "BEGIN IMMEDIATE;");
            if (HasTable(connection, "documents") && !HasTable(connection, "changes"))
            {
                Execute(connection, UpgradeToVersion3Sql);
            }

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

    private static bool HasTable(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name;";
        command.Parameters.AddWithValue("$name", name);
        return (long)command.ExecuteScalar()! == 1;
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
