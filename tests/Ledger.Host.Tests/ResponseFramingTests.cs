using System.Net.Http.Headers;
using System.Text;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary>How JSON answers are framed on the wire: whole, with their length, never chunked.</summary>
public sealed class ResponseFramingTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    [Fact]
    public async Task Kestrel_sends_a_json_answer_whole_with_its_content_length_not_in_chunks()
    {
        // The real server: the in-memory test server sets a length on every answer it buffers.
        using var data = new TemporaryDirectory();
        await using var host = await HostProcess.StartAsync(data.Path, HostProcess.FreePort());
        using var http = host.CreateClient(apiKey: null);
        await AssertFramedAsync(http);
    }

    [Fact]
    public async Task A_json_answer_carries_the_content_length_of_its_body()
    {
        using var http = factory.CreateClient();
        await AssertFramedAsync(http);
    }

    private static async Task AssertFramedAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ledger")
        {
            Content = new StringContent("""{"owner_id":"framing-1","operation":"CREDIT_ADD"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", LedgerApiFactory.App1Key);
        request.Headers.Add("Idempotency-Key", "framing-1");

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(201, (int)response.StatusCode);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
    }

    [Fact]
    public async Task A_problem_answer_carries_the_content_length_of_its_body()
    {
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await http.GetAsync("/no-such-route");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }
}
