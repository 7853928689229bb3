using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Ledger.Client.Offline;

/// <summary>
/// The queue's SQLite file: every statement here is one transaction, so a process killed at any instant
/// leaves either the whole change or none of it. WAL with <c>synchronous = FULL</c>: a write reported as
/// queued is on disk. Writers that meet a lock wait for it (the connection's busy timeout).
/// </summary>
internal sealed class QueueFile
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS writes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            idempotency_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            request TEXT NOT NULL,
            enqueued_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'refused')),
            attempts INTEGER NOT NULL DEFAULT 0,
            outcome TEXT NULL,
            settled_at TEXT NULL);
        CREATE INDEX IF NOT EXISTS writes_by_state ON writes (state, seq);
        CREATE TABLE IF NOT EXISTS known_balances (
            account_id TEXT PRIMARY KEY,
            balance INTEGER NOT NULL,
            known_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS replay_lease (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            holder TEXT NOT NULL,
            expires_at INTEGER NOT NULL);
        """;

    private const string WriteColumns = "seq, idempotency_key, kind, request, enqueued_at, state, attempts, outcome, settled_at";

    /// <summary>How long a statement waits for another process's lock on the file before it fails.</summary>
    private const int BusyTimeoutSeconds = 30;

    private readonly string _connectionString;

    static QueueFile() => SQLitePCL.Batteries_V2.Init();

    public QueueFile(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        using var transaction = connection.BeginTransaction();
        Execute(connection, Schema, transaction);
        transaction.Commit();
    }

    public QueuedWrite Append(OfflineWrite write, DateTimeOffset now)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO writes (idempotency_key, kind, request, enqueued_at) VALUES ($key, $kind, $request, $at) RETURNING {WriteColumns};";
        command.Parameters.AddWithValue("$key", write.IdempotencyKey);
        command.Parameters.AddWithValue("$kind", write.Kind);
        command.Parameters.AddWithValue("$request", write.ToJson());
        command.Parameters.AddWithValue("$at", Instant(now));
        using var reader = command.ExecuteReader();
        reader.Read();
        return ReadWrite(reader);
    }

    public IReadOnlyList<QueuedWrite> Writes(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        return Writes(connection, transaction: null, where, parameters);
    }

    /// <summary>Settles a pending write and records the balances its answer reported, in one transaction; false when it was no longer pending.</summary>
    public bool Settle(long sequence, WriteState state, string outcome, IReadOnlyList<(string AccountId, long Balance)> balances, IReadOnlyList<string> stale, DateTimeOffset now)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var changed = Execute(connection, "UPDATE writes SET state = $state, outcome = $outcome, settled_at = $at WHERE seq = $seq AND state = 'pending';", transaction,
            ("$state", state == WriteState.Confirmed ? "confirmed" : "refused"), ("$outcome", outcome), ("$at", Instant(now)), ("$seq", sequence));
        if (changed == 0)
        {
            return false;
        }

        foreach (var account in stale)
        {
            Execute(connection, "DELETE FROM known_balances WHERE account_id = $account;", transaction, ("$account", account));
        }

        foreach (var (account, balance) in balances)
        {
            RememberBalance(connection, transaction, account, balance, now);
        }

        transaction.Commit();
        return true;
    }

    public void RememberBalance(string accountId, long balance, DateTimeOffset now)
    {
        using var connection = Open();
        RememberBalance(connection, transaction: null, accountId, balance, now);
    }

    public (long Balance, DateTimeOffset KnownAt)? KnownBalance(string accountId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT balance, known_at FROM known_balances WHERE account_id = $account;";
        command.Parameters.AddWithValue("$account", accountId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), ParseInstant(reader.GetString(1))) : null;
    }

    /// <summary>
    /// Takes the replay lease for <paramref name="holder"/> when no other device holds it. A lease another device
    /// holds is seen with a plain read first: in WAL a read neither takes nor waits for the write lock, so a device
    /// polling for its turn never holds up the commits of the device replaying, nor waits behind them.
    /// </summary>
    public bool TryLease(string holder, DateTimeOffset now, TimeSpan length)
    {
        using var connection = Open();
        if (HeldByAnother(ReadLease(connection, transaction: null), holder, now))
        {
            return false;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        if (HeldByAnother(ReadLease(connection, transaction), holder, now))
        {
            return false;
        }

        WriteLease(connection, transaction, holder, now + length);
        transaction.Commit();
        return true;
    }

    /// <summary>
    /// In one <c>BEGIN IMMEDIATE</c> transaction (one commit, one fsync): checks that <paramref name="holder"/> still
    /// holds the lease, renews it once less than half of it is left, and counts an attempt on the first pending write,
    /// which it returns. Not leased: another device took over after this one stalled past its lease, so it must stop.
    /// </summary>
    public (bool Leased, QueuedWrite? Next) ClaimNext(string holder, DateTimeOffset now, TimeSpan length)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var lease = ReadLease(connection, transaction);
        if (HeldByAnother(lease, holder, now))
        {
            return (false, null);
        }

        if (lease is not { } held || held.Holder != holder || held.ExpiresAt - now < length / 2)
        {
            WriteLease(connection, transaction, holder, now + length);
        }

        var next = Writes(connection, transaction, "WHERE state = 'pending' ORDER BY seq LIMIT 1").SingleOrDefault();
        if (next is not null)
        {
            Execute(connection, "UPDATE writes SET attempts = attempts + 1 WHERE seq = $seq;", transaction, ("$seq", next.Sequence));
        }

        transaction.Commit();
        return (true, next);
    }

    public void ReleaseLease(string holder)
    {
        using var connection = Open();
        Execute(connection, "DELETE FROM replay_lease WHERE id = 1 AND holder = $holder;", parameters: ("$holder", holder));
    }

    private static bool HeldByAnother((string Holder, DateTimeOffset ExpiresAt)? lease, string holder, DateTimeOffset now)
        => lease is { } held && held.Holder != holder && held.ExpiresAt > now;

    private static (string Holder, DateTimeOffset ExpiresAt)? ReadLease(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT holder, expires_at FROM replay_lease WHERE id = 1;";
        using var reader = read.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))) : null;
    }

    private static void WriteLease(SqliteConnection connection, SqliteTransaction transaction, string holder, DateTimeOffset expiresAt)
        => Execute(connection, "INSERT OR REPLACE INTO replay_lease (id, holder, expires_at) VALUES (1, $holder, $expires);", transaction,
            ("$holder", holder), ("$expires", expiresAt.ToUnixTimeMilliseconds()));

    private static List<QueuedWrite> Writes(SqliteConnection connection, SqliteTransaction? transaction, string where, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {WriteColumns} FROM writes {where};";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var writes = new List<QueuedWrite>();
        while (reader.Read())
        {
            writes.Add(ReadWrite(reader));
        }

        return writes;
    }

    private static void RememberBalance(SqliteConnection connection, SqliteTransaction? transaction, string accountId, long balance, DateTimeOffset now)
        => Execute(connection, "INSERT INTO known_balances (account_id, balance, known_at) VALUES ($account, $balance, $at) ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, known_at = excluded.known_at;", transaction,
            ("$account", accountId), ("$balance", balance), ("$at", Instant(now)));

    private static QueuedWrite ReadWrite(SqliteDataReader reader)
    {
        var state = reader.GetString(5) switch
        {
            "pending" => WriteState.Pending,
            "confirmed" => WriteState.Confirmed,
            _ => WriteState.Refused,
        };
        var outcome = reader.IsDBNull(7) ? null : reader.GetString(7);
        return new QueuedWrite(
            reader.GetInt64(0),
            OfflineWrite.Parse(reader.GetString(2), reader.GetString(3), reader.GetString(1)),
            ParseInstant(reader.GetString(4)),
            state,
            reader.GetInt32(6),
            state == WriteState.Confirmed ? outcome : null,
            state == WriteState.Refused && outcome is not null ? JsonSerializer.Deserialize(outcome, ClientJson.Default.LedgerProblem) : null,
            reader.IsDBNull(8) ? null : ParseInstant(reader.GetString(8)));
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // SQLite's own busy handler waits for a lock in steps of a few milliseconds; without it Microsoft.Data.Sqlite
        // retries a busy statement every 150 ms, so a lock held for 5 ms by the other device cost a whole 150 ms.
        Execute(connection, $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};");
        return connection;
    }

    private static int Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseInstant(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
