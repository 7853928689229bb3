using System.Globalization;
using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>
/// Mixed load from several workers: mints, burns, transfers, holds, captures, voids, refunds and exports,
/// every one with its own idempotency key, until the host dies under it.
/// </summary>
internal sealed class Workload(LedgerCalls calls, WriteLog log, IReadOnlyList<string> accounts, int seed)
{
    private int _sequence;

    public async Task RunAsync(int cycle, int workers, CancellationToken stop)
    {
        var tasks = Enumerable.Range(0, workers).Select(worker => WorkAsync(cycle, worker, stop)).ToArray();
        await Task.WhenAll(tasks);
    }

    private async Task WorkAsync(int cycle, int worker, CancellationToken stop)
    {
        var random = new Random(HashCode.Combine(seed, cycle, worker));
        while (!stop.IsCancellationRequested)
        {
            var write = Next(random, cycle);
            if (write is null)
            {
                continue;
            }

            log.Add(write);
            await calls.SendAsync(write, CancellationToken.None);
            if (write.Outcome == WriteOutcome.Unknown)
            {
                // The host is gone; stop here, the restart resolves what is unknown.
                return;
            }
        }
    }

    private KeyedWrite? Next(Random random, int cycle)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"torture-{seed}-{cycle}-{Interlocked.Increment(ref _sequence)}");
        var fromIndex = random.Next(accounts.Count);
        var from = accounts[fromIndex];
        var to = accounts[(fromIndex + 1 + random.Next(accounts.Count - 1)) % accounts.Count];
        var amount = random.Next(1, 50);
        return random.Next(100) switch
        {
            < 25 => Posting(WriteKind.Mint, "mint", from, amount, key, "credit_purchase"),
            < 33 => Posting(WriteKind.Burn, "burn", from, amount, key, "expiry"),
            < 60 => new KeyedWrite(WriteKind.Transfer, "/transfers", Move(from, to, amount), key, 0, null),
            < 72 => new KeyedWrite(WriteKind.Hold, "/holds", Hold(from, to, amount), key, 0, null),
            < 82 => OnHold(random, key, WriteKind.Capture, "capture", random.Next(2) == 0 ? [] : new JsonObject { ["amount"] = 1 }),
            < 88 => OnHold(random, key, WriteKind.Void, "void", []),
            < 97 => Refund(random, key),
            _ => new KeyedWrite(WriteKind.Export, "/exports", new JsonObject { ["account_id"] = from }, key, 0, from),
        };
    }

    private static KeyedWrite Posting(WriteKind kind, string kindName, string account, long amount, string key, string reason)
        => new(kind, "/transactions", new JsonObject { ["kind"] = kindName, ["account_id"] = account, ["amount"] = amount, ["reason"] = reason }, key, amount, account);

    private static JsonObject Move(string from, string to, long amount)
        => new() { ["from"] = from, ["to"] = to, ["amount"] = amount, ["reason"] = "content_unlock" };

    private static JsonObject Hold(string from, string to, long amount)
    {
        var body = Move(from, to, amount);
        body["reason"] = "live_session";
        body["expires_in_seconds"] = 86_400;
        return body;
    }

    private KeyedWrite? OnHold(Random random, string key, WriteKind kind, string action, JsonObject body)
    {
        var hold = log.PickAcknowledged(random, WriteKind.Hold);
        return hold is null ? null : new KeyedWrite(kind, $"/holds/{hold.ResourceId}/{action}", body, key, 0, null) { ResourceId = null };
    }

    private KeyedWrite? Refund(Random random, string key)
    {
        var original = log.PickAcknowledged(random, WriteKind.Transfer, WriteKind.Hold);
        return original is null
            ? null
            : new KeyedWrite(WriteKind.Refund, $"/transfers/{original.ResourceId}/refunds", new JsonObject { ["amount"] = random.Next(1, 5) }, key, 0, null);
    }
}
