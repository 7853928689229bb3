using System.Globalization;

namespace Ledger.Cli.Audit;

/// <summary>The running state of one audit: what is left to visit, what was seen, the totals and the findings.</summary>
internal sealed class AuditRun
{
    private readonly HashSet<string> _seenAccounts = new(StringComparer.Ordinal);

    public Queue<string> Unvisited { get; } = new();

    public HashSet<string> ListedOwners { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, TransactionLegs> Transactions { get; } = new(StringComparer.Ordinal);

    /// <summary>Transfers already reported as not final, so one transfer gives one finding.</summary>
    public HashSet<string> ReportedTransfers { get; } = new(StringComparer.Ordinal);

    public List<AuditFinding> Findings { get; } = [];

    public int AccountCount { get; set; }

    public long EntryCount { get; private set; }

    public Int128 Minted { get; private set; }

    public Int128 Burned { get; private set; }

    public Int128 TotalBalance { get; set; }

    public Int128 TotalPending { get; set; }

    /// <summary>Whether the ledger offers the hash-chain check: unknown (null) until the first account asks.</summary>
    public bool? ChainsAvailable { get; set; }

    /// <summary>Queues an account for the audit, once; the issuance contra-account is not an account.</summary>
    public void Visit(string accountId)
    {
        if (accountId != LedgerAudit.IssuanceAccount && _seenAccounts.Add(accountId))
        {
            Unvisited.Enqueue(accountId);
        }
    }

    public void Find(string check, string subject, string detail) => Findings.Add(new AuditFinding(check, subject, detail));

    /// <summary>Counts an entry into the issuance totals and its transaction's legs, and queues the accounts it names.</summary>
    public void Record(AuditEntry entry)
    {
        EntryCount++;
        if (entry.Counterparty == LedgerAudit.IssuanceAccount)
        {
            if (entry.Amount > 0)
            {
                Minted += entry.Amount;
            }
            else
            {
                Burned -= (Int128)entry.Amount;
            }
        }

        if (entry.Counterparty is not null)
        {
            Visit(entry.Counterparty);
        }

        if (!Transactions.TryGetValue(entry.TransactionId, out var transaction))
        {
            transaction = new TransactionLegs();
            Transactions.Add(entry.TransactionId, transaction);
        }

        transaction.TransferId ??= entry.TransferId;
        foreach (var leg in entry.Legs)
        {
            Visit(leg.AccountId);
            if (!transaction.Add(leg))
            {
                Find(AuditChecks.UnbalancedTransaction, entry.TransactionId, string.Create(CultureInfo.InvariantCulture, $"Two entries give {leg.AccountId} different legs in this transaction ({transaction.AmountOf(leg.AccountId)} and {leg.Amount})."));
            }
        }
    }
}

/// <summary>The legs of one transaction gathered from every entry that shows them, one per account.</summary>
internal sealed class TransactionLegs
{
    private readonly SortedDictionary<string, long> _legs = new(StringComparer.Ordinal);

    public string? TransferId { get; set; }

    /// <summary>Adds a leg; false when the account already has a different leg in this transaction.</summary>
    public bool Add(AuditLeg leg)
    {
        if (_legs.TryGetValue(leg.AccountId, out var known))
        {
            return known == leg.Amount;
        }

        _legs.Add(leg.AccountId, leg.Amount);
        return true;
    }

    public long AmountOf(string accountId) => _legs[accountId];

    public Int128 Sum()
    {
        Int128 sum = 0;
        foreach (var amount in _legs.Values)
        {
            sum += amount;
        }

        return sum;
    }

    public string Describe() => string.Join(", ", _legs.Select(leg => string.Create(CultureInfo.InvariantCulture, $"{leg.Key} {leg.Value:+0;-0;0}")));
}
