using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ledger.Store.Sqlite;

/// <summary>
/// One statement prepared once on the writer connection and run through SQLite's own API, with its
/// parameters bound by position. The writer runs a few of these for every document it writes;
/// <see cref="SqliteCommand"/> would look every parameter up by name (encoding the name to UTF-8 each
/// time), walk its statement list and build a reader for each run, which a profile of batch postings put at
/// about a tenth of the writer thread. Failures still surface as <see cref="SqliteException"/>, with
/// SQLite's result codes, so the writer's handling of busy and lost transactions is unchanged.
/// Used by one thread at a time, like the connection it belongs to.
/// </summary>
internal sealed class PreparedStatement : IDisposable
{
    private readonly sqlite3 database;
    private readonly sqlite3_stmt statement;
    private readonly int parameterCount;

    public PreparedStatement(SqliteConnection connection, string sql, int parameterCount)
    {
        database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var result = raw.sqlite3_prepare_v3(database, sql, raw.SQLITE_PREPARE_PERSISTENT, out statement, out var tail);
        SqliteException.ThrowExceptionForRC(result, database);
        if (!string.IsNullOrWhiteSpace(tail))
        {
            statement.Dispose();
            throw new ArgumentException($"One statement expected; '{tail}' follows it.", nameof(sql));
        }

        var declaredCount = raw.sqlite3_bind_parameter_count(statement);
        if (declaredCount != parameterCount)
        {
            statement.Dispose();
            throw new ArgumentException($"The statement has {declaredCount} parameters, not {parameterCount}.", nameof(sql));
        }

        this.parameterCount = parameterCount;
    }

    /// <summary>Binds parameter <paramref name="position"/> (1-based, in the order the SQL names them first).</summary>
    public void Bind(int position, long value) => Check(raw.sqlite3_bind_int64(statement, Checked(position), value));

    public void Bind(int position, byte[] value) => Check(raw.sqlite3_bind_blob(statement, Checked(position), value));

    /// <summary>Binds an integer, or SQL NULL for null.</summary>
    public void Bind(int position, long? value)
        => Check(value is { } number ? raw.sqlite3_bind_int64(statement, Checked(position), number) : raw.sqlite3_bind_null(statement, Checked(position)));

    /// <summary>Binds text, or SQL NULL for null.</summary>
    public void Bind(int position, string? value)
        => Check(value is not null ? raw.sqlite3_bind_text(statement, Checked(position), value) : raw.sqlite3_bind_null(statement, Checked(position)));

    /// <summary>Runs the statement to its end; the rows it changed.</summary>
    public int Execute()
    {
        try
        {
            var result = raw.sqlite3_step(statement);
            if (result == raw.SQLITE_ROW)
            {
                throw new InvalidOperationException("A statement run for its effect returned a row.");
            }

            Check(result == raw.SQLITE_DONE ? raw.SQLITE_OK : result);
            return raw.sqlite3_changes(database);
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>
    /// Runs a statement that returns at most one row and hands it to <paramref name="read"/>; default
    /// when there is none. The row is only valid inside <paramref name="read"/>.
    /// </summary>
    public T? QuerySingle<T>(Func<sqlite3_stmt, T> read)
    {
        try
        {
            var result = raw.sqlite3_step(statement);
            if (result == raw.SQLITE_DONE)
            {
                return default;
            }

            if (result != raw.SQLITE_ROW)
            {
                Check(result);
            }

            var row = read(statement);

            // Checked in every build: a second row would mean the query (or the schema's keys) no longer
            // names one document, and the writer would decide on whichever row came first.
            var next = raw.sqlite3_step(statement);
            if (next == raw.SQLITE_ROW)
            {
                throw new InvalidOperationException("A single-row query returned a second row.");
            }

            Check(next == raw.SQLITE_DONE ? raw.SQLITE_OK : next);
            return row;
        }
        finally
        {
            Reset();
        }
    }

    public void Dispose() => statement.Dispose();

    /// <summary>Ready for the next run: parameters keep no value from this one (a value left bound would be a silent bug).</summary>
    private void Reset()
    {
        // sqlite3_reset repeats the last step's error, which was already reported.
        _ = raw.sqlite3_reset(statement);
        _ = raw.sqlite3_clear_bindings(statement);
    }

    private int Checked(int position)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(position, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, parameterCount);
        return position;
    }

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, database);
}
