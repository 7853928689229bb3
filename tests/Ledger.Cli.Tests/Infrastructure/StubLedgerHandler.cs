using System.Net;
using System.Text;

namespace Ledger.Cli.Tests.Infrastructure;

/// <summary>
/// An HTTP "ledger" that answers from a table of paths, for answers a real host never gives (an
/// inconsistent ledger, a 503, no answer at all). Anything not in the table is 404 route_not_found.
/// </summary>
internal sealed class StubLedgerHandler : HttpMessageHandler
{
    private readonly Dictionary<string, (HttpStatusCode Status, string Body)> _answers = new(StringComparer.Ordinal);

    public List<string> Requests { get; } = [];

    /// <summary>When set, every request fails as if the connection were refused.</summary>
    public bool Unreachable { get; init; }

    /// <summary>Answers GET <paramref name="path"/> (without its query) with JSON.</summary>
    public StubLedgerHandler Json(string path, string body, HttpStatusCode status = HttpStatusCode.OK)
    {
        _answers[path] = (status, body);
        return this;
    }

    /// <summary>Answers <paramref name="path"/> with a problem document carrying <paramref name="code"/>.</summary>
    public StubLedgerHandler Problem(string path, HttpStatusCode status, string code)
        => Json(path, $$"""{"type":"urn:credit-ledger:error:{{code}}","title":"Stub","status":{{(int)status}},"detail":"A stubbed refusal.","code":"{{code}}","instance":"{{path}}"}""", status);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        lock (Requests)
        {
            Requests.Add(request.Method + " " + request.RequestUri.PathAndQuery);
        }

        if (Unreachable)
        {
            throw new HttpRequestException("Connection refused (stub)");
        }

        if (!_answers.TryGetValue(path, out var answer))
        {
            answer = (HttpStatusCode.NotFound, $$"""{"type":"urn:credit-ledger:error:route_not_found","title":"Not found","status":404,"code":"route_not_found"}""");
        }

        var mediaType = (int)answer.Status >= 400 ? "application/problem+json" : "application/json";
        return Task.FromResult(new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body, Encoding.UTF8, mediaType), RequestMessage = request });
    }
}
