using System.Text.Json.Serialization;
using Ledger.Domain;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

/// <summary>An RFC 7807 problem with the ledger's stable <see cref="Code"/>.</summary>
public sealed record ProblemBody
{
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("status")] public required int Status { get; init; }
    [JsonPropertyName("detail")] public required string Detail { get; init; }
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("field")] public string? Field { get; init; }
    [JsonPropertyName("instance")] public string? Instance { get; init; }
}

/// <summary>The one table from error code to HTTP status, and the one way a problem is written.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    private static readonly Dictionary<string, (int Status, string Title)> StatusByCode = new(StringComparer.Ordinal)
    {
        [ErrorCodes.MalformedJson] = (400, "Malformed JSON"),
        [ErrorCodes.MalformedRequest] = (400, "Malformed request"),
        [ErrorCodes.MissingField] = (400, "Missing field"),
        [ErrorCodes.UnknownField] = (400, "Unknown field"),
        [ErrorCodes.InvalidField] = (400, "Invalid field"),
        [ErrorCodes.InvalidAmount] = (400, "Invalid amount"),
        [ErrorCodes.AmountTooLarge] = (400, "Amount too large"),
        [ErrorCodes.AmountMismatch] = (400, "Amount contradicts the operation"),
        [ErrorCodes.UnknownOperation] = (400, "Unknown operation"),
        [ErrorCodes.MissingIdempotencyKey] = (400, "Missing idempotency key"),
        [ErrorCodes.SameAccountTransfer] = (400, "Transfer to the same account"),
        [ErrorCodes.MissingApiKey] = (401, "Missing API key"),
        [ErrorCodes.InvalidApiKey] = (401, "Invalid API key"),
        [ErrorCodes.InvalidToken] = (401, "Invalid bearer token"),
        [ErrorCodes.InsufficientScope] = (403, "Insufficient scope"),
        [ErrorCodes.AccountNotFound] = (404, "Account not found"),
        [ErrorCodes.TransferNotFound] = (404, "Transfer not found"),
        [ErrorCodes.HoldNotFound] = (404, "Hold not found"),
        [ErrorCodes.ExportNotFound] = (404, "Export not found"),
        [ErrorCodes.RouteNotFound] = (404, "Route not found"),
        [ErrorCodes.MethodNotAllowed] = (405, "Method not allowed"),
        [ErrorCodes.IdempotencyKeyReused] = (409, "Idempotency key reused"),
        [ErrorCodes.AccountAlreadyExists] = (409, "Account already exists"),
        [ErrorCodes.AccountOwnerMismatch] = (409, "Account belongs to another owner"),
        [ErrorCodes.AccountFrozen] = (409, "Account frozen"),
        [ErrorCodes.AccountClosed] = (409, "Account closed"),
        [ErrorCodes.AccountNotEmpty] = (409, "Account not empty"),
        [ErrorCodes.AccountNotFrozen] = (409, "Account not frozen"),
        [ErrorCodes.HoldExpired] = (409, "Hold expired"),
        [ErrorCodes.HoldAlreadyResolved] = (409, "Hold already resolved"),
        [ErrorCodes.ExportNotReady] = (409, "Export not ready"),
        [ErrorCodes.BodyTooLarge] = (413, "Body too large"),
        [ErrorCodes.UnsupportedMediaType] = (415, "Unsupported media type"),
        [ErrorCodes.InsufficientFunds] = (422, "Insufficient funds"),
        [ErrorCodes.BalanceLimitExceeded] = (422, "Balance limit exceeded"),
        [ErrorCodes.CaptureExceedsHold] = (422, "Capture exceeds hold"),
        [ErrorCodes.RefundExceedsRemaining] = (422, "Refund exceeds what is left"),
        [ErrorCodes.TransferNotRefundable] = (422, "Transfer not refundable"),
        [ErrorCodes.ExportTooLarge] = (422, "Export too large"),
        [ErrorCodes.Contention] = (429, "Too much contention"),
        [ErrorCodes.RateLimited] = (429, "Rate limited"),
        [ErrorCodes.InternalError] = (500, "Internal error"),
        [ErrorCodes.StoreUnavailable] = (503, "Store unavailable"),
        [ErrorCodes.Overloaded] = (503, "Overloaded"),
    };

    /// <summary>Every code the API can answer with, for tests and documentation.</summary>
    public static IReadOnlyCollection<string> KnownCodes => StatusByCode.Keys;

    public static int StatusOf(string code)
        => StatusByCode.TryGetValue(code, out var mapping) ? mapping.Status : throw new ArgumentException($"Error code '{code}' has no HTTP status.", nameof(code));

    public static ProblemBody Body(LedgerError error, string? instance = null)
    {
        var (status, title) = StatusByCode.TryGetValue(error.Code, out var mapping)
            ? mapping
            : throw new ArgumentException($"Error code '{error.Code}' has no HTTP status.", nameof(error));
        return new ProblemBody
        {
            Type = "urn:credit-ledger:error:" + error.Code,
            Title = title,
            Status = status,
            Detail = error.Message,
            Code = error.Code,
            Field = error.Field,
            Instance = instance,
        };
    }

    /// <summary>
    /// The problem as a result. Refusals a client should simply retry (contention, an unavailable store,
    /// rate limits, shedding) carry <c>Retry-After</c>: <paramref name="retryAfter"/> in whole seconds
    /// (at least one) when known, else one second.
    /// </summary>
    public static IResult Result(LedgerError error, HttpContext? context = null, TimeSpan? retryAfter = null)
    {
        var body = Body(error, context?.Request.Path.Value);
        var headers = retryAfter is not null || IsRetryable(error.Code)
            ? new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds(retryAfter ?? TimeSpan.FromSeconds(1)) }
            : null;
        return new JsonResult<ProblemBody>(body, HttpJson.Api.ProblemBody, body.Status, ContentType, headers);
    }

    private static bool IsRetryable(string code)
        => code is ErrorCodes.Contention or ErrorCodes.StoreUnavailable or ErrorCodes.RateLimited or ErrorCodes.Overloaded;

    private static string RetryAfterSeconds(TimeSpan wait)
        => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
