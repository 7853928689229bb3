using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>
/// A reader of the change feed: one projection (snapshots, exports, notifications). The feed is at least
/// once, so <see cref="HandleAsync"/> may see a change again after a crash or a failed checkpoint; every
/// consumer must make a repeat have no second effect (deterministic ids with create-must-not-exist,
/// terminal states checked before acting, event ids that receivers de-duplicate on).
/// </summary>
public interface IChangeConsumer
{
    /// <summary>The consumer's name, which is also the name of its checkpoint (lease) in the store.</summary>
    string Name { get; }

    /// <summary>
    /// The document types this consumer acts on, or null for every type. A store that can filters the
    /// feed by them where it reads; one that cannot still hands over the rest, so the consumer skips them too.
    /// </summary>
    IReadOnlySet<string>? FeedDocumentTypes => null;

    /// <summary>
    /// Handles one batch, in feed order (commit order per partition). Throwing leaves the checkpoint where
    /// it was, so the same batch is offered again after a backoff.
    /// </summary>
    Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken);
}
