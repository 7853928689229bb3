using System.Collections.Concurrent;

namespace Ledger.Client.Tests.Infrastructure;

/// <summary>One attempt as it left the client's pipeline and what came back.</summary>
public sealed record RecordedCall(string Method, string PathAndQuery, string? IdempotencyKey, string? Body, int Status, string? ResponseMediaType, string ResponseBody);

/// <summary>
/// Sits inside the retry pipeline (added after the resilience handler), so it sees every attempt; it
/// reads bodies into memory, which the handlers behind it do not notice.
/// </summary>
public sealed class RecordingHandler : DelegatingHandler
{
    public ConcurrentQueue<RecordedCall> Calls { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        var key = request.Headers.TryGetValues(LedgerClient.IdempotencyKeyHeader, out var keys) ? keys.Single() : null;
        Calls.Enqueue(new RecordedCall(request.Method.Method, request.RequestUri!.PathAndQuery, key, body, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, answer));
        return response;
    }
}
