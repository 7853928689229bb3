using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>Entries read per page while walking history forward from a snapshot.</summary>
    private const int HistoryPageSize = 500;

    /// <summary>
    /// Most entries one as-of query walks past its snapshot. Snapshots are taken every few hundred
    /// entries, so this is only reached when the snapshot consumer is far behind; then the query says so
    /// rather than growing without bound.
    /// </summary>
    public const int MaxEntriesWalkedPerQuery = 200_000;

    /// <summary>
    /// The account's exact balance at <paramref name="asOf"/>: the nearest snapshot at or before it, plus the
    /// entries after that snapshot up to the instant. Its cost depends on the snapshot rhythm, not on the
    /// length of the account's history.
    /// </summary>
    public async Task<Result<long>> GetBalanceAsOfAsync(AppId app, AccountId accountId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var account = await GetAccountAsync(app, accountId, cancellationToken).ConfigureAwait(false);
        if (!account.TryGetValue(out var current, out var error))
        {
            return error;
        }

        if (current.LastPostedAt is not { } lastPostedAt)
        {
            return 0;
        }

        return asOf >= lastPostedAt
            ? current.Balance
            : await WalkFromSnapshotAsync(app, accountId, asOf, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Result<long>> WalkFromSnapshotAsync(AppId app, AccountId accountId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var partition = DocumentTypes.AccountPartition(app, accountId);
        var snapshots = await _store.ReadRangeAsync(
            new RangeQuery(partition, DocumentTypes.Snapshot, minSortKey: null, maxSortKey: asOf.UtcTicks, descending: true, limit: 1),
            cancellationToken).ConfigureAwait(false);
        long balance = 0;
        long sequence = 0;
        if (snapshots.Count == 1)
        {
            var snapshot = DocumentCodec.Decode(snapshots[0], LedgerDocumentJsonContext.Documents.SnapshotDocument);
            balance = snapshot.Balance;
            sequence = snapshot.Sequence;
        }

        var walked = 0;
        while (walked < MaxEntriesWalkedPerQuery)
        {
            var page = await _store.ReadRangeAsync(
                new RangeQuery(partition, DocumentTypes.Entry, minSortKey: sequence + 1, maxSortKey: null, descending: false, HistoryPageSize),
                cancellationToken).ConfigureAwait(false);
            foreach (var stored in page)
            {
                var entry = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.EntryDocument);
                if (entry.PostedAt > asOf)
                {
                    return balance;
                }

                balance = entry.BalanceAfter;
                sequence = entry.Sequence;
            }

            walked += page.Count;
            if (page.Count < HistoryPageSize)
            {
                return balance;
            }
        }

        return new LedgerError(ErrorCodes.StoreUnavailable, "Balance snapshots are too far behind to answer this query now; retry shortly.");
    }

    /// <summary>The id of the snapshot taken at an entry: ordered and unique per account.</summary>
    public static string SnapshotId(long sequence) => "snapshot:" + sequence.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
