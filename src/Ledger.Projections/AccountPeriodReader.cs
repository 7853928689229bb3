using System.Runtime.CompilerServices;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>
/// Streams one account's entries posted in a period [from, to), oldest first, page by page. It starts at
/// the newest balance snapshot taken strictly before <c>from</c> (entry times never go backwards inside an
/// account, so every entry up to that snapshot is earlier than <c>from</c>), so reaching the period costs at
/// most one snapshot interval however long the account's history is. Summaries and exports share it.
/// </summary>
public static class AccountPeriodReader
{
    /// <summary>Entries per store read: large enough to amortise a round trip, small enough to hold in memory.</summary>
    public const int PageSize = 500;

    /// <summary>
    /// The entries posted at or after <paramref name="from"/> and before <paramref name="to"/> (either bound
    /// may be null for "unbounded"). <paramref name="onScanned"/> is told of every entry read, inside the
    /// period or not, so callers can bound the work.
    /// </summary>
    public static async IAsyncEnumerable<EntryDocument> ReadAsync(
        ILedgerStore store,
        string partition,
        DateTimeOffset? from,
        DateTimeOffset? to,
        Action? onScanned = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long afterSequence = 0;
        if (from is { } start && start.UtcTicks > 0)
        {
            var snapshots = await store.ReadRangeAsync(
                new RangeQuery(partition, DocumentTypes.Snapshot, minSortKey: null, maxSortKey: start.UtcTicks - 1, descending: true, limit: 1),
                cancellationToken).ConfigureAwait(false);
            if (snapshots.Count == 1)
            {
                afterSequence = DocumentCodec.Decode(snapshots[0], LedgerDocumentJsonContext.Default.SnapshotDocument).Sequence;
            }
        }

        while (true)
        {
            var page = await store.ReadRangeAsync(
                new RangeQuery(partition, DocumentTypes.Entry, minSortKey: afterSequence + 1, maxSortKey: null, descending: false, PageSize),
                cancellationToken).ConfigureAwait(false);
            foreach (var stored in page)
            {
                onScanned?.Invoke();
                var entry = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Default.EntryDocument);
                afterSequence = entry.Sequence;
                if (to is { } end && entry.PostedAt >= end)
                {
                    yield break;
                }

                if (from is { } begin && entry.PostedAt < begin)
                {
                    continue;
                }

                yield return entry;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }
        }
    }
}
