using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>
/// Waits, within a bound, for every saga the harness started to end, and keeps the final transfers (a
/// final transfer never changes again, so it is read once).
/// </summary>
internal sealed class Settlement(LedgerCalls calls, TimeSpan bound)
{
    private readonly Dictionary<string, JsonObject> _final = new(StringComparer.Ordinal);

    /// <summary>Every transfer, hold and refund the harness knows of, final or (holds only) reserved.</summary>
    public Dictionary<string, JsonObject> Current { get; } = new(StringComparer.Ordinal);

    public async Task SettleAsync(IReadOnlyList<KeyedWrite> writes, Findings findings, CancellationToken cancellationToken)
    {
        var mustEnd = writes
            .Where(write => write.Outcome == WriteOutcome.Acknowledged && write.ResourceId is not null && write.Kind is WriteKind.Transfer or WriteKind.Refund or WriteKind.Capture or WriteKind.Void)
            .Select(write => write.ResourceId!)
            .ToHashSet(StringComparer.Ordinal);
        var known = writes
            .Where(write => write.Outcome == WriteOutcome.Acknowledged && write.ResourceId is not null && write.Kind is not (WriteKind.Mint or WriteKind.Burn or WriteKind.Export))
            .Select(write => write.ResourceId!)
            .ToHashSet(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var open = await ReadAllAsync(known, mustEnd, findings, cancellationToken);
        while (open.Count > 0 && clock.Elapsed < bound)
        {
            await Task.Delay(200, cancellationToken);
            open = await ReadAllAsync(open, mustEnd, findings, cancellationToken);
        }

        findings.Stuck += open.Count;
        foreach (var id in open)
        {
            findings.Problem($"transfer {id} is still {(string?)Current[id]["state"]} {bound.TotalSeconds:0} s after the restart");
        }

        CheckActions(writes, findings);
    }

    /// <summary>Reads the transfers in <paramref name="ids"/> and returns those that must end and have not.</summary>
    private async Task<HashSet<string>> ReadAllAsync(IEnumerable<string> ids, HashSet<string> mustEnd, Findings findings, CancellationToken cancellationToken)
    {
        var open = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids.ToArray())
        {
            var transfer = _final.GetValueOrDefault(id) ?? await calls.GetAsync($"/transfers/{id}", cancellationToken);
            if (transfer is null)
            {
                findings.Lost++;
                findings.Problem($"acknowledged transfer {id} does not exist (lost)");
                continue;
            }

            Current[id] = transfer;
            var state = (string)transfer["state"]!;
            if (state is "posted" or "voided")
            {
                _final[id] = transfer;
            }
            else if (mustEnd.Contains(id) || (string?)transfer["kind"] != "hold" || state != "reserved")
            {
                open.Add(id);
            }
        }

        return open;
    }

    /// <summary>An acknowledged void left its hold voided; an acknowledged capture left it final.</summary>
    private void CheckActions(IReadOnlyList<KeyedWrite> writes, Findings findings)
    {
        foreach (var write in writes.Where(write => write.Outcome == WriteOutcome.Acknowledged && write.Kind is WriteKind.Void or WriteKind.Capture))
        {
            var state = Current.TryGetValue(write.ResourceId!, out var hold) ? (string?)hold["state"] : null;
            var expected = write.Kind == WriteKind.Void ? state == "voided" : state is "posted" or "voided";
            if (!expected)
            {
                findings.Lost++;
                findings.Problem($"acknowledged {write.Kind} {write.Key} left hold {write.ResourceId} {state ?? "missing"} (lost)");
            }
        }
    }
}
