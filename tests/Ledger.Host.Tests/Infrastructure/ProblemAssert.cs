using System.Text.Json;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>Checks that a response is the RFC 7807 problem the API promises for an error.</summary>
public static class ProblemAssert
{
    public const string ProblemMediaType = "application/problem+json";

    /// <summary>Asserts status, content type, the five required fields and their agreement with each other.</summary>
    public static JsonElement Is(ApiResponse response, int status, string code)
    {
        Assert.True(response.Status == status && response.Body.Contains($"\"code\":\"{code}\"", StringComparison.Ordinal), $"Expected {status} {code}, got {response}");
        return IsProblem(response);
    }

    /// <summary>Any well-formed problem (any 4xx or 5xx code); returns the parsed body.</summary>
    public static JsonElement IsProblem(ApiResponse response)
    {
        Assert.True(response.MediaType == ProblemMediaType, $"Expected {ProblemMediaType}, got {response}");
        var body = response.Json;
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        var code = RequiredString(body, "code");
        Assert.Equal("urn:credit-ledger:error:" + code, RequiredString(body, "type"));
        Assert.NotEmpty(RequiredString(body, "title"));
        Assert.NotEmpty(RequiredString(body, "detail"));
        Assert.True(body.TryGetProperty("status", out var statusField) && statusField.ValueKind == JsonValueKind.Number, $"No numeric status in {response.Body}");
        Assert.Equal(response.Status, statusField.GetInt32());
        Assert.Equal(Ledger.Http.Problems.StatusOf(code), response.Status);
        return body;
    }

    /// <summary>Never a 5xx, and every 4xx is a problem document.</summary>
    public static void NotServerError(ApiResponse response)
    {
        Assert.True(response.Status < 500, $"Server error: {response}");
        if (response.Status >= 400)
        {
            IsProblem(response);
        }
    }

    private static string RequiredString(JsonElement body, string name)
    {
        Assert.True(body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String, $"No string '{name}' in {body}");
        return value.GetString()!;
    }
}
