using System.Runtime.CompilerServices;
using Ledger.Cli.Audit;

namespace Ledger.Cli.Tests.Audit;

/// <summary>A ledger held in memory as the audit reads it, so a test can build states a healthy ledger never shows.</summary>
internal sealed class InMemoryAuditSource : IAuditSource
{
    public Dictionary<string, AuditAccount> Accounts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<AuditEntry>> Entries { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> TransferStates { get; } = new(StringComparer.Ordinal);

    public List<AuditStuckTransfer> Stuck { get; } = [];

    public Dictionary<string, AuditChainResult> Chains { get; } = new(StringComparer.Ordinal);

    /// <summary>The accounts the app's export would list; every account when null.</summary>
    public List<string>? Exported { get; set; }

    public List<string> AccountsRead { get; } = [];

    public InMemoryAuditSource Account(string id, long balance, long pending = 0, string? owner = null)
    {
        Accounts[id] = new AuditAccount(id, owner ?? id, balance, pending, "open");
        Entries.TryAdd(id, []);
        return this;
    }

    /// <summary>Adds an entry whose balance_after is the running sum, as the ledger writes it.</summary>
    public InMemoryAuditSource Entry(string account, string transaction, long amount, string counterparty, string? transferId = null, params AuditLeg[] legs)
    {
        var history = Entries[account];
        var balanceAfter = history.Sum(entry => entry.Amount) + amount;
        var entryLegs = legs.Length > 0 ? legs : [new AuditLeg(account, amount)];
        history.Insert(0, new AuditEntry(account, history.Count + 1, transaction, "test", amount, balanceAfter, counterparty, transferId, entryLegs));
        return this;
    }

    /// <summary>A mint: the account's credit and the issuance debit, both legs on the one entry.</summary>
    public InMemoryAuditSource Mint(string account, string transaction, long amount)
        => Entry(account, transaction, amount, LedgerAudit.IssuanceAccount, null, new AuditLeg(account, amount), new AuditLeg(LedgerAudit.IssuanceAccount, -amount));

    /// <summary>A posted transfer: the source's debit and the destination's credit, each on its own account's entry.</summary>
    public InMemoryAuditSource Transfer(string from, string to, string transaction, long amount)
    {
        var transferId = "tr_" + transaction + "_" + from;
        TransferStates[transferId] = "posted";
        return Entry(from, transaction, -amount, to, transferId).Entry(to, transaction, amount, from, transferId);
    }

    public async IAsyncEnumerable<string> ListAppAccountIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var id in Exported ?? [.. Accounts.Keys])
        {
            yield return id;
        }
    }

    public async IAsyncEnumerable<AuditAccount> ListOwnerAccountsAsync(string ownerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var account in Accounts.Values.Where(account => account.OwnerId == ownerId))
        {
            yield return account;
        }
    }

    public Task<AuditAccount?> GetAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        AccountsRead.Add(accountId);
        return Task.FromResult(Accounts.GetValueOrDefault(accountId));
    }

    public async IAsyncEnumerable<AuditEntry> ReadEntriesAsync(string accountId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var entry in Entries.GetValueOrDefault(accountId) ?? [])
        {
            yield return entry;
        }
    }

    public Task<string?> GetTransferStateAsync(string transferId, CancellationToken cancellationToken) => Task.FromResult(TransferStates.GetValueOrDefault(transferId));

    public Task<IReadOnlyList<AuditStuckTransfer>?> ListStuckTransfersAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<AuditStuckTransfer>?>(Stuck);

    public Task<AuditChainResult?> VerifyChainAsync(string accountId, CancellationToken cancellationToken)
        => Task.FromResult(Chains.Count == 0 ? null : Chains.GetValueOrDefault(accountId, new AuditChainResult(true, null)));
}
