namespace Ledger.Projections.Notifications;

/// <summary>
/// Where notifications go: configuration <c>Ledger:Notifications</c>. An Event Grid topic
/// (<c>EventGrid:Endpoint</c> with <c>EventGrid:Key</c>, or <c>EventGrid:UseManagedIdentity</c>) or a webhook
/// (<c>Webhook:Url</c>); neither means notifications are off. Empty strings count as unset.
/// </summary>
public sealed record NotificationOptions
{
    public const string DefaultSource = "/credit-ledger";
    public const int MaxEventsPerPublishLimit = 1000;
    public static readonly TimeSpan MinPublishTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxPublishTimeout = TimeSpan.FromMinutes(5);

    public Uri? EventGridEndpoint { get; init; }
    public string? EventGridKey { get; init; }
    public bool UseManagedIdentity { get; init; }
    public Uri? WebhookUrl { get; init; }

    /// <summary>The CloudEvents <c>source</c> of every event.</summary>
    public string Source { get; init; } = DefaultSource;

    /// <summary>
    /// Most events in one publish request. Event Grid accepts up to 1 MB per request; ledger events are
    /// well under 1 KB each, so 100 stays far inside it.
    /// </summary>
    public int MaxEventsPerPublish { get; init; } = 100;

    /// <summary>How long one publish request may take before it counts as failed (and is retried).</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public bool UsesEventGrid => EventGridEndpoint is not null;

    public bool UsesWebhook => WebhookUrl is not null;

    public bool IsEnabled => UsesEventGrid || UsesWebhook;

    public void Validate()
    {
        if (UsesEventGrid && UsesWebhook)
        {
            throw new InvalidOperationException("Configure either 'Ledger:Notifications:EventGrid' or 'Ledger:Notifications:Webhook', not both.");
        }

        if (EventGridEndpoint is { } endpoint)
        {
            if (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps)
            {
                throw new InvalidOperationException($"'Ledger:Notifications:EventGrid:Endpoint' must be an absolute https URL, not '{endpoint}'.");
            }

            if (!UseManagedIdentity && string.IsNullOrEmpty(EventGridKey))
            {
                throw new InvalidOperationException("'Ledger:Notifications:EventGrid:Key' is required unless 'EventGrid:UseManagedIdentity' is true.");
            }
        }

        if (WebhookUrl is { } webhook && (!webhook.IsAbsoluteUri || (webhook.Scheme != Uri.UriSchemeHttps && webhook.Scheme != Uri.UriSchemeHttp)))
        {
            throw new InvalidOperationException($"'Ledger:Notifications:Webhook:Url' must be an absolute http or https URL, not '{webhook}'.");
        }

        if (string.IsNullOrWhiteSpace(Source) || Source.Length > 256)
        {
            throw new InvalidOperationException("'Ledger:Notifications:Source' must be 1 to 256 characters.");
        }

        if (MaxEventsPerPublish is < 1 or > MaxEventsPerPublishLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventsPerPublish), MaxEventsPerPublish, $"Must be 1 to {MaxEventsPerPublishLimit}.");
        }

        if (PublishTimeout < MinPublishTimeout || PublishTimeout > MaxPublishTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(PublishTimeout), PublishTimeout, $"Must be {MinPublishTimeout} to {MaxPublishTimeout}.");
        }
    }
}
