using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// Every statement the writer runs, prepared once on the writer connection and reused with new
/// parameter values, so a write never pays for SQL parsing.
/// </summary>
internal sealed class WriterStatements : IDisposable
{
    private readonly List<SqliteCommand> all = [];
    private readonly SqliteCommand begin;
    private readonly SqliteCommand commit;
    private readonly SqliteCommand rollback;
    private readonly SqliteCommand savepoint;
    private readonly SqliteCommand rollbackToSavepoint;
    private readonly SqliteCommand releaseSavepoint;
    private readonly SqliteCommand selectLastSequenceNumber;
    private readonly SqliteCommand updateLastSequenceNumber;
    private readonly SqliteCommand selectETag;
    private readonly SqliteCommand insertDocument;
    private readonly SqliteCommand updateDocument;
    private readonly SqliteCommand deleteDocument;
    private readonly SqliteCommand upsertCheckpoint;

    public WriterStatements(SqliteConnection connection)
    {
        // IMMEDIATE takes the write lock up front, so a busy database fails here, before any work.
        begin = Prepare(connection, "BEGIN IMMEDIATE;");
        commit = Prepare(connection, "COMMIT;");
        rollback = Prepare(connection, "ROLLBACK;");
        savepoint = Prepare(connection, "SAVEPOINT partition_batch;");
        rollbackToSavepoint = Prepare(connection, "ROLLBACK TO partition_batch;");
        releaseSavepoint = Prepare(connection, "RELEASE partition_batch;");
        selectLastSequenceNumber = Prepare(connection, "SELECT value FROM store_state WHERE name = 'last_lsn';");
        updateLastSequenceNumber = Prepare(connection, "UPDATE store_state SET value = $value WHERE name = 'last_lsn';", ("$value", SqliteType.Integer));
        selectETag = Prepare(
            connection,
            "SELECT etag FROM documents WHERE partition = $partition AND id = $id;",
            ("$partition", SqliteType.Text),
            ("$id", SqliteType.Text));
        insertDocument = Prepare(
            connection,
            """
            INSERT INTO documents (partition, id, type, sort_key, index_key, etag, lsn, committed_at, body)
            VALUES ($partition, $id, $type, $sort_key, $index_key, $etag, $lsn, $committed_at, $body)
            ON CONFLICT (partition, id) DO NOTHING;
            """,
            DocumentParameters());
        updateDocument = Prepare(
            connection,
            """
            UPDATE documents
            SET type = $type, sort_key = $sort_key, index_key = $index_key, etag = $etag, lsn = $lsn,
                committed_at = $committed_at, body = $body
            WHERE partition = $partition AND id = $id;
            """,
            DocumentParameters());
        deleteDocument = Prepare(
            connection,
            "DELETE FROM documents WHERE partition = $partition AND id = $id;",
            ("$partition", SqliteType.Text),
            ("$id", SqliteType.Text));
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
        ?? throw new InvalidOperationException("The store_state table lost its last_lsn row."));

    public void UpdateLastSequenceNumber(long sequenceNumber)
    {
        updateLastSequenceNumber.Parameters[0].Value = sequenceNumber;
        updateLastSequenceNumber.ExecuteNonQuery();
    }

    public string? SelectETag(string partition, string id)
    {
        selectETag.Parameters[0].Value = partition;
        selectETag.Parameters[1].Value = id;
        return selectETag.ExecuteScalar() as string;
    }

    /// <summary>Inserts the document unless its id exists; false when it existed (and nothing changed).</summary>
    public bool InsertDocument(string partition, PendingWrite write, string etag, long sequenceNumber, long committedAtUtcTicks)
        => ExecuteDocumentWrite(insertDocument, partition, write, etag, sequenceNumber, committedAtUtcTicks) == 1;

    public void UpdateDocument(string partition, PendingWrite write, string etag, long sequenceNumber, long committedAtUtcTicks)
        => ExecuteDocumentWrite(updateDocument, partition, write, etag, sequenceNumber, committedAtUtcTicks);

    public void DeleteDocument(string partition, string id)
    {
        deleteDocument.Parameters[0].Value = partition;
        deleteDocument.Parameters[1].Value = id;
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

    private static (string Name, SqliteType Type)[] DocumentParameters() =>
    [
        ("$partition", SqliteType.Text),
        ("$id", SqliteType.Text),
        ("$type", SqliteType.Text),
        ("$sort_key", SqliteType.Integer),
        ("$index_key", SqliteType.Text),
        ("$etag", SqliteType.Text),
        ("$lsn", SqliteType.Integer),
        ("$committed_at", SqliteType.Integer),
        ("$body", SqliteType.Blob),
    ];

    private static int ExecuteDocumentWrite(SqliteCommand command, string partition, PendingWrite write, string etag, long sequenceNumber, long committedAtUtcTicks)
    {
        var parameters = command.Parameters;
        parameters[0].Value = partition;
        parameters[1].Value = write.Id;
        parameters[2].Value = write.Type;
        parameters[3].Value = write.SortKey is { } sortKey ? sortKey : DBNull.Value;
        parameters[4].Value = write.IndexKey is { } indexKey ? indexKey : DBNull.Value;
        parameters[5].Value = etag;
        parameters[6].Value = sequenceNumber;
        parameters[7].Value = committedAtUtcTicks;
        parameters[8].Value = write.Body;
        return command.ExecuteNonQuery();
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
