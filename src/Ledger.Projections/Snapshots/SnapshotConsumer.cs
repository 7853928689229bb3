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

    /// <summary>Partitions whose newest entry is remembered at most (about 100 bytes each).</summary>
    public const int MaxRememberedPartitions = 100_000;

    private readonly ILedgerStore _store;
    private readonly SnapshotOptions _options;
    private readonly TimeProvider _time;

    /// <summary>
    /// The newest entry seen per partition, so most entries find their predecessor without a store read.
    /// Entries are immutable, so a remembered entry whose sequence is one less IS the previous entry, even
    /// when changes arrive twice. Concurrent: the Functions app may hand over several lease ranges at once.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LastEntry> _lastEntries = new(StringComparer.Ordinal);

    public SnapshotConsumer(ILedgerStore store, SnapshotOptions options, TimeProvider time)
    {
        options.Validate();
        _store = store;
        _options = options;
        _time = time;
    }

    public string Name => ConsumerName;

    public IReadOnlySet<string> FeedDocumentTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { DocumentTypes.Entry };

    public async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            if (change.Type != DocumentTypes.Entry)
            {
                continue;
            }

            var entry = DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.EntryDocument);

            // The feed is in commit order per partition, so the previous entry is usually the one this
            // consumer saw last for the partition; only a miss (first sight after a restart, eviction) reads it.
            var previousPostedAt = _lastEntries.TryGetValue(change.Partition, out var last) && last.Sequence == entry.Sequence - 1
                ? last.PostedAt
                : (await ReadEntryAsync(change.Partition, entry.Sequence - 1, cancellationToken).ConfigureAwait(false))?.PostedAt;
            if (IsSnapshotPoint(entry.Sequence, entry.PostedAt, previousPostedAt, _options.EveryEntries))
            {
                await WriteSnapshotAsync(change.Partition, entry, cancellationToken).ConfigureAwait(false);
            }

            Remember(change.Partition, entry);
        }
    }

    /// <summary>
    /// Whether an entry gets a snapshot: every N-th, and the first of each UTC day (the first entry ever
    /// included, which has no previous entry).
    /// </summary>
    public static bool IsSnapshotPoint(long sequence, DateTimeOffset postedAt, DateTimeOffset? previousPostedAt, int everyEntries)
        => sequence % everyEntries == 0
           || previousPostedAt is null
           || postedAt.UtcDateTime.Date > previousPostedAt.Value.UtcDateTime.Date;

    /// <summary>Remembers a partition's newest entry seen; when the bound is reached it starts over rather than grow.</summary>
    private void Remember(string partition, EntryDocument entry)
    {
        // ContainsKey first: it is lock-free, while Count takes every lock of the dictionary.
        if (!_lastEntries.ContainsKey(partition) && _lastEntries.Count >= MaxRememberedPartitions)
        {
            _lastEntries.Clear();
        }

        // Only ever move forward: a change delivered again must not replace a newer entry.
        _lastEntries.AddOrUpdate(
            partition,
            new LastEntry(entry.Sequence, entry.PostedAt),
            (_, known) => known.Sequence >= entry.Sequence ? known : new LastEntry(entry.Sequence, entry.PostedAt));
    }

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

    private readonly record struct LastEntry(long Sequence, DateTimeOffset PostedAt);
}
