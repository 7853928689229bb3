using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;
using System.Text.Json.Serialization.Metadata;

namespace Ledger.Projections.Audit;

/// <summary>Reads and writes the audit's state through the store port (see <see cref="AuditDocuments"/>).</summary>
public sealed class AuditStore(ILedgerStore store)
{
    /// <summary>
    /// The app's totals and their ETag (fresh totals and a null ETag when the audit has not seen the app yet),
    /// and <paramref name="held"/> when the stored totals are still the ones it saved: then its totals are
    /// used as they are, without decoding the stored ones, and its states stand for the stored ones.
    /// </summary>
    internal async Task<(AuditTotals Totals, string? ETag, KnownAuditState? Known)> ReadTotalsAsync(AppId app, KnownAuditState? held, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(AuditDocuments.Partition(app), AuditDocuments.TotalsId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return (new AuditTotals { AppId = app.Value }, null, null);
        }

        return held is not null && string.Equals(held.TotalsETag, stored.ETag, StringComparison.Ordinal)
            ? (held.Totals, stored.ETag, held)
            : (DocumentCodec.Decode(stored, ProjectionJsonContext.Default.AuditTotals), stored.ETag, null);
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

    /// <summary>The audit states of these accounts: from <paramref name="known"/> where it has them, else from the store (null: none yet).</summary>
    public Task<Dictionary<string, AuditAccountState?>> ReadAccountsAsync(AppId app, IEnumerable<string> accountIds, IReadOnlyDictionary<string, AuditAccountState>? known, CancellationToken cancellationToken)
        => ReadStatesAsync(app, accountIds, known, AuditDocuments.AccountStateId, ProjectionJsonContext.Default.AuditAccountState, cancellationToken);

    /// <summary>The legs of these transfers: from <paramref name="known"/> where it has them, else from the store (null: none stored).</summary>
    public Task<Dictionary<string, AuditTransferLegs?>> ReadLegsAsync(AppId app, IEnumerable<string> transferIds, IReadOnlyDictionary<string, AuditTransferLegs>? known, CancellationToken cancellationToken)
        => ReadStatesAsync(app, transferIds, known, AuditDocuments.LegsId, ProjectionJsonContext.Default.AuditTransferLegs, cancellationToken);

    private async Task<Dictionary<string, T?>> ReadStatesAsync<T>(AppId app, IEnumerable<string> ids, IReadOnlyDictionary<string, T>? known, Func<string, string> documentId, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        var found = new Dictionary<string, T?>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (found.ContainsKey(id))
            {
                continue;
            }

            if (known is not null && known.TryGetValue(id, out var held))
            {
                found[id] = held;
                continue;
            }

            var stored = await store.ReadAsync(AuditDocuments.Partition(app), documentId(id), cancellationToken).ConfigureAwait(false);
            found[id] = stored is null ? null : DocumentCodec.Decode(stored, typeInfo);
        }

        return found;
    }

    /// <summary>
    /// Writes everything the step changed for one app in one batch, the totals guarded by their ETag, so the
    /// state moves a whole step or not at all, and returns the totals' new ETag. Throws when the batch fails:
    /// the step is then retried.
    /// </summary>
    public async Task<string> SaveAsync(AuditBook book, string? totalsETag, CancellationToken cancellationToken)
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

        return result.ETags[0];
    }
}
