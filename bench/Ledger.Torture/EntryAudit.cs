using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>
/// Reads each account's history as it grows and checks it from outside: sequences without gaps, each
/// entry's <c>balance_after</c> its predecessor's plus its amount, and no transaction twice on one account.
/// </summary>
internal sealed class EntryAudit(LedgerCalls calls)
{
    private const int PageSize = 200;
    private readonly Dictionary<string, AccountHistory> _accounts = new(StringComparer.Ordinal);

    /// <summary>Transaction ids seen on <paramref name="account"/>.</summary>
    public bool Contains(string account, string transactionId)
        => _accounts.TryGetValue(account, out var history) && history.TransactionIds.Contains(transactionId);

    public long LastBalance(string account) => _accounts.TryGetValue(account, out var history) ? history.LastBalance : 0;

    /// <summary>Reads the entries added since the last call and returns what is wrong with them.</summary>
    public async Task<List<string>> ReadNewEntriesAsync(string account, CancellationToken cancellationToken)
    {
        if (!_accounts.TryGetValue(account, out var history))
        {
            history = new AccountHistory();
            _accounts[account] = history;
        }

        var fresh = await ReadSinceAsync(account, history.LastSequence, cancellationToken);
        var problems = new List<string>();
        foreach (var entry in fresh.OrderBy(entry => (long)entry["sequence"]!))
        {
            Check(account, history, entry, problems);
        }

        return problems;
    }

    private static void Check(string account, AccountHistory history, JsonObject entry, List<string> problems)
    {
        var sequence = (long)entry["sequence"]!;
        var amount = (long)entry["amount"]!;
        var balanceAfter = (long)entry["balance_after"]!;
        var transactionId = (string)entry["transaction_id"]!;
        if (sequence != history.LastSequence + 1)
        {
            problems.Add($"{account}: entry {sequence} follows {history.LastSequence} (a gap: an entry is missing)");
        }

        if (balanceAfter != checked(history.LastBalance + amount))
        {
            problems.Add($"{account}: entry {sequence} has balance_after {balanceAfter}, expected {history.LastBalance} + {amount}");
        }

        if (!history.TransactionIds.Add(transactionId))
        {
            problems.Add($"{account}: transaction {transactionId} posted twice (doubled)");
        }

        history.LastSequence = sequence;
        history.LastBalance = balanceAfter;
    }

    private async Task<List<JsonObject>> ReadSinceAsync(string account, long lastSequence, CancellationToken cancellationToken)
    {
        var fresh = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var path = $"/accounts/{account}/entries?limit={PageSize}" + (cursor is null ? string.Empty : $"&cursor={cursor}");
            var page = await calls.GetAsync(path, cancellationToken) ?? throw new InvalidOperationException($"Account {account} is gone.");
            foreach (var entry in page["entries"]!.AsArray())
            {
                if ((long)entry!["sequence"]! <= lastSequence)
                {
                    return fresh;
                }

                fresh.Add(entry.AsObject());
            }

            cursor = (string?)page["next_cursor"];
        }
        while (cursor is not null);
        return fresh;
    }

    private sealed class AccountHistory
    {
        public long LastSequence { get; set; }

        public long LastBalance { get; set; }

        public HashSet<string> TransactionIds { get; } = new(StringComparer.Ordinal);
    }
}
