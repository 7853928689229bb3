using Microsoft.Data.Sqlite;

namespace Ledger.Store.Sqlite;

/// <summary>Recognises transient SQLite lock errors and spaces out their retries.</summary>
internal static class SqliteErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    /// <summary>The longest pause between two tries; the busy timeout already waits inside each try.</summary>
    private const int MaxBackoffMilliseconds = 200;

    public static bool IsBusy(SqliteException exception) => exception.SqliteErrorCode is SqliteBusy or SqliteLocked;

    public static TimeSpan Backoff(int attempt)
        => TimeSpan.FromMilliseconds(Math.Min(MaxBackoffMilliseconds, 10 << Math.Min(attempt, 8)));
}
