using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// Every statement the writer runs, prepared once on the writer connection and reused with new
/// parameter values, so a write never pays for SQL parsing.
/// </summary>
internal sealed class WriterStatements : IDisposable
{
    /// <summary>The parameters <see cref="SetDocumentValues"/> sets, in its order; the insert and the full update end with them.</summary>
    private static readonly (string Name, SqliteType Type)[] DocumentValueParameters =
    [
        ("$type", SqliteType.Text),
        ("$sort_key", SqliteType.Integer),
        ("$index_key", SqliteType.Text),
        ("$lsn", SqliteType.Integer),
        ("$committed_at", SqliteType.Integer),
        ("$body", SqliteType.Blob),
    ];

    private readonly List<SqliteCommand> all = [];
    private readonly DocumentKeys keys;
    private readonly SqliteCommand begin;
    private readonly SqliteCommand commit;
    private readonly SqliteCommand rollback;
    private readonly SqliteCommand savepoint;
    private readonly SqliteCommand rollbackToSavepoint;
    private readonly SqliteCommand releaseSavepoint;
    private readonly SqliteCommand selectLastSequenceNumber;
    private readonly SqliteCommand selectCurrent;
    private readonly SqliteCommand insertDocument;
    private readonly SqliteCommand updateDocument;
    private readonly SqliteCommand updateBody;
    private readonly SqliteCommand deleteDocument;
    private readonly SqliteCommand upsertCheckpoint;

    public WriterStatements(SqliteConnection connection, DocumentKeys keys)
    {
        this.keys = keys;
        // IMMEDIATE takes the write lock up front, so a busy database fails here, before any work.
        begin = Prepare(connection, "BEGIN IMMEDIATE;");
        commit = Prepare(connection, "COMMIT;");
        rollback = Prepare(connection, "ROLLBACK;");
        savepoint = Prepare(connection, "SAVEPOINT partition_batch;");
        rollbackToSavepoint = Prepare(connection, "ROLLBACK TO partition_batch;");
        releaseSavepoint = Prepare(connection, "RELEASE partition_batch;");

        // The change log is never pruned of its newest row, so its highest LSN is the last one issued,
        // even when that document was deleted since; reading it is one step down the right edge.
        selectLastSequenceNumber = Prepare(connection, "SELECT COALESCE(MAX(lsn), 0) FROM changes;");
        selectCurrent = Prepare(
            connection,
            "SELECT rowid, lsn, type, sort_key, index_key FROM documents WHERE key = $key AND partition = $partition AND id = $id;",
            ("$key", SqliteType.Integer),
            ("$partition", SqliteType.Text),
            ("$id", SqliteType.Text));

        // The key index is not unique (DocumentKeys), so the insert itself checks that the id is new.
        insertDocument = Prepare(
            connection,
            """
            INSERT INTO documents (key, part, partition, id, type, sort_key, index_key, lsn, committed_at, body)
            SELECT $key, $part, $partition, $id, $type, $sort_key, $index_key, $lsn, $committed_at, $body
            WHERE NOT EXISTS (SELECT 1 FROM documents WHERE key = $key AND partition = $partition AND id = $id);
            """,
            [("$key", SqliteType.Integer), ("$part", SqliteType.Integer), ("$partition", SqliteType.Text), ("$id", SqliteType.Text), .. DocumentValueParameters]);
        updateDocument = Prepare(
            connection,
            """
            UPDATE documents
            SET type = $type, sort_key = $sort_key, index_key = $index_key, lsn = $lsn, committed_at = $committed_at, body = $body
            WHERE rowid = $rowid;
            """,
            [("$rowid", SqliteType.Integer), .. DocumentValueParameters]);

        // SQLite maintains an index on UPDATE only when the statement assigns one of its columns; an
        // account's replace keeps its type, sort key and index key, so this form leaves every index
        // untouched and dirties only the row's own page.
        updateBody = Prepare(
            connection,
            "UPDATE documents SET lsn = $lsn, committed_at = $committed_at, body = $body WHERE rowid = $rowid;",
            ("$rowid", SqliteType.Integer),
            ("$lsn", SqliteType.Integer),
            ("$committed_at", SqliteType.Integer),
            ("$body", SqliteType.Blob));
        deleteDocument = Prepare(
            connection,
            "DELETE FROM documents WHERE rowid = $rowid;",
            ("$rowid", SqliteType.Integer));
        upsertCheckpoint = Prepare(
            connection,
            """
            INSERT INTO checkpoints (consumer, continuation) VALUES ($consumer, $continuation)
            ON CONFLICT (consumer) DO UPDATE SET continuation = excluded.continuation;
            """,
            ("$consumer", SqliteType.Text),
            ("$continuation", SqliteType.Text));
    }

    public void Begin() => begin.ExecuteNonQuery();

    public void Commit() => commit.ExecuteNonQuery();

    public void Rollback() => rollback.ExecuteNonQuery();

    public void Savepoint() => savepoint.ExecuteNonQuery();

    public void RollbackToSavepoint() => rollbackToSavepoint.ExecuteNonQuery();

    public void ReleaseSavepoint() => releaseSavepoint.ExecuteNonQuery();

    public long SelectLastSequenceNumber() => (long)(selectLastSequenceNumber.ExecuteScalar()
        ?? throw new InvalidOperationException("The change log's last LSN could not be read."));

    /// <summary>The document's current version and keys, or null when it does not exist.</summary>
    public CurrentDocument? SelectCurrent(string partition, string id)
    {
        var parameters = selectCurrent.Parameters;
        parameters[0].Value = keys.Of(partition, id);
        parameters[1].Value = partition;
        parameters[2].Value = id;
        using var reader = selectCurrent.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new CurrentDocument(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>Inserts the document unless its id exists; false when it existed (and nothing changed).</summary>
    public bool InsertDocument(string partition, PendingWrite write, long sequenceNumber, long committedAtUtcTicks)
    {
        var parameters = insertDocument.Parameters;
        var key = keys.Of(partition, write.Id);
        parameters[0].Value = key;
        parameters[1].Value = DocumentKeys.PartitionOfKey(key);
        parameters[2].Value = partition;
        parameters[3].Value = write.Id;
        SetDocumentValues(parameters, 4, write, sequenceNumber, committedAtUtcTicks);
        return insertDocument.ExecuteNonQuery() == 1;
    }

    /// <summary>Replaces an existing document, touching its indexes only when its keys change.</summary>
    public void UpdateDocument(PendingWrite write, CurrentDocument current, long sequenceNumber, long committedAtUtcTicks)
    {
        if (!current.HasSameKeysAs(write))
        {
            updateDocument.Parameters[0].Value = current.RowId;
            SetDocumentValues(updateDocument.Parameters, 1, write, sequenceNumber, committedAtUtcTicks);
            updateDocument.ExecuteNonQuery();
            return;
        }

        var parameters = updateBody.Parameters;
        parameters[0].Value = current.RowId;
        parameters[1].Value = sequenceNumber;
        parameters[2].Value = committedAtUtcTicks;
        parameters[3].Value = write.Body;
        updateBody.ExecuteNonQuery();
    }

    public void DeleteDocument(CurrentDocument current)
    {
        deleteDocument.Parameters[0].Value = current.RowId;
        deleteDocument.ExecuteNonQuery();
    }

    public void UpsertCheckpoint(string consumerName, string continuation)
    {
        upsertCheckpoint.Parameters[0].Value = consumerName;
        upsertCheckpoint.Parameters[1].Value = continuation;
        upsertCheckpoint.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in all)
        {
            command.Dispose();
        }

        all.Clear();
    }

    /// <summary>Sets a write's type, keys, version and body, in that order, from parameter <paramref name="first"/> on.</summary>
    private static void SetDocumentValues(SqliteParameterCollection parameters, int first, PendingWrite write, long sequenceNumber, long committedAtUtcTicks)
    {
        parameters[first].Value = write.Type;
        parameters[first + 1].Value = write.SortKey is { } sortKey ? sortKey : DBNull.Value;
        parameters[first + 2].Value = write.IndexKey is { } indexKey ? indexKey : DBNull.Value;
        parameters[first + 3].Value = sequenceNumber;
        parameters[first + 4].Value = committedAtUtcTicks;
        parameters[first + 5].Value = write.Body;
    }

    private SqliteCommand Prepare(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = connection.CreateCommand();
        all.Add(command);
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
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
