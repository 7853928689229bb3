namespace Ledger.Cli.Audit;

/// <summary>
/// The reads the audit makes, each one a route of the ledger's HTTP API. <see cref="ClientAuditSource"/>
/// answers them through the client SDK; tests can answer them from memory to reach states a healthy
/// ledger never shows.
/// </summary>
public interface IAuditSource
{
    /// <summary>Every account id of the app that has an entry (or is a counterparty of one).</summary>
    IAsyncEnumerable<string> ListAppAccountIdsAsync(CancellationToken cancellationToken);

    /// <summary>An owner's accounts, every page.</summary>
    IAsyncEnumerable<AuditAccount> ListOwnerAccountsAsync(string ownerId, CancellationToken cancellationToken);

    /// <summary>An account as it is now; null when the ledger has no such account.</summary>
    Task<AuditAccount?> GetAccountAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Every entry of an account, in the order the ledger pages them (newest first).</summary>
    IAsyncEnumerable<AuditEntry> ReadEntriesAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>A transfer's state (<c>reserved</c>, <c>crediting</c>, <c>posted</c>, <c>voided</c>); null when not found.</summary>
    Task<string?> GetTransferStateAsync(string transferId, CancellationToken cancellationToken);

    /// <summary>The transfers whose saga cannot end by itself; null when this key may not read the list.</summary>
    Task<IReadOnlyList<AuditStuckTransfer>?> ListStuckTransfersAsync(CancellationToken cancellationToken);

    /// <summary>The ledger's own hash-chain check of an account; null when the ledger does not offer it.</summary>
    Task<AuditChainResult?> VerifyChainAsync(string accountId, CancellationToken cancellationToken);
}
