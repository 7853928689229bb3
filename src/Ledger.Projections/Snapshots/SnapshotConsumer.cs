using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>
/// Takes balance snapshots for balance-as-of queries: at every <see cref="SnapshotOptions.EveryEntries"/>-th
/// entry of an account and at the first entry of each UTC day on which the account posted, so an active
/// account has at least one snapshot a day. Which entries get one depends only on the entries themselves
/// (immutable), never on when the consumer ran, and a snapshot's id is derived from its entry's sequence
/// and written create-must-not-exist: a change seen twice meets its own snapshot and changes nothing.
/// </summary>
public sealed class SnapshotConsumer : IChangeConsumer
{
    public const string ConsumerName = "snapshots";

    private readonly ILedgerStore _store;
    private readonly SnapshotOptions _options;
    private readonly TimeProvider _time;

    public SnapshotConsumer(ILedgerStore store, SnapshotOptions options, TimeProvider time)
    {
        options.Validate();
        _store = store;
        _options = options;
        _time = time;
    }

    public string Name => ConsumerName;

    public async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        // The previous entry of each partition seen in this batch: the feed is in commit order per
        // partition, so most entries find their predecessor here rather than with a store read.
        var previousByPartition = new Dictionary<string, EntryDocument>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (change.Type != DocumentTypes.Entry)
            {
                continue;
            }

            var entry = DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.EntryDocument);
            var previous = previousByPartition.TryGetValue(change.Partition, out var known) && known.Sequence == entry.Sequence - 1
                ? known
                : await ReadEntryAsync(change.Partition, entry.Sequence - 1, cancellationToken).ConfigureAwait(false);
            if (IsSnapshotPoint(entry, previous, _options.EveryEntries))
            {
                await WriteSnapshotAsync(change.Partition, entry, cancellationToken).ConfigureAwait(false);
            }

            previousByPartition[change.Partition] = entry;
        }
    }

    /// <summary>Whether an entry gets a snapshot: every N-th, and the first of each UTC day (the first entry ever included).</summary>
    public static bool IsSnapshotPoint(EntryDocument entry, EntryDocument? previous, int everyEntries)
        => entry.Sequence % everyEntries == 0
           || previous is null
           || entry.PostedAt.UtcDateTime.Date > previous.PostedAt.UtcDateTime.Date;

    private async Task<EntryDocument?> ReadEntryAsync(string partition, long sequence, CancellationToken cancellationToken)
    {
        if (sequence < 1)
        {
            return null;
        }

        var found = await _store.ReadRangeAsync(
            new RangeQuery(partition, DocumentTypes.Entry, minSortKey: sequence, maxSortKey: sequence, descending: false, limit: 1),
            cancellationToken).ConfigureAwait(false);
        return found.Count == 1 ? DocumentCodec.Decode(found[0], LedgerDocumentJsonContext.Default.EntryDocument) : null;
    }

    private async Task WriteSnapshotAsync(string partition, EntryDocument entry, CancellationToken cancellationToken)
    {
        var snapshot = new SnapshotDocument
        {
            AccountId = entry.AccountId,
            Sequence = entry.Sequence,
            Balance = entry.BalanceAfter,
            AsOf = entry.PostedAt,
            TakenAt = _time.GetUtcNow(),
        };
        var result = await _store.CommitAsync(
            new PartitionBatch(partition, DocumentWrite.Create(
                LedgerEngine.SnapshotId(entry.Sequence),
                DocumentTypes.Snapshot,
                DocumentCodec.Encode(snapshot, LedgerDocumentJsonContext.Documents.SnapshotDocument),
                sortKey: entry.PostedAt.UtcTicks)),
            cancellationToken).ConfigureAwait(false);

        // A conflict is this very snapshot, written before a crash or by an earlier delivery of the change.
        if (result.Outcome is not (BatchOutcome.Committed or BatchOutcome.Conflict))
        {
            throw new InvalidOperationException($"Snapshot {entry.Sequence} of '{partition}' failed with {result.Outcome}.");
        }
    }
}
