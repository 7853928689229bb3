using System.Net;
using System.Text.Json.Serialization;

namespace Ledger.Client;

/// <summary>An RFC 7807 problem as the ledger answers it, with its stable <see cref="Code"/> (such as <c>insufficient_funds</c>).</summary>
public sealed record LedgerProblem
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("status")] public int Status { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("field")] public string? Field { get; init; }
    [JsonPropertyName("instance")] public string? Instance { get; init; }
}

/// <summary>
/// The ledger answered, and refused: the problem it answered with. Expected refusals (a 4xx such as
/// <c>insufficient_funds</c>) are final for that request; a 5xx or 429 is what was left after the retries.
/// </summary>
public sealed class LedgerApiException : Exception
{
    public LedgerApiException(LedgerProblem problem, HttpStatusCode statusCode)
        : base($"{(int)statusCode} {problem.Code}: {problem.Detail ?? problem.Title}")
    {
        Problem = problem;
        StatusCode = statusCode;
    }

    public LedgerProblem Problem { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The stable error code, such as <c>insufficient_funds</c> or <c>account_not_found</c>.</summary>
    public string Code => Problem.Code;

    public string? Detail => Problem.Detail;

    /// <summary>The request field the problem is about, when there is one.</summary>
    public string? Field => Problem.Field;

    /// <summary>
    /// Whether the same request could succeed later unchanged: the server was busy or unavailable
    /// (429, 5xx). A 4xx other than 429 is the ledger's final word on the request.
    /// </summary>
    public bool IsTransient => (int)StatusCode is 408 or 429 or >= 500;
}

/// <summary>
/// No answer from the ledger, after every retry: the connection failed, an attempt or the whole call
/// timed out, or the circuit is open after repeated failures. Whether a write took effect is unknown;
/// resending it with the same idempotency key is always safe.
/// </summary>
public sealed class LedgerUnreachableException : Exception
{
    public LedgerUnreachableException(string message, string? idempotencyKey, Exception innerException)
        : base(message, innerException)
    {
        IdempotencyKey = idempotencyKey;
    }

    /// <summary>The key the unanswered write was sent with: resend it with this key to learn its outcome. Null for reads.</summary>
    public string? IdempotencyKey { get; }
}
