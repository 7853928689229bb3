using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ledger.Torture;

/// <summary>The harness's only way in: the public HTTP API with the app's key (and the operator's for reports).</summary>
internal sealed class LedgerCalls(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _app = Client(baseAddress, HostRunner.AppKey);
    private readonly HttpClient _operator = Client(baseAddress, HostRunner.OperatorKey);

    /// <summary>Sends a keyed write and records what is known of it afterwards.</summary>
    public async Task SendAsync(KeyedWrite write, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(write.Path, UriKind.Relative)) { Content = JsonContent.Create(write.Body) };
            request.Headers.Add("Idempotency-Key", write.Key);
            using var response = await _app.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            Record(write, response.StatusCode, text);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            // The host died (or was killed) before answering: the write may or may not have taken effect.
            write.Outcome = WriteOutcome.Unknown;
        }
    }

    /// <summary>A GET with the app's key; null when the resource does not exist.</summary>
    public Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken) => GetAsync(_app, path, cancellationToken);

    /// <summary>A GET with the operator's key; null when the route or resource does not exist.</summary>
    public Task<JsonObject?> GetAsOperatorAsync(string path, CancellationToken cancellationToken) => GetAsync(_operator, path, cancellationToken);

    public async Task<(HttpStatusCode Status, string Text)> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _app.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public void Dispose()
    {
        _app.Dispose();
        _operator.Dispose();
    }

    private static async Task<JsonObject?> GetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!.AsObject()
            : throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {text}");
    }

    private static void Record(KeyedWrite write, HttpStatusCode status, string text)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            var body = JsonNode.Parse(text)!.AsObject();
            write.ResourceId = (string?)body["transfer_id"] ?? (string?)body["export_id"] ?? (string?)body["transaction_id"];
            write.Outcome = WriteOutcome.Acknowledged;
        }
        else if (code is >= 400 and < 500)
        {
            // A refusal is final and changed nothing (429 sheds before anything is decided).
            write.RefusalCode = TryReadCode(text) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            write.Outcome = WriteOutcome.Refused;
        }
        else
        {
            // A 5xx may come from a store that committed but could not say so: as unknown as a dropped connection.
            write.Outcome = WriteOutcome.Unknown;
        }
    }

    private static string? TryReadCode(string text)
    {
        try
        {
            return JsonNode.Parse(text)?["code"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static HttpClient Client(Uri baseAddress, string key)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }
}
