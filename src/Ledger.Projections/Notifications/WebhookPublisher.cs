using System.Net.Http.Headers;
using Azure.Messaging;

namespace Ledger.Projections.Notifications;

/// <summary>
/// The local alternative to Event Grid: POSTs the same CloudEvents batch to a configured URL. Any answer but
/// 2xx fails the batch, which the consumer retries with backoff.
/// </summary>
public sealed class WebhookPublisher(HttpClient http, Uri url) : IEventPublisher
{
    public async Task PublishAsync(IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        using var content = new ByteArrayContent(CloudEventBatchJson.Serialize(events));
        content.Headers.ContentType = new MediaTypeHeaderValue(CloudEventBatchJson.ContentType) { CharSet = "utf-8" };
        using var response = await http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.", inner: null, response.StatusCode);
        }
    }
}
