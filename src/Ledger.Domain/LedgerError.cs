namespace Ledger.Domain;

/// <summary>
/// The stable error codes of the ledger. Clients branch on these strings, so they never change once
/// published; the HTTP layer maps each to a status once, in one table.
/// </summary>
public static class ErrorCodes
{
    public const string MalformedJson = "malformed_json";
    public const string MalformedRequest = "malformed_request";
    public const string MissingField = "missing_field";
    public const string UnknownField = "unknown_field";
    public const string InvalidField = "invalid_field";
    public const string InvalidAmount = "invalid_amount";
    public const string AmountTooLarge = "amount_too_large";
    public const string AmountMismatch = "amount_mismatch";
    public const string UnknownOperation = "unknown_operation";
    public const string BodyTooLarge = "body_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string MissingIdempotencyKey = "missing_idempotency_key";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string MissingApiKey = "missing_api_key";
    public const string InvalidApiKey = "invalid_api_key";
    public const string InvalidToken = "invalid_token";
    public const string InsufficientScope = "insufficient_scope";
    public const string RateLimited = "rate_limited";
    public const string Overloaded = "overloaded";
    public const string AccountNotFound = "account_not_found";
    public const string AccountAlreadyExists = "account_already_exists";
    public const string AccountOwnerMismatch = "account_owner_mismatch";
    public const string AccountFrozen = "account_frozen";
    public const string AccountClosed = "account_closed";
    public const string AccountNotEmpty = "account_not_empty";
    public const string AccountNotFrozen = "account_not_frozen";
    public const string InsufficientFunds = "insufficient_funds";
    public const string BalanceLimitExceeded = "balance_limit_exceeded";
    public const string SameAccountTransfer = "same_account_transfer";
    public const string TransferNotFound = "transfer_not_found";
    public const string HoldNotFound = "hold_not_found";
    public const string HoldExpired = "hold_expired";
    public const string HoldAlreadyResolved = "hold_already_resolved";
    public const string CaptureExceedsHold = "capture_exceeds_hold";
    public const string RefundExceedsRemaining = "refund_exceeds_remaining";
    public const string TransferNotRefundable = "transfer_not_refundable";
    public const string ExportNotFound = "export_not_found";
    public const string ExportNotReady = "export_not_ready";
    public const string ExportTooLarge = "export_too_large";
    public const string RouteNotFound = "route_not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string StoreUnavailable = "store_unavailable";
    public const string Contention = "contention";
    public const string InternalError = "internal_error";
}

/// <summary>An expected failure: a stable <see cref="Code"/>, a sentence for people, and the field it concerns.</summary>
public sealed record LedgerError(string Code, string Message, string? Field = null)
{
    public static LedgerError Missing(string field) => new(ErrorCodes.MissingField, $"The field '{field}' is required.", field);

    public static LedgerError Invalid(string field, string why) => new(ErrorCodes.InvalidField, $"The field '{field}' is invalid: {why}", field);
}

/// <summary>
/// Either a value or a <see cref="LedgerError"/>. Expected business outcomes travel as values; only
/// programmer errors throw.
/// </summary>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, LedgerError? error)
    {
        _value = value;
        Error = error;
    }

    public LedgerError? Error { get; }

    public bool IsSuccess => Error is null;

    public T Value => Error is null ? _value! : throw new InvalidOperationException($"No value: the result failed with '{Error.Code}'.");

    public static Result<T> Success(T value) => new(value, null);

    public static Result<T> Failure(LedgerError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    public static implicit operator Result<T>(T value) => Success(value);

    public static implicit operator Result<T>(LedgerError error) => Failure(error);

    public Result<TOther> Then<TOther>(Func<T, Result<TOther>> next) => Error is null ? next(_value!) : Result<TOther>.Failure(Error);

    public bool TryGetValue(out T value, out LedgerError error)
    {
        value = _value!;
        error = Error!;
        return Error is null;
    }
}
