using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>
/// Another connection holding the ledger file's write lock, as a second process could. While it is
/// held the store's writer waits in BEGIN IMMEDIATE, which lets tests pile requests up behind it.
/// </summary>
internal sealed class WriteLock : IDisposable
{
    private readonly SqliteConnection connection;
    private bool held;

    public WriteLock(string databasePath)
    {
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        connection.Open();
        Execute("BEGIN IMMEDIATE;");
        held = true;
    }

    public void Release()
    {
        if (held)
        {
            Execute("ROLLBACK;");
            held = false;
        }
    }

    public void Dispose()
    {
        Release();
        connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
