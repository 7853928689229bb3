using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Messaging;
using Azure.Messaging.EventGrid;

namespace Ledger.Projections.Notifications;

/// <summary>
/// Publishes to an Event Grid topic with the Azure SDK's <see cref="EventGridPublisherClient"/>: one request
/// per batch (a JSON array of CloudEvents 1.0), authenticated with the topic key (<c>aeg-sas-key</c>) or
/// with the host's managed identity. The SDK retries transient failures a few times within a bound; the
/// consumer's backoff retries beyond that.
/// </summary>
public sealed class EventGridPublisher(EventGridPublisherClient client) : IEventPublisher
{
    /// <summary>The SDK's own quick retries; anything longer is the consumer's backoff.</summary>
    public const int SdkMaxRetries = 2;

    public static EventGridPublisher Create(NotificationOptions options, EventGridPublisherClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.EventGridEndpoint ?? throw new InvalidOperationException("No Event Grid endpoint is configured.");
        clientOptions ??= new EventGridPublisherClientOptions();
        clientOptions.Retry.MaxRetries = SdkMaxRetries;
        clientOptions.Retry.NetworkTimeout = options.PublishTimeout;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        var client = options.UseManagedIdentity
            ? new EventGridPublisherClient(endpoint, (TokenCredential)new DefaultAzureCredential(), clientOptions)
            : new EventGridPublisherClient(endpoint, new AzureKeyCredential(options.EventGridKey ?? throw new InvalidOperationException("No Event Grid key is configured.")), clientOptions);
        return new EventGridPublisher(client);
    }

    public async Task PublishAsync(IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        // Throws RequestFailedException on any non-success answer, which fails the batch for a retry.
        await client.SendEventsAsync(events, cancellationToken).ConfigureAwait(false);
    }
}
