using System.Net;
using System.Runtime.CompilerServices;
using Ledger.Client;

namespace Ledger.Cli.Audit;

/// <summary>The audit's reads answered by the ledger's HTTP API through the client SDK.</summary>
internal sealed class ClientAuditSource(LedgerClient client) : IAuditSource
{
    private const int PageSize = 200;

    /// <summary>
    /// The app's accounts, from an app-wide CSV export (the API has no route that lists every account):
    /// each row's account and counterparty. An account with no entry at all is not in it.
    /// </summary>
    public async IAsyncEnumerable<string> ListAppAccountIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var requested = await client.RequestExportAsync(new ExportRequest { Scope = ExportScope.App, IdempotencyKey = "cli-verify-" + LedgerClient.NewIdempotencyKey() }, cancellationToken);
        var export = await client.WaitForExportAsync(requested.ExportId, cancellationToken: cancellationToken);
        if (export.IsFailed)
        {
            throw new RefusedException(export.ErrorCode ?? "export_failed", $"The app-wide export that lists the accounts failed ({export.FailureReason}); name the accounts to audit with --owner or --account.");
        }

        await using var download = await client.DownloadExportAsync(export.ExportId, cancellationToken);
        using var reader = new StreamReader(download.Content);
        int accountColumn = -1, counterpartyColumn = -1;
        await foreach (var record in CsvRecords.ReadAsync(reader, cancellationToken))
        {
            if (accountColumn < 0)
            {
                accountColumn = IndexOf(record, "account_id");
                counterpartyColumn = IndexOf(record, "counterparty");
                continue;
            }

            yield return CsvRecords.Unguarded(record[accountColumn]);
            if (record[counterpartyColumn] is { Length: > 0 } counterparty)
            {
                yield return CsvRecords.Unguarded(counterparty);
            }
        }
    }

    public async IAsyncEnumerable<AuditAccount> ListOwnerAccountsAsync(string ownerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var page = await client.ListAccountsAsync(ownerId, PageSize, continuation, cancellationToken);
            foreach (var account in page.Accounts)
            {
                yield return Audited(account);
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    public async Task<AuditAccount?> GetAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        try
        {
            return Audited(await client.GetAccountAsync(accountId, cancellationToken));
        }
        catch (LedgerApiException refusal) when (refusal.Code == "account_not_found")
        {
            return null;
        }
    }

    public async IAsyncEnumerable<AuditEntry> ReadEntriesAsync(string accountId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in client.EnumerateEntriesAsync(accountId, PageSize, cancellationToken))
        {
            yield return new AuditEntry(entry.AccountId, entry.Sequence, entry.TransactionId, entry.Kind, entry.Amount, entry.BalanceAfter, entry.Counterparty, entry.TransferId,
                [.. entry.Legs.Select(leg => new AuditLeg(leg.AccountId, leg.Amount))]);
        }
    }

    public async Task<string?> GetTransferStateAsync(string transferId, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetTransferAsync(transferId, cancellationToken)).State;
        }
        catch (LedgerApiException refusal) when (refusal.Code == "transfer_not_found")
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<AuditStuckTransfer>?> ListStuckTransfersAsync(CancellationToken cancellationToken)
    {
        var stuck = new List<AuditStuckTransfer>();
        string? continuation = null;
        try
        {
            do
            {
                var page = await client.ListStuckTransfersAsync(PageSize, continuation, cancellationToken);
                stuck.AddRange(page.Transfers.Select(transfer => new AuditStuckTransfer(transfer.TransferId, transfer.State, transfer.StuckReason)));
                continuation = page.Continuation;
            }
            while (continuation is not null);
        }
        catch (LedgerApiException refusal) when (refusal.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            // A key without the operator scope, or a host without the route: the audit says it was not checked.
            return null;
        }

        return stuck;
    }

    /// <summary>
    /// The ledger's own recomputation of the account's hash chain and balance (GET /accounts/{id}/verify,
    /// followed to the end); null from a ledger that does not serve the route.
    /// </summary>
    public async Task<AuditChainResult?> VerifyChainAsync(string accountId, CancellationToken cancellationToken)
    {
        AccountVerification verification;
        try
        {
            verification = await client.VerifyWholeAccountAsync(accountId, cancellationToken);
        }
        catch (LedgerApiException refusal) when (refusal.Code == "route_not_found")
        {
            return null;
        }

        return verification.FirstBreak is { } firstBreak
            ? new AuditChainResult(false, $"Entry {firstBreak.Sequence}{(firstBreak.TransactionId is null ? "" : $" ({firstBreak.TransactionId})")} breaks the chain: {firstBreak.Reason}: {firstBreak.Detail}")
            : new AuditChainResult(verification.Status == "ok", verification.Status == "ok" ? null : $"The ledger's verification ended {verification.Status}.");
    }

    private static AuditAccount Audited(Account account) => new(account.AccountId, account.OwnerId, account.Balance, account.Pending, account.Status);

    private static int IndexOf(IReadOnlyList<string> header, string column)
    {
        for (var index = 0; index < header.Count; index++)
        {
            if (header[index] == column)
            {
                return index;
            }
        }

        throw new RefusedException("unexpected_export", $"The export has no '{column}' column.");
    }
}
