using Microsoft.Data.Sqlite;
using SQLitePCL;
using Xunit;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>The writer's statements on SQLite's own API: bound by position, checked in every build, errors as SqliteException.</summary>
public sealed class PreparedStatementTests : IDisposable
{
    private readonly SqliteConnection connection = new("Data Source=:memory:");

    public PreparedStatementTests()
    {
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE items (key INTEGER NOT NULL, name TEXT); INSERT INTO items VALUES (1, 'one'), (2, 'two'), (2, 'two again');";
        command.ExecuteNonQuery();
    }

    public void Dispose() => connection.Dispose();

    [Fact]
    public void A_single_row_query_reads_its_row_by_position_and_nothing_when_there_is_none()
    {
        using var select = new PreparedStatement(connection, "SELECT name FROM items WHERE key = ?1;", 1);

        select.Bind(1, 1L);
        Assert.Equal("one", select.QuerySingle(static row => raw.sqlite3_column_text(row, 0).utf8_to_string()));
        select.Bind(1, 3L);
        Assert.Null(select.QuerySingle(static row => raw.sqlite3_column_text(row, 0).utf8_to_string()));
    }

    [Fact]
    public void A_single_row_query_that_finds_a_second_row_fails_and_the_statement_runs_again_afterwards()
    {
        using var select = new PreparedStatement(connection, "SELECT name FROM items WHERE key = ?1;", 1);

        select.Bind(1, 2L);
        Assert.Throws<InvalidOperationException>(() => select.QuerySingle(static row => raw.sqlite3_column_text(row, 0).utf8_to_string()));
        select.Bind(1, 1L);
        Assert.Equal("one", select.QuerySingle(static row => raw.sqlite3_column_text(row, 0).utf8_to_string()));
    }

    [Fact]
    public void Execute_counts_the_rows_changed_and_no_value_stays_bound_into_the_next_run()
    {
        using var insert = new PreparedStatement(connection, "INSERT INTO items (key, name) VALUES (?1, ?2);", 2);

        insert.Bind(1, 5L);
        insert.Bind(2, "five");
        Assert.Equal(1, insert.Execute());
        insert.Bind(1, 6L);
        Assert.Equal(1, insert.Execute());

        using var select = new PreparedStatement(connection, "SELECT name IS NULL FROM items WHERE key = ?1;", 1);
        select.Bind(1, 6L);
        Assert.Equal(1L, select.QuerySingle(static row => (long?)raw.sqlite3_column_int64(row, 0)));
    }

    [Fact]
    public void A_statement_run_for_its_effect_that_returns_a_row_a_constraint_failure_and_a_position_out_of_range_are_errors()
    {
        using var select = new PreparedStatement(connection, "SELECT 1;", 0);
        using var insert = new PreparedStatement(connection, "INSERT INTO items (key) VALUES (?1);", 1);

        Assert.Throws<InvalidOperationException>(() => select.Execute());
        insert.Bind(1, (long?)null);
        Assert.Equal(19, Assert.Throws<SqliteException>(() => insert.Execute()).SqliteErrorCode);
        Assert.Throws<ArgumentOutOfRangeException>(() => insert.Bind(2, 1L));
        Assert.Throws<ArgumentOutOfRangeException>(() => insert.Bind(0, 1L));
    }

    [Fact]
    public void Two_statements_or_a_wrong_parameter_count_are_refused_when_prepared()
    {
        Assert.Throws<ArgumentException>(() => new PreparedStatement(connection, "SELECT 1; SELECT 2;", 0));
        Assert.Throws<ArgumentException>(() => new PreparedStatement(connection, "SELECT ?1, ?2;", 1));
        Assert.Equal(1, Assert.Throws<SqliteException>(() => new PreparedStatement(connection, "SELECT FROM nowhere;", 0)).SqliteErrorCode);
    }
}
