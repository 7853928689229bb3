using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ledger.Store.Sqlite;

/// <summary>
/// Every statement the writer runs, prepared once on the writer connection and reused with new
/// parameter values (<see cref="PreparedStatement"/>), so a write never pays for SQL parsing. Parameters
/// are numbered (<c>?1</c>, <c>?2</c>…) and bound by position.
/// </summary>
internal sealed class WriterStatements : IDisposable
{
    /// <summary>The columns <see cref="BindDocumentValues"/> binds, from its first position on, in this order.</summary>
    private const string DocumentValueColumns = "type, sort_key, index_key, lsn, committed_at, body";

    private const int DocumentValueCount = 6;

    /// <summary>Whether a document with this key, partition and id exists (the key index is not unique).</summary>
    internal const string SelectExistsSql = "SELECT 1 FROM documents WHERE key = ?1 AND partition = ?2 AND id = ?3;";

    /// <summary>Inserts a document found missing; it reads nothing, so SQLite runs it without a temporary b-tree.</summary>
    internal const string InsertDocumentSql = $"INSERT INTO documents (key, part, partition, id, {DocumentValueColumns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);";

    private readonly List<PreparedStatement> all = [];
    private readonly DocumentKeys keys;
    private readonly PreparedStatement begin;
    private readonly PreparedStatement commit;
    private readonly PreparedStatement rollback;
    private readonly PreparedStatement selectLastSequenceNumber;
    private readonly PreparedStatement selectCurrent;
    private readonly PreparedStatement selectExists;
    private readonly PreparedStatement insertDocument;
    private readonly PreparedStatement updateDocument;
    private readonly PreparedStatement updateBody;
    private readonly PreparedStatement deleteDocument;
    private readonly PreparedStatement upsertCheckpoint;

    public WriterStatements(SqliteConnection connection, DocumentKeys keys)
    {
        this.keys = keys;
        // IMMEDIATE takes the write lock up front, so a busy database fails here, before any work.
        begin = Prepare(connection, "BEGIN IMMEDIATE;", 0);
        commit = Prepare(connection, "COMMIT;", 0);
        rollback = Prepare(connection, "ROLLBACK;", 0);

        // The change log is never pruned of its newest row, so its highest LSN is the last one issued,
        // even when that document was deleted since; reading it is one step down the right edge.
        selectLastSequenceNumber = Prepare(connection, "SELECT COALESCE(MAX(lsn), 0) FROM changes;", 0);
        selectCurrent = Prepare(
            connection,
            "SELECT rowid, lsn, type, sort_key, index_key FROM documents WHERE key = ?1 AND partition = ?2 AND id = ?3;",
            3);

        // The key index is not unique (DocumentKeys), so a create first looks for the id, then inserts.
        // Two statements on purpose: one INSERT ... SELECT ... WHERE NOT EXISTS reading the same table
        // makes SQLite stage the row in a temporary b-tree, opened and closed (its own pager and page
        // cache) on every run, which cost the writer more than the second index probe does.
        selectExists = Prepare(connection, SelectExistsSql, 3);
        insertDocument = Prepare(connection, InsertDocumentSql, 4 + DocumentValueCount);
        updateDocument = Prepare(
            connection,
            """
            UPDATE documents
            SET type = ?2, sort_key = ?3, index_key = ?4, lsn = ?5, committed_at = ?6, body = ?7
            WHERE rowid = ?1;
            """,
            1 + DocumentValueCount);

        // SQLite maintains an index on UPDATE only when the statement assigns one of its columns; an
        // account's replace keeps its type, sort key and index key, so this form leaves every index
        // untouched and dirties only the row's own page.
        updateBody = Prepare(connection, "UPDATE documents SET lsn = ?2, committed_at = ?3, body = ?4 WHERE rowid = ?1;", 4);
        deleteDocument = Prepare(connection, "DELETE FROM documents WHERE rowid = ?1;", 1);
        upsertCheckpoint = Prepare(
            connection,
            """
            INSERT INTO checkpoints (consumer, continuation) VALUES (?1, ?2)
            ON CONFLICT (consumer) DO UPDATE SET continuation = excluded.continuation;
            """,
            2);
    }

    public void Begin() => begin.Execute();

    public void Commit() => commit.Execute();

    public void Rollback() => rollback.Execute();

    public long SelectLastSequenceNumber()
        => selectLastSequenceNumber.QuerySingle(static row => (long?)raw.sqlite3_column_int64(row, 0))
            ?? throw new InvalidOperationException("The change log's last LSN could not be read.");

    /// <summary>The document's current version and keys, or null when it does not exist.</summary>
    public CurrentDocument? SelectCurrent(string partition, string id)
    {
        selectCurrent.Bind(1, keys.Of(partition, id));
        selectCurrent.Bind(2, partition);
        selectCurrent.Bind(3, id);
        return selectCurrent.QuerySingle(static row => (CurrentDocument?)new CurrentDocument(
            raw.sqlite3_column_int64(row, 0),
            raw.sqlite3_column_int64(row, 1),
            raw.sqlite3_column_text(row, 2).utf8_to_string(),
            raw.sqlite3_column_type(row, 3) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(row, 3),
            raw.sqlite3_column_type(row, 4) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(row, 4).utf8_to_string()));
    }

    /// <summary>Whether a document with this partition and id exists.</summary>
    public bool DocumentExists(string partition, string id)
    {
        selectExists.Bind(1, keys.Of(partition, id));
        selectExists.Bind(2, partition);
        selectExists.Bind(3, id);
        return selectExists.QuerySingle(static _ => (bool?)true) is not null;
    }

    /// <summary>Inserts a document the writer has just found missing (<see cref="DocumentExists"/> or <see cref="SelectCurrent"/>).</summary>
    public void InsertMissingDocument(string partition, PendingWrite write, long sequenceNumber, long committedAtUtcTicks)
    {
        var key = keys.Of(partition, write.Id);
        insertDocument.Bind(1, key);
        insertDocument.Bind(2, DocumentKeys.PartitionOfKey(key));
        insertDocument.Bind(3, partition);
        insertDocument.Bind(4, write.Id);
        BindDocumentValues(insertDocument, 5, write, sequenceNumber, committedAtUtcTicks);
        var inserted = insertDocument.Execute();
        if (inserted != 1)
        {
            throw new InvalidOperationException($"Inserting document '{write.Id}' changed {inserted} rows, not 1.");
        }
    }

    /// <summary>Replaces an existing document, touching its indexes only when its keys change.</summary>
    public void UpdateDocument(PendingWrite write, CurrentDocument current, long sequenceNumber, long committedAtUtcTicks)
    {
        if (!current.HasSameKeysAs(write))
        {
            updateDocument.Bind(1, current.RowId);
            BindDocumentValues(updateDocument, 2, write, sequenceNumber, committedAtUtcTicks);
            updateDocument.Execute();
            return;
        }

        updateBody.Bind(1, current.RowId);
        updateBody.Bind(2, sequenceNumber);
        updateBody.Bind(3, committedAtUtcTicks);
        updateBody.Bind(4, write.Body);
        updateBody.Execute();
    }

    public void DeleteDocument(CurrentDocument current)
    {
        deleteDocument.Bind(1, current.RowId);
        deleteDocument.Execute();
    }

    public void UpsertCheckpoint(string consumerName, string continuation)
    {
        upsertCheckpoint.Bind(1, consumerName);
        upsertCheckpoint.Bind(2, continuation);
        upsertCheckpoint.Execute();
    }

    public void Dispose()
    {
        foreach (var statement in all)
        {
            statement.Dispose();
        }

        all.Clear();
    }

    /// <summary>Binds a write's type, keys, version and body (<see cref="DocumentValueColumns"/>), from position <paramref name="first"/> on.</summary>
    private static void BindDocumentValues(PreparedStatement statement, int first, PendingWrite write, long sequenceNumber, long committedAtUtcTicks)
    {
        statement.Bind(first, write.Type);
        statement.Bind(first + 1, write.SortKey);
        statement.Bind(first + 2, write.IndexKey);
        statement.Bind(first + 3, sequenceNumber);
        statement.Bind(first + 4, committedAtUtcTicks);
        statement.Bind(first + 5, write.Body);
    }

    private PreparedStatement Prepare(SqliteConnection connection, string sql, int parameterCount)
    {
        var statement = new PreparedStatement(connection, sql, parameterCount);
        all.Add(statement);
        return statement;
    }
}

/// <summary>What the writer needs of a stored document to check a precondition and choose an update.</summary>
internal readonly record struct CurrentDocument(long RowId, long SequenceNumber, string Type, long? SortKey, string? IndexKey)
{
    /// <summary>A document's ETag is its LSN, so the store keeps one column for both.</summary>
    public string ETag => Ledger.Storage.Continuations.FeedContinuation.Format(SequenceNumber);

    public bool HasSameKeysAs(PendingWrite write)
        => string.Equals(Type, write.Type, StringComparison.Ordinal)
            && SortKey == write.SortKey
            && string.Equals(IndexKey, write.IndexKey, StringComparison.Ordinal);
}
