using Ledger.Storage.Continuations;
using Ledger.Storage;
using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>
/// One pooled read connection with its prepared statements. Used by one caller at a time (the pool
/// guarantees it), so its commands are reused without locking.
/// </summary>
internal sealed class SqliteReadConnection : IDisposable
{
    private const string Columns = "partition, id, type, sort_key, index_key, lsn, committed_at, body";
    private const string DocumentColumns = "d.partition, d.id, d.type, d.sort_key, d.index_key, d.lsn, d.committed_at, d.body";
    private const int SequenceNumberOrdinal = 5;

    /// <summary>Most document types one filtered change-feed read names (each shape is one prepared statement).</summary>
    public const int MaxFilteredTypes = 8;

    /// <summary>Most distinct type sets whose statements one connection keeps; consumers name a handful.</summary>
    private const int MaxFilteredStatements = 16;

    /// <summary>
    /// The change-log rows after <c>$after</c> that are still their document's current version, joined to
    /// it; CROSS JOIN keeps SQLite walking the log in LSN order and looking each document up by its rowid.
    /// </summary>
    private const string LiveChangesAfter = """
        FROM changes AS c CROSS JOIN documents AS d
        WHERE c.lsn > $after AND d.rowid = c.document AND d.lsn = c.lsn
        """;

    /// <summary>Appended to a prefix, the highest code point bounds the range of keys that start with it.</summary>
    private const string HighestCodePoint = "\U0010FFFF";

    private readonly SqliteConnection connection;
    private readonly DocumentKeys keys;
    private readonly List<SqliteCommand> all = [];
    private readonly SqliteCommand pointRead;
    private readonly SqliteCommand exactIndexQuery;
    private readonly SqliteCommand prefixIndexQuery;
    private readonly SqliteCommand changes;
    private readonly SqliteCommand lag;
    private readonly SqliteCommand checkpoint;
    private readonly SqliteCommand head;
    private readonly SqliteCommand beginRead;
    private readonly SqliteCommand endRead;
    private readonly Dictionary<string, SqliteCommand> filteredChanges = new(StringComparer.Ordinal);

    // One command per shape of range read (min bound?, max bound?, descending?), made on first use.
    private readonly SqliteCommand?[] rangeReads = new SqliteCommand?[8];

    // Documents without a sort key, ascending and descending by id, for unbounded range reads.
    private readonly SqliteCommand unsortedAscending;
    private readonly SqliteCommand unsortedDescending;

    public SqliteReadConnection(SqliteConnection connection, DocumentKeys keys)
    {
        this.connection = connection;
        this.keys = keys;
        pointRead = Prepare($"SELECT {Columns} FROM documents WHERE key = $key AND partition = $partition AND id = $id;", "$key", "$partition", "$id");

        // The row-value comparison resumes strictly after the continuation's row; without a
        // continuation it starts at (key, '', ''), which is before every real row with that key.
        exactIndexQuery = Prepare(
            $"""
            SELECT {Columns} FROM documents
            WHERE type = $type AND index_key = $key
              AND (index_key, partition, id) > ($after_key, $after_partition, $after_id)
            ORDER BY index_key, partition, id
            LIMIT $limit;
            """,
            "$type", "$key", "$after_key", "$after_partition", "$after_id", "$limit");
        prefixIndexQuery = Prepare(
            $"""
            SELECT {Columns} FROM documents
            WHERE type = $type AND index_key >= $key AND index_key < $upper
              AND (index_key, partition, id) > ($after_key, $after_partition, $after_id)
            ORDER BY index_key, partition, id
            LIMIT $limit;
            """,
            "$type", "$key", "$upper", "$after_key", "$after_partition", "$after_id", "$limit");
        changes = Prepare($"SELECT {DocumentColumns} {LiveChangesAfter} ORDER BY c.lsn LIMIT $limit;", "$after", "$limit");
        lag = Prepare(
            $"SELECT COUNT(*), (SELECT d.committed_at {LiveChangesAfter} ORDER BY c.lsn LIMIT 1) {LiveChangesAfter};",
            "$after");
        unsortedAscending = PrepareUnsorted("ASC");
        unsortedDescending = PrepareUnsorted("DESC");
        checkpoint = Prepare("SELECT continuation FROM checkpoints WHERE consumer = $consumer;", "$consumer");
        head = Prepare("SELECT COALESCE(MAX(lsn), 0) FROM changes;");
        beginRead = Prepare("BEGIN;");
        endRead = Prepare("COMMIT;");
    }

    public StoredDocument? Read(string partition, string id)
    {
        pointRead.Parameters[0].Value = keys.Of(partition, id);
        pointRead.Parameters[1].Value = partition;
        pointRead.Parameters[2].Value = id;
        using var reader = pointRead.ExecuteReader();
        return reader.Read() ? ToDocument(reader) : null;
    }

    /// <summary>
    /// Bounded reads use the sort-key index alone: a bound compares false with a NULL sort key. The index
    /// holds only documents that have a sort key, so an unbounded read also reads the partition's
    /// documents of that type without one, from the partition's range of keys: first when ascending, last when
    /// descending, as SQLite orders NULL and the in-memory store copies.
    /// </summary>
    public IReadOnlyList<StoredDocument> ReadRange(RangeQuery query)
    {
        var unbounded = query.MinSortKey is null && query.MaxSortKey is null;
        var documents = new List<StoredDocument>(Math.Min(query.Limit, 64));
        if (unbounded && !query.Descending)
        {
            ReadUnsorted(unsortedAscending, query, documents);
        }

        var command = RangeCommand(query.MinSortKey is not null, query.MaxSortKey is not null, query.Descending);
        command.Parameters["$part"].Value = keys.PartitionOf(query.Partition);
        command.Parameters["$partition"].Value = query.Partition;
        command.Parameters["$type"].Value = query.Type;
        command.Parameters["$limit"].Value = query.Limit - documents.Count;
        if (query.MinSortKey is { } minSortKey)
        {
            command.Parameters["$min"].Value = minSortKey;
        }

        if (query.MaxSortKey is { } maxSortKey)
        {
            command.Parameters["$max"].Value = maxSortKey;
        }

        ReadAll(command, documents);
        if (unbounded && query.Descending)
        {
            ReadUnsorted(unsortedDescending, query, documents);
        }

        return documents;
    }

    public DocumentPage QueryIndex(IndexQuery query)
    {
        var after = query.Continuation is null
            ? new IndexContinuation(query.IndexKey, string.Empty, string.Empty)
            : IndexContinuation.Decode(query.Continuation);
        var command = query.Prefix ? prefixIndexQuery : exactIndexQuery;
        command.Parameters["$type"].Value = query.Type;
        command.Parameters["$key"].Value = query.IndexKey;
        command.Parameters["$after_key"].Value = after.IndexKey;
        command.Parameters["$after_partition"].Value = after.Partition;
        command.Parameters["$after_id"].Value = after.Id;

        // One row more than the page tells whether another page exists without a second query.
        command.Parameters["$limit"].Value = query.Limit + 1;
        if (query.Prefix)
        {
            command.Parameters["$upper"].Value = query.Before ?? query.IndexKey + HighestCodePoint;
        }

        var documents = new List<StoredDocument>(Math.Min(query.Limit, 64));
        string? continuation = null;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (documents.Count == query.Limit)
            {
                var last = documents[^1];
                continuation = new IndexContinuation(last.IndexKey!, last.Partition, last.Id).Encode();
                break;
            }

            documents.Add(ToDocument(reader));
        }

        return new DocumentPage(documents, continuation);
    }

    public ChangePage ReadChanges(long afterSequenceNumber, int maxItems)
    {
        changes.Parameters[0].Value = afterSequenceNumber;
        changes.Parameters[1].Value = maxItems;
        var found = ReadChangeRows(changes, afterSequenceNumber, maxItems, out var lastRead);
        return new ChangePage(found, FeedContinuation.Format(lastRead));
    }

    /// <summary>
    /// The live changes after <paramref name="afterSequenceNumber"/> whose documents have one of
    /// <paramref name="documentTypes"/>. It reads the head and then the rows up to it in one read
    /// transaction, so both see the same snapshot (read apart, a document replaced in between would be in
    /// neither: its old log row no longer live, its new one past the head). When fewer than
    /// <paramref name="maxItems"/> match, every row up to the head was seen and the continuation is the head.
    /// The scan is not cut shorter than that, because a page shorter than asked must still mean what it means
    /// unfiltered (the reader reached the head: the audit settles its cross-document checks on it); a reader
    /// of a rare type far behind scans its backlog once, reading keys only, and its checkpoint then moves to
    /// the head.
    /// </summary>
    public ChangePage ReadChanges(long afterSequenceNumber, int maxItems, IReadOnlySet<string> documentTypes)
    {
        beginRead.ExecuteNonQuery();
        try
        {
            return ReadChangesUpToHead(afterSequenceNumber, maxItems, documentTypes);
        }
        finally
        {
            // SQLite may have ended the transaction itself after an error; the pooled connection must not stay in one.
            if (SqliteDatabase.IsInTransaction(connection))
            {
                endRead.ExecuteNonQuery();
            }
        }
    }

    private ChangePage ReadChangesUpToHead(long afterSequenceNumber, int maxItems, IReadOnlySet<string> documentTypes)
    {
        var bound = (long)head.ExecuteScalar()!;
        var command = FilteredChangesCommand(documentTypes);
        command.Parameters[0].Value = afterSequenceNumber;
        command.Parameters[1].Value = bound;
        command.Parameters[2].Value = maxItems;
        var index = 3;
        foreach (var type in documentTypes)
        {
            command.Parameters[index++].Value = type;
        }

        var found = ReadChangeRows(command, afterSequenceNumber, maxItems, out var lastRead);
        var continuation = found.Count < maxItems ? Math.Max(bound, afterSequenceNumber) : lastRead;
        return new ChangePage(found, FeedContinuation.Format(continuation)) { SkippedAhead = found.Count == 0 && continuation > afterSequenceNumber };
    }

    /// <summary>A change-feed page's documents, and the LSN of the last one (<paramref name="afterSequenceNumber"/> when there is none).</summary>
    private static List<StoredDocument> ReadChangeRows(SqliteCommand command, long afterSequenceNumber, int maxItems, out long lastRead)
    {
        var found = new List<StoredDocument>(Math.Min(maxItems, 64));
        lastRead = afterSequenceNumber;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            found.Add(ToDocument(reader));
            lastRead = reader.GetInt64(SequenceNumberOrdinal);
        }

        return found;
    }

    private SqliteCommand FilteredChangesCommand(IReadOnlySet<string> documentTypes)
    {
        var shape = string.Join('\n', documentTypes);
        if (filteredChanges.TryGetValue(shape, out var command))
        {
            return command;
        }

        if (filteredChanges.Count >= MaxFilteredStatements)
        {
            throw new InvalidOperationException($"More than {MaxFilteredStatements} distinct type filters were read on one connection.");
        }

        var names = Enumerable.Range(0, documentTypes.Count).Select(position => "$type" + position).ToArray();
        command = Prepare(
            $"SELECT {DocumentColumns} {LiveChangesAfter} AND c.lsn <= $bound AND d.type IN ({string.Join(", ", names)}) ORDER BY c.lsn LIMIT $limit;",
            ["$after", "$bound", "$limit", .. names]);
        filteredChanges.Add(shape, command);
        return command;
    }

    public ChangeFeedLag EstimateLag(long afterSequenceNumber)
    {
        lag.Parameters[0].Value = afterSequenceNumber;
        using var reader = lag.ExecuteReader();
        reader.Read();
        var count = reader.GetInt64(0);
        DateTimeOffset? oldestCommittedAt = reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero);
        return new ChangeFeedLag(count, oldestCommittedAt);
    }

    public string? ReadCheckpoint(string consumerName)
    {
        checkpoint.Parameters[0].Value = consumerName;
        return checkpoint.ExecuteScalar() as string;
    }

    public void Dispose()
    {
        foreach (var command in all)
        {
            command.Dispose();
        }

        all.Clear();
        connection.Dispose();
    }

    private static StoredDocument ToDocument(SqliteDataReader reader) => new(
        Partition: reader.GetString(0),
        Id: reader.GetString(1),
        Type: reader.GetString(2),
        SortKey: reader.IsDBNull(3) ? null : reader.GetInt64(3),
        IndexKey: reader.IsDBNull(4) ? null : reader.GetString(4),
        Body: reader.GetFieldValue<byte[]>(7),
        ETag: FeedContinuation.Format(reader.GetInt64(SequenceNumberOrdinal)),
        CommittedAt: new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero));

    private static void ReadAll(SqliteCommand command, List<StoredDocument> documents)
    {
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            documents.Add(ToDocument(reader));
        }
    }

    private void ReadUnsorted(SqliteCommand command, RangeQuery query, List<StoredDocument> documents)
    {
        if (documents.Count >= query.Limit)
        {
            return;
        }

        var (lowest, highest) = keys.RangeOf(query.Partition);
        command.Parameters[0].Value = lowest;
        command.Parameters[1].Value = highest;
        command.Parameters[2].Value = query.Partition;
        command.Parameters[3].Value = query.Type;
        command.Parameters[4].Value = query.Limit - documents.Count;
        ReadAll(command, documents);
    }

    /// <summary>
    /// Scans the partition's range of keys and sorts what it finds by id. Like the primary-key scan it
    /// replaced, it reads every document of the partition; only unbounded range reads need it.
    /// </summary>
    private SqliteCommand PrepareUnsorted(string direction) => Prepare(
        $"""
        SELECT {Columns} FROM documents
        WHERE key BETWEEN $lowest AND $highest AND partition = $partition AND type = $type AND sort_key IS NULL
        ORDER BY id {direction} LIMIT $limit;
        """,
        "$lowest",
        "$highest",
        "$partition",
        "$type",
        "$limit");

    /// <summary>The read of documents that have a sort key, through the partial sort-key index.</summary>
    private SqliteCommand RangeCommand(bool hasMin, bool hasMax, bool descending)
    {
        var shape = (hasMin ? 1 : 0) | (hasMax ? 2 : 0) | (descending ? 4 : 0);
        if (rangeReads[shape] is { } cached)
        {
            return cached;
        }

        var direction = descending ? "DESC" : "ASC";
        var parameterNames = new List<string> { "$part", "$partition", "$type" };
        var sql = new System.Text.StringBuilder($"SELECT {Columns} FROM documents WHERE part = $part AND partition = $partition AND type = $type AND sort_key IS NOT NULL");
        if (hasMin)
        {
            sql.Append(" AND sort_key >= $min");
            parameterNames.Add("$min");
        }

        if (hasMax)
        {
            sql.Append(" AND sort_key <= $max");
            parameterNames.Add("$max");
        }

        sql.Append($" ORDER BY sort_key {direction}, id {direction} LIMIT $limit;");
        parameterNames.Add("$limit");
        var command = Prepare(sql.ToString(), [.. parameterNames]);
        rangeReads[shape] = command;
        return command;
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        all.Add(command);
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }
}
