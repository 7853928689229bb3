using System.Net.Http.Json;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Ledger.Client;

/// <summary>
/// The ledger's HTTP API as typed calls. Every write carries one idempotency key, chosen before the call
/// enters the retry pipeline, so each resend is the same request and can only replay the first outcome.
/// A refusal surfaces as <see cref="LedgerApiException"/> with the problem's stable code; no answer at all
/// as <see cref="LedgerUnreachableException"/>. Register it with
/// <see cref="Microsoft.Extensions.DependencyInjection.LedgerClientServiceCollectionExtensions.AddLedgerClient"/>,
/// or give it an <see cref="HttpClient"/> whose base address and credentials are already set.
/// </summary>
public sealed partial class LedgerClient
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ApiKeyHeader = "X-Api-Key";
    private const string ProblemMediaType = "application/problem+json";

    private readonly HttpClient _http;

    public LedgerClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>A new idempotency key: 32 hex digits, unique per logical write.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    private Task<T> GetAsync<T>(string path, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Get, path, content: null, key: null, answer, cancellationToken);

    /// <summary>A keyed write: the request's key, or a new one, is fixed here, once, for every attempt.</summary>
    private Task<T> WriteAsync<TBody, T>(string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
        where TBody : KeyedRequest
    {
        ArgumentNullException.ThrowIfNull(body);
        var key = body.IdempotencyKey ?? NewIdempotencyKey();

        // Bytes, not a lazily serialized stream: each retry resends exactly the same body.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, bodyType));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return SendAsync(HttpMethod.Post, path, content, key, answer, cancellationToken);
    }

    /// <summary>A state change (freeze, void…): it sets a state, so repeating it is harmless and it needs no key.</summary>
    private Task<T> SetStateAsync<T>(string path, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Post, path, content: null, key: null, answer, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, string? key, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        using var response = await SendForResponseAsync(method, path, content, key, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var value = await response.Content.ReadFromJsonAsync(answer, cancellationToken).ConfigureAwait(false);
        return value ?? throw new JsonException($"{method} {path} answered {(int)response.StatusCode} with an empty body.");
    }

    /// <summary>Sends one logical call (the handler pipeline retries it); a success is returned undisposed, anything else thrown.</summary>
    private async Task<HttpResponseMessage> SendForResponseAsync(HttpMethod method, string path, HttpContent? content, string? key, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, key);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsNoAnswer(exception, cancellationToken))
        {
            throw new LedgerUnreachableException($"{method} {path}: the ledger did not answer ({exception.Message}).", key, exception);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await RefusalOfAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Transport failures, timeouts and an open circuit; a cancellation the caller asked for stays one.</summary>
    private static bool IsNoAnswer(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException or TimeoutRejectedException or BrokenCircuitException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static async Task<LedgerApiException> RefusalOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        LedgerProblem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is ProblemMediaType or "application/json")
        {
            try
            {
                problem = JsonSerializer.Deserialize(text, ClientJson.Default.LedgerProblem);
            }
            catch (JsonException)
            {
                // Not a problem document after all (a proxy's page): described below from the status alone.
            }
        }

        // An answer from something in front of the ledger (a gateway, a proxy) has no ledger code.
        problem ??= new LedgerProblem
        {
            Code = "unexpected_response",
            Status = (int)status,
            Title = response.ReasonPhrase,
            Detail = text.Length > 500 ? text[..500] : text,
        };
        return new LedgerApiException(problem, status);
    }

    private static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    /// <summary>The path with the query parameters that have a value.</summary>
    private static string WithQuery(string path, params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(parameter => parameter.Value is not null)
            .Select(parameter => parameter.Name + "=" + Uri.EscapeDataString(parameter.Value!)).ToArray();
        return present.Length == 0 ? path : path + "?" + string.Join('&', present);
    }

    private static string? Text(int? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? Text(DateTimeOffset? value) => value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
