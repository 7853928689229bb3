using Ledger.Domain;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

/// <summary>
/// A request Kestrel could not read (a bad chunk size, a body shorter than its Content-Length, a body
/// too slow to arrive, one too large): the client's fault, so a 4xx problem, never <c>internal_error</c>.
/// </summary>
public static class UnreadableRequest
{
    /// <summary>413 stays <c>body_too_large</c>; anything else Kestrel refuses is <c>malformed_request</c> (400).</summary>
    public static LedgerError ErrorOf(BadHttpRequestException exception)
        => exception.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? new LedgerError(ErrorCodes.BodyTooLarge, $"The body must not exceed {RequestBody.MaxBytes} bytes.")
            : new LedgerError(ErrorCodes.MalformedRequest, $"The request could not be read: {exception.Message}");
}
