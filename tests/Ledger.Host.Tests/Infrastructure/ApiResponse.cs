using System.Net.Http.Headers;
using System.Text.Json;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>A response read in full: status, media type, the body's exact text and every header.</summary>
public sealed record ApiResponse(int Status, string? MediaType, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Add(headers, response.Headers);
        Add(headers, response.Content.Headers);
        return new ApiResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, headers);
    }

    /// <summary>The body parsed as JSON (fails the test when it is not JSON).</summary>
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
    }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>Asserts the status and returns the response, showing the body when it differs.</summary>
    public ApiResponse Expect(int status)
    {
        Assert.True(Status == status, $"Expected {status}, got {Status}: {Body}");
        return this;
    }

    public override string ToString() => $"{Status} {MediaType} {Body}";

    private static void Add(Dictionary<string, string> headers, HttpHeaders source)
    {
        foreach (var (name, values) in source)
        {
            headers[name] = string.Join(", ", values);
        }
    }
}
