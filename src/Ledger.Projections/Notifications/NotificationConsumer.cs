using Azure.Messaging;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections.Notifications;

/// <summary>
/// Publishes the ledger's CloudEvents. A batch of changes becomes its events in feed order (commit order per
/// account), published in chunks, one after the other; any failure fails the batch, so the framework retries
/// it from the checkpoint with backoff. Delivery is therefore at least once and in order per account: a
/// receiver that de-duplicates on the event id sees each event once, in order.
/// </summary>
public sealed class NotificationConsumer : IChangeConsumer
{
    public const string ConsumerName = "notifications";

    private readonly ILedgerStore _store;
    private readonly IEventPublisher _publisher;
    private readonly LedgerEventMapper _mapper;
    private readonly int _maxEventsPerPublish;

    public NotificationConsumer(ILedgerStore store, IEventPublisher publisher, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _publisher = publisher;
        _mapper = new LedgerEventMapper(options.Source);
        _maxEventsPerPublish = options.MaxEventsPerPublish is >= 1 and <= NotificationOptions.MaxEventsPerPublishLimit
            ? options.MaxEventsPerPublish
            : throw new ArgumentOutOfRangeException(nameof(options), options.MaxEventsPerPublish, "MaxEventsPerPublish is out of bounds.");
    }

    public string Name => ConsumerName;

    public IReadOnlySet<string> FeedDocumentTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { DocumentTypes.Entry, DocumentTypes.Transfer, ExportDocuments.Type };

    public async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        var events = new List<CloudEvent>();
        var thresholds = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            long? threshold = null;
            if (change.Type == DocumentTypes.Entry)
            {
                threshold = await ThresholdOfAsync(change.Partition, thresholds, cancellationToken).ConfigureAwait(false);
            }

            _mapper.Map(change, threshold, events);
        }

        for (var start = 0; start < events.Count; start += _maxEventsPerPublish)
        {
            var chunk = events.GetRange(start, Math.Min(_maxEventsPerPublish, events.Count - start));
            await _publisher.PublishAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The account's low-balance threshold, read once per account per batch.</summary>
    private async Task<long?> ThresholdOfAsync(string partition, Dictionary<string, long?> known, CancellationToken cancellationToken)
    {
        if (known.TryGetValue(partition, out var threshold))
        {
            return threshold;
        }

        var stored = await _store.ReadAsync(partition, DocumentTypes.AccountDocumentId, cancellationToken).ConfigureAwait(false);
        threshold = stored is null ? null : DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Default.AccountDocument).LowBalanceThreshold;
        known[partition] = threshold;
        return threshold;
    }
}
