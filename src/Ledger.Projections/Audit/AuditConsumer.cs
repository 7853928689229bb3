using Ledger.Domain;
using Ledger.Projections.Notifications;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Projections.Audit;

/// <summary>
/// The continuous audit: reads every account document, entry and transfer from the change feed and checks,
/// per app, the invariants the ledger promises (see <see cref="AuditBook"/> for which check runs when). Its
/// state is stored through the store port (<see cref="AuditStore"/>), small per account and per transfer in
/// flight, so a restart resumes where the checkpoint is. What it saved it also keeps (<see cref="KnownAuditStates"/>)
/// and trusts while the stored totals carry the ETag it wrote, so a step reads one document, not one per
/// account it touches. A batch is audited in steps of at most
/// <see cref="MaxChangesPerStep"/> changes, so everything one step changes for an app fits one atomic store
/// batch: a step repeated after a crash either finds its state already written (entries are then recognised
/// by sequence number, account documents by ETag, transfers by id) or finds nothing of it. A violation is
/// logged, published as <c>ledger.audit.violation</c> when a publisher is configured (before the state that
/// counts it is saved, so it is never lost, at worst published twice under one id) and counted in the totals
/// that the status and trial-balance routes show.
/// </summary>
public sealed class AuditConsumer : IChangeConsumer
{
    public const string ConsumerName = "audit";

    /// <summary>Each change touches at most one account state and one transfer's legs: 2 × 45 + the totals stay within one batch.</summary>
    public const int MaxChangesPerStep = (PartitionBatch.MaxWrites - 10) / 2;

    /// <summary>Violations per publish call: well inside Event Grid's 1 MB per request.</summary>
    public const int MaxEventsPerPublish = 100;

    private readonly AuditStore _store;
    private readonly KnownAuditStates _known = new();
    private readonly TimeProvider _time;
    private readonly int _feedBatchSize;
    private readonly IEventPublisher? _publisher;
    private readonly LedgerEventMapper _events;
    private readonly ILogger _logger;

    /// <summary>Apps whose cross-document checks wait for the head of the feed; loaded from the store on the first batch.</summary>
    private HashSet<AppId>? _appsToSettle;

    /// <param name="feedBatchSize">The batch size the consumer's processor reads with: a batch smaller than it reached the head of the feed.</param>
    public AuditConsumer(ILedgerStore store, TimeProvider time, int feedBatchSize, IEventPublisher? publisher = null, string eventSource = NotificationOptions.DefaultSource, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(feedBatchSize, 1);
        _store = new AuditStore(store);
        _time = time;
        _feedBatchSize = feedBatchSize;
        _publisher = publisher;
        _events = new LedgerEventMapper(eventSource);
        _logger = logger ?? NullLogger.Instance;
    }

    public string Name => ConsumerName;

    public IReadOnlySet<string> FeedDocumentTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { Ledger.Engine.DocumentTypes.Account, Ledger.Engine.DocumentTypes.Entry, Ledger.Engine.DocumentTypes.Transfer };

    public async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        _appsToSettle ??= await AppsWithUnsettledChecksAsync(cancellationToken).ConfigureAwait(false);
        var audited = changes.Select(AuditChange.Of).OfType<AuditChange>().ToArray();
        foreach (var step in audited.Chunk(MaxChangesPerStep))
        {
            foreach (var app in step.GroupBy(change => change.App))
            {
                await AuditAsync(app.Key, [.. app], settle: false, cancellationToken).ConfigureAwait(false);
                _appsToSettle.Add(app.Key);
            }
        }

        // A batch smaller than the processor's reached the head: every committed change has been read in its latest version.
        if (changes.Count < _feedBatchSize)
        {
            foreach (var app in _appsToSettle.ToArray())
            {
                await AuditAsync(app, [], settle: true, cancellationToken).ConfigureAwait(false);
                _appsToSettle.Remove(app);
            }
        }
    }

    private async Task AuditAsync(AppId app, IReadOnlyList<AuditChange> changes, bool settle, CancellationToken cancellationToken)
    {
        var (totals, etag, known) = await _store.ReadTotalsAsync(app, _known.Take(app), cancellationToken).ConfigureAwait(false);
        var accountIds = changes.Select(change => change.AccountId);
        var transferIds = changes.Select(change => change.LegsTransferId).OfType<string>();
        if (settle)
        {
            accountIds = accountIds.Concat(totals.UnsettledAccounts);
            transferIds = transferIds.Concat(totals.UnsettledTransfers);
        }

        var book = new AuditBook(
            app,
            totals,
            await _store.ReadAccountsAsync(app, accountIds, known?.Accounts, cancellationToken).ConfigureAwait(false),
            await _store.ReadLegsAsync(app, transferIds, known?.Legs, cancellationToken).ConfigureAwait(false),
            _time.GetUtcNow());
        foreach (var change in changes)
        {
            book.Apply(change);
        }

        if (settle)
        {
            book.Settle();
        }

        await AnnounceAsync(book.Found, cancellationToken).ConfigureAwait(false);
        var savedETag = await _store.SaveAsync(book, etag, cancellationToken).ConfigureAwait(false);
        known ??= new KnownAuditState(book.Totals, savedETag);
        known.Record(book, savedETag);
        _known.Keep(app, known);
    }

    private async Task AnnounceAsync(IReadOnlyList<AuditViolation> violations, CancellationToken cancellationToken)
    {
        foreach (var violation in violations)
        {
            _logger.LogError(
                "Audit violation {Code} in app {App} (account {Account}, transfer {Transfer}): {Detail} [{ViolationId}]",
                violation.Code, violation.AppId, violation.AccountId, violation.TransferId, violation.Detail, violation.Id);
        }

        if (_publisher is not null && violations.Count > 0)
        {
            foreach (var chunk in violations.Chunk(MaxEventsPerPublish))
            {
                await _publisher.PublishAsync(chunk.Select(_events.AuditViolation).ToArray(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<HashSet<AppId>> AppsWithUnsettledChecksAsync(CancellationToken cancellationToken)
    {
        var totals = await _store.ListTotalsAsync(null, cancellationToken).ConfigureAwait(false);
        return totals
            .Where(app => app.UnsettledAccounts.Count > 0 || app.UnsettledTransfers.Count > 0)
            .Select(app => AppId.From(app.AppId))
            .ToHashSet();
    }
}
