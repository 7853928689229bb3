using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ledger.Store.Sqlite;

/// <summary>Opens connections to the ledger file with the right settings and creates the schema.</summary>
internal static class SqliteDatabase
{
    public const string FileName = "ledger.db";

    /// <summary>Bumped whenever the schema changes; a file from a newer build is refused, not misread.</summary>
    /// <remarks>
    /// Version 3 cut the pages a posting dirties: the sort-key index holds only documents with a sort key
    /// (entries, snapshots), so idempotency claims and accounts stay out of it; the change feed reads an
    /// append-only log, <c>changes</c>, keyed by LSN, that triggers fill inside the very statement that
    /// writes a document; the ETag is the LSN. Version 4 indexes documents by integer keys instead of their
    /// text partition and id (<see cref="DocumentKeys"/>): a non-unique index on a 64-bit key replaces the
    /// primary key on the text pair, the sort-key index leads with the partition's 32-bit hash, and a log
    /// row names its document's rowid. Index entries shrink from about a hundred bytes to a few dozen, so
    /// a posting's writes dirty and split fewer pages. New rows still take the next rowid, so bodies append
    /// at the table's end, and a replace that keeps a document's keys rewrites only its row. Older files
    /// are upgraded in place when opened, in one transaction.
    /// </remarks>
    private const int SchemaVersion = 4;

    /// <summary>The writer connection's page cache, in KiB (SQLite reads a negative cache_size as KiB).</summary>
    private const int WriterCacheKibibytes = 32 * 1024;

    /// <summary>The size a restarted WAL file is truncated back to.</summary>
    private const long WalSizeLimitBytes = 64L * 1024 * 1024;

    /// <summary>The documents table's columns, as version 4 creates them and the upgrade to it copies them.</summary>
    private const string DocumentsColumnsSql = """

            key          INTEGER NOT NULL,
            part         INTEGER NOT NULL,
            partition    TEXT    NOT NULL,
            id           TEXT    NOT NULL,
            type         TEXT    NOT NULL,
            sort_key     INTEGER,
            index_key    TEXT,
            lsn          INTEGER NOT NULL,
            committed_at INTEGER NOT NULL,
            body         BLOB    NOT NULL

        """;

    /// <summary>
    /// The version 4 schema. The writer's insert is the must-not-exist check, because the key index is not
    /// unique: it inserts only when no row has the same key, partition and id.
    /// </summary>
    private const string CreateSchemaSql = $"""
        CREATE TABLE IF NOT EXISTS documents ({DocumentsColumnsSql});
        CREATE INDEX IF NOT EXISTS documents_by_key ON documents (key);
        CREATE INDEX IF NOT EXISTS documents_by_sort_key ON documents (part, type, sort_key, id) WHERE sort_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS documents_by_index_key ON documents (type, index_key, partition, id) WHERE index_key IS NOT NULL;
        CREATE TABLE IF NOT EXISTS changes (
            lsn      INTEGER PRIMARY KEY,
            document INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS checkpoints (
            consumer     TEXT NOT NULL PRIMARY KEY,
            continuation TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS documents_log_insert AFTER INSERT ON documents
        BEGIN
            INSERT INTO changes (lsn, document) VALUES (NEW.lsn, NEW.rowid);
        END;
        CREATE TRIGGER IF NOT EXISTS documents_log_update AFTER UPDATE OF lsn ON documents
        BEGIN
            INSERT INTO changes (lsn, document) VALUES (NEW.lsn, NEW.rowid);
        END;
        """;

    /// <summary>Holds the document-key seed; made before the schema, because upgrading to version 4 needs the seed.</summary>
    private const string CreateSettingsSql = """
        CREATE TABLE IF NOT EXISTS store_settings (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO store_settings (name, value) VALUES ($name, $value) ON CONFLICT (name) DO NOTHING;
        SELECT value FROM store_settings WHERE name = $name;
        """;

    /// <summary>
    /// Moves a version 3 file to version 4 in place, copying every document in rowid order with its keys
    /// (computed by the functions <see cref="RegisterKeyFunctions"/> adds) and pointing every log row at
    /// its document's new rowid; a row whose document is gone (or the row that only keeps the last LSN
    /// issued) names rowid 0, which no document has. <see cref="CreateSchemaSql"/> then builds the rest.
    /// </summary>
    private const string UpgradeToVersion4Sql = $"""
        CREATE TABLE documents_v4 ({DocumentsColumnsSql});
        INSERT INTO documents_v4 (key, part, partition, id, type, sort_key, index_key, lsn, committed_at, body)
            SELECT ledger_document_key(partition, id), ledger_partition_key(partition), partition, id, type, sort_key, index_key, lsn, committed_at, body
            FROM documents ORDER BY rowid;
        DROP TABLE documents;
        ALTER TABLE documents_v4 RENAME TO documents;
        CREATE INDEX documents_by_key ON documents (key);
        CREATE TABLE changes_v4 (
            lsn      INTEGER PRIMARY KEY,
            document INTEGER NOT NULL
        );
        INSERT INTO changes_v4 (lsn, document)
            SELECT c.lsn, COALESCE(
                (SELECT d.rowid FROM documents AS d
                 WHERE d.key = ledger_document_key(c.partition, c.id) AND d.partition = c.partition AND d.id = c.id),
                0)
            FROM changes AS c ORDER BY c.lsn;
        DROP TABLE changes;
        ALTER TABLE changes_v4 RENAME TO changes;
        """;

    /// <summary>
    /// Moves a version 1 or 2 file to version 3 in place; <see cref="UpgradeToVersion4Sql"/> then takes it
    /// on to version 4. The last LSN ever issued (store_state) is kept as a log row that names no document, so the
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
    /// checks the schema; <paramref name="keys"/> are the file's document keys.
    /// </summary>
    public static SqliteConnection OpenWriter(string databasePath, SqliteLedgerStoreOptions options, out DocumentKeys keys)
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

            // A statement that may fail part-way (an insert that fires the change-log trigger) keeps the pages it
            // may have to restore in a statement journal. In a temporary file (the default) that journal costs
            // an open, an unlink and a pwrite per touched page; it never has to outlive the transaction, so it
            // lives in memory, bounded by what one group touches.
            Execute(connection, "PRAGMA temp_store = MEMORY;");

            keys = CreateOrUpgradeSchema(connection, databasePath);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates the schema, or upgrades an older file to it, in one transaction; returns the file's document keys.</summary>
    private static DocumentKeys CreateOrUpgradeSchema(SqliteConnection connection, string databasePath)
    {
        var fileVersion = Convert.ToInt64(ExecuteScalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
        if (fileVersion > SchemaVersion)
        {
            throw new InvalidOperationException($"'{databasePath}' has schema version {fileVersion}; this build understands up to {SchemaVersion}.");
        }

        Execute(connection, "BEGIN IMMEDIATE;");
        var keys = ReadOrCreateKeySeed(connection);
        if (HasTable(connection, "documents"))
        {
            if (!HasTable(connection, "changes"))
            {
                Execute(connection, UpgradeToVersion3Sql);
            }

            if (!HasColumn(connection, "documents", "key"))
            {
                RegisterKeyFunctions(connection, keys);
                Execute(connection, UpgradeToVersion4Sql);
            }
        }

        Execute(connection, CreateSchemaSql);
        Execute(connection, $"PRAGMA user_version = {SchemaVersion};");
        Execute(connection, "COMMIT;");
        return keys;
    }

    /// <summary>The file's document-key seed, drawn at random (from a cryptographic source: it must not be guessable) the first time.</summary>
    private static DocumentKeys ReadOrCreateKeySeed(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = CreateSettingsSql;
        command.Parameters.AddWithValue("$name", DocumentKeys.SeedSettingName);
        command.Parameters.AddWithValue("$value", BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(long))));
        return new DocumentKeys((long)command.ExecuteScalar()!);
    }

    /// <summary>The key functions the upgrade's SQL calls; they compute exactly what the writer and readers compute.</summary>
    private static void RegisterKeyFunctions(SqliteConnection connection, DocumentKeys keys)
    {
        connection.CreateFunction("ledger_document_key", (string partition, string id) => keys.Of(partition, id), isDeterministic: true);
        connection.CreateFunction("ledger_partition_key", (string partition) => keys.PartitionOf(partition), isDeterministic: true);
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
        => CountsOne(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name;", ("$name", name));

    private static bool HasColumn(SqliteConnection connection, string table, string column)
        => CountsOne(connection, "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column;", ("$table", table), ("$column", column));

    private static bool CountsOne(SqliteConnection connection, string countSql, params (string Name, string Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = countSql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

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
