using Azure.Messaging;

namespace Ledger.Projections.Notifications;

/// <summary>Delivers one batch of CloudEvents, in order, or throws; the consumer retries the whole batch.</summary>
public interface IEventPublisher
{
    Task PublishAsync(IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken);
}
