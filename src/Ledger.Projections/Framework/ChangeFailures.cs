using System.Net;
using Azure;
using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>
/// A consumer's way to say that a failure is not the change's fault (a dependency is down or refuses
/// everyone): the change is retried for as long as it takes and never set aside as a dead letter.
/// </summary>
public sealed class TransientChangeFailureException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// Tells a failure that says nothing about the change (an outage: retry it, however long it takes) from one
/// that may be the change's own (a document that does not decode, a receiver refusing this event: retry it a
/// bounded number of times, then set it aside). Outages must never turn into dead letters, or a webhook that
/// is down for an hour would lose an hour of notifications; anything not known to be an outage counts
/// towards the bound.
/// </summary>
public static class ChangeFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        TransientChangeFailureException or StoreUnavailableException or TimeoutException => true,

        // HttpClient reports its own timeout as a cancellation the caller did not ask for.
        OperationCanceledException => true,
        HttpRequestException http => http.StatusCode is not { } status || IsTransientStatus((int)status),
        RequestFailedException azure => IsTransientStatus(azure.Status),
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>
    /// No answer, a timeout, throttling, a server error; and 401/403, which refuse every change alike
    /// (a wrong key or a missing role) and are fixed by configuration, not by dropping changes.
    /// </summary>
    private static bool IsTransientStatus(int status)
        => status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests
            or (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden
           || status >= 500;
}
