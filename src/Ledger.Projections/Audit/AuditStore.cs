using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections.Audit;

/// <summary>Reads and writes the audit's state through the store port (see <see cref="AuditDocuments"/>).</summary>
public sealed class AuditStore(ILedgerStore store)
{
    /// <summary>The app's totals and their ETag; fresh totals and a null ETag when the audit has not seen the app yet.</summary>
    public async Task<(AuditTotals Totals, string? ETag)> ReadTotalsAsync(AppId app, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(AuditDocuments.Partition(app), AuditDocuments.TotalsId, cancellationToken).ConfigureAwait(false);
        return stored is null
            ? (new AuditTotals { AppId = app.Value }, null)
            : (DocumentCodec.Decode(stored, ProjectionJsonContext.Default.AuditTotals), stored.ETag);
    }

    /// <summary>The totals of one app, or of every app the audit has seen (the operator's view, by app id).</summary>
    public async Task<IReadOnlyList<AuditTotals>> ListTotalsAsync(AppId? app, CancellationToken cancellationToken)
    {
        if (app is { } one)
        {
            var stored = await store.ReadAsync(AuditDocuments.Partition(one), AuditDocuments.TotalsId, cancellationToken).ConfigureAwait(false);
            return stored is null ? [new AuditTotals { AppId = one.Value }] : [DocumentCodec.Decode(stored, ProjectionJsonContext.Default.AuditTotals)];
        }

        var all = new List<AuditTotals>();
        string? continuation = null;
        do
        {
            var page = await store.QueryIndexAsync(new IndexQuery(AuditDocuments.TotalsType, AuditDocuments.TotalsIndexPrefix, prefix: true, continuation, StoreLimits.MaxPageSize), cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Documents.Select(stored => DocumentCodec.Decode(stored, ProjectionJsonContext.Default.AuditTotals)));
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return all;
    }

    public async Task<Dictionary<string, AuditAccountState?>> ReadAccountsAsync(AppId app, IEnumerable<string> accountIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, AuditAccountState?>(StringComparer.Ordinal);
        foreach (var accountId in accountIds)
        {
            if (!found.ContainsKey(accountId))
            {
                var stored = await store.ReadAsync(AuditDocuments.Partition(app), AuditDocuments.AccountStateId(accountId), cancellationToken).ConfigureAwait(false);
                found[accountId] = stored is null ? null : DocumentCodec.Decode(stored, ProjectionJsonContext.Default.AuditAccountState);
            }
        }

        return found;
    }

    public async Task<Dictionary<string, AuditTransferLegs?>> ReadLegsAsync(AppId app, IEnumerable<string> transferIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, AuditTransferLegs?>(StringComparer.Ordinal);
        foreach (var transferId in transferIds)
        {
            if (!found.ContainsKey(transferId))
            {
                var stored = await store.ReadAsync(AuditDocuments.Partition(app), AuditDocuments.LegsId(transferId), cancellationToken).ConfigureAwait(false);
                found[transferId] = stored is null ? null : DocumentCodec.Decode(stored, ProjectionJsonContext.Default.AuditTransferLegs);
            }
        }

        return found;
    }

    /// <summary>
    /// Writes everything the step changed for one app in one batch, the totals guarded by their ETag, so the
    /// state moves a whole step or not at all. Throws when the batch fails: the step is then retried.
    /// </summary>
    public async Task SaveAsync(AuditBook book, string? totalsETag, CancellationToken cancellationToken)
    {
        var writes = new List<DocumentWrite>();
        var totals = DocumentCodec.Encode(book.Totals, ProjectionJsonContext.Default.AuditTotals);
        var indexKey = AuditDocuments.TotalsIndexPrefix + book.App.Value;
        writes.Add(totalsETag is null
            ? DocumentWrite.Create(AuditDocuments.TotalsId, AuditDocuments.TotalsType, totals, indexKey: indexKey)
            : DocumentWrite.Replace(AuditDocuments.TotalsId, AuditDocuments.TotalsType, totals, totalsETag, indexKey: indexKey));
        foreach (var account in book.ChangedAccounts)
        {
            writes.Add(DocumentWrite.Upsert(AuditDocuments.AccountStateId(account.AccountId), AuditDocuments.AccountType, DocumentCodec.Encode(account, ProjectionJsonContext.Default.AuditAccountState)));
        }

        foreach (var (transferId, legs, stored) in book.ChangedLegs)
        {
            if (legs is not null)
            {
                writes.Add(DocumentWrite.Upsert(AuditDocuments.LegsId(transferId), AuditDocuments.LegsType, DocumentCodec.Encode(legs, ProjectionJsonContext.Default.AuditTransferLegs)));
            }
            else if (stored)
            {
                writes.Add(DocumentWrite.Delete(AuditDocuments.LegsId(transferId), AuditDocuments.LegsType));
            }
        }

        var result = await store.CommitAsync(new PartitionBatch(AuditDocuments.Partition(book.App), writes), cancellationToken).ConfigureAwait(false);
        if (!result.IsCommitted)
        {
            throw new InvalidOperationException($"Saving the audit of app '{book.App}' failed with {result.Outcome}.");
        }
    }
}
