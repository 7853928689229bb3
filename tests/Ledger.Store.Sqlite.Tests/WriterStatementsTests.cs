using Microsoft.Data.Sqlite;
using Xunit;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>The writer's SQL, as SQLite plans it on the store's own schema.</summary>
public sealed class WriterStatementsTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_create_looks_for_the_id_and_inserts_without_a_temporary_btree()
    {
        await using (new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory.Path }))
        {
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory.Path, SqliteLedgerStore.DatabaseFileName),
            Pooling = false,
        }.ToString());
        connection.Open();

        // The single-statement form the writer used before reads the table it inserts into, so SQLite staged
        // every row in a temporary b-tree with its own pager and page cache, opened and closed on every run.
        const string insertUnlessExists = """
            INSERT INTO documents (key, part, partition, id, type, sort_key, index_key, lsn, committed_at, body)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
            WHERE NOT EXISTS (SELECT 1 FROM documents WHERE key = ?1 AND partition = ?3 AND id = ?4);
            """;
        Assert.Contains("OpenEphemeral", Opcodes(connection, insertUnlessExists));

        Assert.DoesNotContain("OpenEphemeral", Opcodes(connection, WriterStatements.SelectExistsSql));
        Assert.DoesNotContain("OpenEphemeral", Opcodes(connection, WriterStatements.InsertDocumentSql));
        Assert.Contains("Insert", Opcodes(connection, WriterStatements.InsertDocumentSql));
    }

    /// <summary>The virtual-machine opcodes SQLite compiles <paramref name="sql"/> into (EXPLAIN's second column).</summary>
    private static List<string> Opcodes(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN " + sql;
        for (var position = 1; position <= 10; position++)
        {
            command.Parameters.AddWithValue("?" + position, DBNull.Value);
        }

        var opcodes = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            opcodes.Add(reader.GetString(1));
        }

        return opcodes;
    }
}
