using System.Net;

namespace Ledger.Store.Cosmos;

/// <summary>What the store does with a Cosmos DB status code that is not a success.</summary>
internal enum FailureKind
{
    /// <summary>409: a create met an existing id. An expected outcome, reported as a value.</summary>
    Conflict,

    /// <summary>412: an If-Match ETag did not match. An expected outcome, reported as a value.</summary>
    PreconditionFailed,

    /// <summary>404: the document is missing. An expected outcome, reported as a value.</summary>
    NotFound,

    /// <summary>429: the partition or account is over its request units; wait the retry-after and retry.</summary>
    Throttled,

    /// <summary>Timeouts, 503, 410 and similar: the request may succeed when repeated after a back-off.</summary>
    Transient,

    /// <summary>400, 413 and similar: the request itself is wrong, so repeating it cannot help.</summary>
    ProgrammingError,

    /// <summary>401, 403 and anything unknown: the store cannot serve and retrying will not change that.</summary>
    Unavailable,
}

internal static class CosmosStatus
{
    /// <summary>Status of the operations of a failed batch that did not fail themselves.</summary>
    public const HttpStatusCode FailedDependency = (HttpStatusCode)424;

    public const HttpStatusCode TooManyRequests = (HttpStatusCode)429;

    /// <summary>Cosmos DB's "retry with": a conflicting operation is in flight on the same item.</summary>
    public const HttpStatusCode RetryWith = (HttpStatusCode)449;

    /// <summary>Sub-status of a 404 that means "your session has not caught up yet", not "missing".</summary>
    public const string ReadSessionNotAvailableSubStatus = "1002";

    public const string SubStatusHeader = "x-ms-substatus";
    public const string RetryAfterMillisecondsHeader = "x-ms-retry-after-ms";

    public static FailureKind Classify(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Conflict => FailureKind.Conflict,
        HttpStatusCode.PreconditionFailed => FailureKind.PreconditionFailed,
        HttpStatusCode.NotFound => FailureKind.NotFound,
        TooManyRequests => FailureKind.Throttled,
        HttpStatusCode.RequestTimeout
            or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.Gone
            or RetryWith
            or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway
            or HttpStatusCode.GatewayTimeout => FailureKind.Transient,
        HttpStatusCode.BadRequest
            or HttpStatusCode.RequestEntityTooLarge
            or HttpStatusCode.RequestUriTooLong
            or HttpStatusCode.RequestHeaderFieldsTooLarge
            or HttpStatusCode.MethodNotAllowed
            or HttpStatusCode.UnsupportedMediaType => FailureKind.ProgrammingError,
        _ => FailureKind.Unavailable,
    };
}
