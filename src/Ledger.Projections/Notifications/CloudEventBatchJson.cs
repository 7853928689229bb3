using System.Globalization;
using System.Text.Json;
using Azure.Messaging;

namespace Ledger.Projections.Notifications;

/// <summary>
/// The CloudEvents 1.0 JSON batch format (<c>application/cloudevents-batch+json</c>): a JSON array of events
/// in structured mode, as Event Grid receives it. Written by hand with <see cref="Utf8JsonWriter"/> so the
/// webhook's bytes do not depend on reflection.
/// </summary>
public static class CloudEventBatchJson
{
    public const string ContentType = "application/cloudevents-batch+json";

    public static byte[] Serialize(IReadOnlyList<CloudEvent> events)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var cloudEvent in events)
            {
                writer.WriteStartObject();
                writer.WriteString("specversion", "1.0");
                writer.WriteString("id", cloudEvent.Id);
                writer.WriteString("source", cloudEvent.Source);
                writer.WriteString("type", cloudEvent.Type);
                if (cloudEvent.Subject is { } subject)
                {
                    writer.WriteString("subject", subject);
                }

                if (cloudEvent.Time is { } time)
                {
                    writer.WriteString("time", time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                }

                if (cloudEvent.Data is { } data)
                {
                    writer.WriteString("datacontenttype", cloudEvent.DataContentType ?? "application/json");
                    writer.WritePropertyName("data");
                    writer.WriteRawValue(data.ToMemory().Span, skipInputValidation: false);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }
}
