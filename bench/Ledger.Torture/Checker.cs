using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>Everything checked after a restart, from outside, through the public API.</summary>
internal sealed class Checker(LedgerCalls calls, WriteLog log, IReadOnlyList<string> accounts, TimeSpan settleBound)
{
    private const int ResendAttempts = 20;
    private readonly Settlement _settlement = new(calls, settleBound);
    private readonly EntryAudit _entries = new(calls);
    private readonly HashSet<string> _exportsDone = new(StringComparer.Ordinal);

    public async Task<Findings> CheckAsync(CancellationToken cancellationToken)
    {
        var findings = new Findings();
        await ResolveUnknownAsync(findings, cancellationToken);
        var writes = log.Snapshot();
        findings.Acknowledged = writes.Count(write => write.Outcome == WriteOutcome.Acknowledged);
        await _settlement.SettleAsync(writes, findings, cancellationToken);
        await CheckExportsAsync(writes, findings, cancellationToken);
        foreach (var account in accounts)
        {
            foreach (var problem in await _entries.ReadNewEntriesAsync(account, cancellationToken))
            {
                findings.Problem(problem);
                findings.Doubled += problem.Contains("twice", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        CheckEffectsPosted(writes, findings);
        await CheckBalancesAsync(writes, findings, cancellationToken);
        await IntegrityChecks.CheckChainsAsync(calls, accounts, findings, cancellationToken);
        var issued = writes.Where(write => write.Outcome == WriteOutcome.Acknowledged && write.Kind is WriteKind.Mint or WriteKind.Burn).Sum(write => write.Kind == WriteKind.Mint ? write.Amount : -write.Amount);
        await IntegrityChecks.CheckAuditAsync(calls, issued, settleBound, findings, cancellationToken);
        return findings;
    }

    /// <summary>
    /// What a client must do after a crash: send every write whose answer it lost again, with its key. The
    /// resends run concurrently, as the clients that lost them would, so a transfer waiting out its saga's
    /// back-off does not hold up the others.
    /// </summary>
    private async Task ResolveUnknownAsync(Findings findings, CancellationToken cancellationToken)
    {
        var unknown = log.Snapshot().Where(write => write.Outcome == WriteOutcome.Unknown).ToArray();
        await Task.WhenAll(unknown.Select(write => ResendAsync(write, cancellationToken)));
        findings.ResolvedUnknown += unknown.Length;
        foreach (var write in unknown.Where(write => write.Outcome == WriteOutcome.Unknown))
        {
            findings.Problem($"{write.Kind} {write.Key} still has no answer after {ResendAttempts} resends");
        }
    }

    private async Task ResendAsync(KeyedWrite write, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < ResendAttempts && write.Outcome == WriteOutcome.Unknown; attempt++)
        {
            await calls.SendAsync(write, cancellationToken);
            if (write.Outcome == WriteOutcome.Unknown)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    /// <summary>Every acknowledged mint and burn, and both legs of every posted transfer, are in the history.</summary>
    private void CheckEffectsPosted(IReadOnlyList<KeyedWrite> writes, Findings findings)
    {
        foreach (var write in writes.Where(write => write.Outcome == WriteOutcome.Acknowledged && write.Kind is WriteKind.Mint or WriteKind.Burn))
        {
            if (!_entries.Contains(write.Account!, write.ResourceId!))
            {
                findings.Lost++;
                findings.Problem($"acknowledged {write.Kind} {write.ResourceId} on {write.Account} is not in its history (lost)");
            }
        }

        foreach (var transfer in _settlement.Current.Values.Where(transfer => (string?)transfer["state"] == "posted"))
        {
            var transactionId = (string)transfer["transaction_id"]!;
            foreach (var account in new[] { (string)transfer["from"]!, (string)transfer["to"]! })
            {
                if (!_entries.Contains(account, transactionId))
                {
                    findings.Lost++;
                    findings.Problem($"posted transfer {transfer["transfer_id"]} has no entry on {account} (lost)");
                }
            }
        }
    }

    /// <summary>Each balance equals what the acknowledged writes and the final transfers say it must be.</summary>
    private async Task CheckBalancesAsync(IReadOnlyList<KeyedWrite> writes, Findings findings, CancellationToken cancellationToken)
    {
        var (balances, pending) = ExpectedBalances(writes);
        foreach (var account in accounts)
        {
            var actual = await calls.GetAsync($"/accounts/{account}/balance", cancellationToken) ?? throw new InvalidOperationException($"Account {account} is gone.");
            var (balance, reserved) = ((long)actual["balance"]!, (long)actual["pending"]!);
            if (balance != balances.GetValueOrDefault(account) || reserved != pending.GetValueOrDefault(account) || balance != _entries.LastBalance(account))
            {
                findings.BalanceMismatches++;
                findings.Problem($"{account}: balance {balance} pending {reserved}; acknowledged writes say {balances.GetValueOrDefault(account)} pending {pending.GetValueOrDefault(account)}; history says {_entries.LastBalance(account)}");
            }
        }
    }

    private (Dictionary<string, long> Balances, Dictionary<string, long> Pending) ExpectedBalances(IReadOnlyList<KeyedWrite> writes)
    {
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var write in writes.Where(write => write.Outcome == WriteOutcome.Acknowledged && write.Kind is WriteKind.Mint or WriteKind.Burn))
        {
            Add(balances, write.Account!, write.Kind == WriteKind.Mint ? write.Amount : -write.Amount);
        }

        foreach (var transfer in _settlement.Current.Values)
        {
            var (from, to, state) = ((string)transfer["from"]!, (string)transfer["to"]!, (string)transfer["state"]!);
            if (state == "posted")
            {
                var settled = (long)transfer["settle_amount"]!;
                Add(balances, from, -settled);
                Add(balances, to, settled);
            }
            else if (state == "reserved")
            {
                Add(pending, from, (long)transfer["amount"]!);
            }
        }

        return (balances, pending);
    }

    private static void Add(Dictionary<string, long> totals, string account, long amount)
        => totals[account] = checked(totals.GetValueOrDefault(account) + amount);

    /// <summary>Every acknowledged export completes within the bound and its file downloads.</summary>
    private async Task CheckExportsAsync(IReadOnlyList<KeyedWrite> writes, Findings findings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var export in writes.Where(write => write.Outcome == WriteOutcome.Acknowledged && write.Kind == WriteKind.Export && !_exportsDone.Contains(write.ResourceId!)))
        {
            var status = await WaitForExportAsync(export.ResourceId!, clock, cancellationToken);
            var (fileStatus, text) = status == "completed" ? await calls.GetTextAsync($"/exports/{export.ResourceId}/file", cancellationToken) : (HttpStatusCode.NotFound, string.Empty);
            if (fileStatus == HttpStatusCode.OK && text.Length > 0)
            {
                _exportsDone.Add(export.ResourceId!);
                continue;
            }

            findings.ExportsUnfinished++;
            findings.Problem($"export {export.ResourceId} is {status ?? "missing"} after the restart (file: {(int)fileStatus})");
        }
    }

    private async Task<string?> WaitForExportAsync(string exportId, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = (string?)(await calls.GetAsync($"/exports/{exportId}", cancellationToken))?["status"];
            if (status is "completed" or "failed" or null || clock.Elapsed > settleBound)
            {
                return status;
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
