using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Engine;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

public sealed record LegResponse(
    [property: JsonPropertyName("account_id")] string AccountId,
    [property: JsonPropertyName("amount")] long Amount);

/// <summary>A transfer, hold or refund as clients see it: state, amounts, timestamps, legs and the failure reason if any.</summary>
public sealed record TransferResponse
{
    [JsonPropertyName("transfer_id")] public required string TransferId { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("state")] public required string State { get; init; }
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("settle_amount")] public long? SettleAmount { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("expires_at")] public DateTimeOffset? ExpiresAt { get; init; }
    [JsonPropertyName("refund_of")] public string? RefundOf { get; init; }
    [JsonPropertyName("transaction_id")] public required string TransactionId { get; init; }
    [JsonPropertyName("failure_code")] public string? FailureCode { get; init; }
    [JsonPropertyName("failure_message")] public string? FailureMessage { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("posted_at")] public DateTimeOffset? PostedAt { get; init; }
    [JsonPropertyName("voided_at")] public DateTimeOffset? VoidedAt { get; init; }

    /// <summary>While crediting: the instant from which the credit is refused and the transfer voided (credit_deadline_exceeded).</summary>
    [JsonPropertyName("credit_deadline")] public DateTimeOffset? CreditDeadline { get; init; }

    /// <summary>How many drives of the saga failed; absent when none did.</summary>
    [JsonPropertyName("failed_attempts")] public int? FailedAttempts { get; init; }

    /// <summary>Set while the saga cannot end by itself: an operator's alert, with <see cref="StuckReason"/>.</summary>
    [JsonPropertyName("stuck_since")] public DateTimeOffset? StuckSince { get; init; }

    [JsonPropertyName("stuck_reason")] public string? StuckReason { get; init; }

    /// <summary>The posted legs: the debit of the source and the credit of the destination, summing to zero. Empty until posted.</summary>
    [JsonPropertyName("legs")] public required IReadOnlyList<LegResponse> Legs { get; init; }

    public static TransferResponse Of(TransferDocument transfer) => new()
    {
        TransferId = transfer.TransferId,
        Kind = transfer.Kind,
        State = transfer.State,
        From = transfer.From,
        To = transfer.To,
        Amount = transfer.Amount,
        SettleAmount = transfer.SettleAmount,
        Reason = transfer.Reason,
        Memo = transfer.Memo,
        Category = transfer.Category,
        ExpiresAt = transfer.ExpiresAt,
        RefundOf = transfer.RefundOf,
        TransactionId = transfer.TransactionId,
        FailureCode = transfer.FailureCode,
        FailureMessage = transfer.FailureMessage,
        CreatedAt = transfer.CreatedAt,
        UpdatedAt = transfer.UpdatedAt,
        PostedAt = transfer.PostedAt,
        VoidedAt = transfer.VoidedAt,
        CreditDeadline = transfer.State == "crediting" ? transfer.CreditDeadline : null,
        FailedAttempts = transfer.FailedAttempts == 0 ? null : transfer.FailedAttempts,
        StuckSince = transfer.StuckSince,
        StuckReason = transfer.StuckReason,
        Legs = transfer.State == "posted" && transfer.SettleAmount is { } settled
            ? [new LegResponse(transfer.From, -settled), new LegResponse(transfer.To, settled)]
            : [],
    };
}

/// <summary>A page of transfers (the stuck ones); <see cref="Continuation"/> continues after the last one.</summary>
public sealed record TransferListResponse
{
    [JsonPropertyName("transfers")] public required IReadOnlyList<TransferResponse> Transfers { get; init; }
    [JsonPropertyName("continuation")] public string? Continuation { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TransferResponse))]
[JsonSerializable(typeof(TransferListResponse))]
public sealed partial class TransferJson : JsonSerializerContext
{
    public static TransferJson Api { get; } = new(HttpJson.ApiOptions);
}

public sealed partial class LedgerApi
{
    /// <summary>Longest a hold may be placed for through the API, in seconds (matches the domain's bound).</summary>
    private static readonly long MaxHoldSeconds = (long)Domain.TransferRules.MaxHoldDuration.TotalSeconds;

    /// <summary>A hold placed without an expiry lasts an hour.</summary>
    private const long DefaultHoldSeconds = 3600;

    private static readonly HashSet<string> TransferFields = ["from", "to", "amount", "reason", "memo", "category", "nonce"];
    private static readonly HashSet<string> HoldFields = ["from", "to", "amount", "reason", "memo", "category", "expires_at", "expires_in_seconds", "nonce"];
    private static readonly HashSet<string> CaptureFields = ["amount", "nonce"];
    private static readonly HashSet<string> RefundFields = ["amount", "reason", "memo", "category", "nonce"];
    private static readonly HashSet<string> MintRefundFields = ["account_id", "amount", "reason", "memo", "category", "nonce"];

    internal async Task<IResult> StartTransferAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, TransferFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var from = fields.RequiredString("from").Then(text => AccountId.Parse(text, "from"));
            var to = fields.RequiredString("to").Then(text => AccountId.Parse(text, "to"));
            var amount = RequiredAmount(fields);
            var details = DetailsOf(fields, required: true);
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(from.Error, to.Error, amount.Error, details.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var outcome = await engine.TransferAsync(request.App, key.Value, new TransferRequest(from.Value, to.Value, amount.Value, details.Value!), LedgerEngine.DefaultTransferWait, request.Aborted, SagaDriverFor(request)).ConfigureAwait(false);
            return TransferOutcomeResult(outcome, request, LedgerRoutes.Transfers);
        }
    }

    internal async Task<IResult> GetTransferAsync(ApiRequest request)
    {
        var transfer = await engine.GetTransferAsync(request.App, request.RouteValue("transfer_id"), request.Aborted).ConfigureAwait(false);
        return transfer.TryGetValue(out var found, out var error) ? TransferJsonResult(found, StatusCodes.Status200OK) : Problem(error, request);
    }

    /// <summary>The stuck transfers the caller may see: an app's own, or every app's for an operator.</summary>
    internal async Task<IResult> ListStuckTransfersAsync(ApiRequest request)
    {
        var limit = QueryValues.PageSize(request.Request, LedgerEngine.DefaultPageSize, LedgerEngine.MaxPageSize);
        if (!limit.IsSuccess)
        {
            return Problem(limit.Error!, request);
        }

        var page = await engine.ListStuckTransfersAsync(request.VisibleApp, QueryValues.Optional(request.Request, "continuation"), limit.Value, request.Aborted).ConfigureAwait(false);
        return page.TryGetValue(out var stuck, out var error)
            ? Json(new TransferListResponse { Transfers = stuck.Transfers.Select(TransferResponse.Of).ToArray(), Continuation = stuck.Continuation }, TransferJson.Api.TransferListResponse)
            : Problem(error, request);
    }

    internal async Task<IResult> RefundTransferAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, RefundFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var amount = fields.Integer("amount");
            var details = DetailsOf(fields, required: false);
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(amount.Error, details.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var outcome = await engine.RefundTransferAsync(request.App, key.Value, request.RouteValue("transfer_id"), new RefundRequest(amount.Value, details.Value), LedgerEngine.DefaultTransferWait, request.Aborted, SagaDriverFor(request)).ConfigureAwait(false);
            return TransferOutcomeResult(outcome, request, LedgerRoutes.Transfers);
        }
    }

    internal async Task<IResult> PlaceHoldAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, HoldFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var from = fields.RequiredString("from").Then(text => AccountId.Parse(text, "from"));
            var to = fields.RequiredString("to").Then(text => AccountId.Parse(text, "to"));
            var amount = RequiredAmount(fields);
            var details = DetailsOf(fields, required: true);
            var expiry = HoldExpiryOf(fields);
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(from.Error, to.Error, amount.Error, details.Error, expiry.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var hold = await engine.PlaceHoldAsync(request.App, key.Value, new HoldRequest(from.Value, to.Value, amount.Value, details.Value!, expiry.Value), request.Aborted).ConfigureAwait(false);
            return hold.TryGetValue(out var placed, out var refusal)
                ? TransferJsonResult(placed, StatusCodes.Status201Created, "/" + LedgerRoutes.Holds + "/" + placed.TransferId)
                : Problem(refusal, request);
        }
    }

    internal async Task<IResult> GetHoldAsync(ApiRequest request)
    {
        var holdId = request.RouteValue("hold_id");
        var transfer = await engine.GetTransferAsync(request.App, holdId, request.Aborted).ConfigureAwait(false);
        if (!transfer.TryGetValue(out var found, out _) || found.Kind != "hold")
        {
            return Problem(new LedgerError(ErrorCodes.HoldNotFound, $"Hold '{holdId}' does not exist."), request);
        }

        return TransferJsonResult(found, StatusCodes.Status200OK);
    }

    internal async Task<IResult> CaptureHoldAsync(ApiRequest request)
    {
        var body = await RequestBody.ReadAsync(request.Request, CaptureFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var amount = fields.Integer("amount");
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(amount.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var outcome = await engine.CaptureHoldAsync(request.App, key.Value, request.RouteValue("hold_id"), amount.Value, LedgerEngine.DefaultTransferWait, request.Aborted, SagaDriverFor(request)).ConfigureAwait(false);
            return TransferOutcomeResult(outcome, request, LedgerRoutes.Holds);
        }
    }

    internal async Task<IResult> VoidHoldAsync(ApiRequest request)
    {
        // Voiding sets a final state, so it is idempotent by nature; a body may only carry a nonce.
        if (await NonceOnlyBodyErrorAsync(request).ConfigureAwait(false) is { } error)
        {
            return Problem(error, request);
        }

        var voided = await engine.VoidHoldAsync(request.App, request.RouteValue("hold_id")).ConfigureAwait(false);
        return voided.TryGetValue(out var hold, out var refusal) ? TransferJsonResult(hold, StatusCodes.Status200OK) : Problem(refusal, request);
    }

    internal async Task<IResult> RefundMintAsync(ApiRequest request)
    {
        var transactionId = TransactionId.Parse(request.RouteValue("transaction_id"), "transaction_id");
        if (!transactionId.IsSuccess)
        {
            return Problem(new LedgerError(ErrorCodes.TransferNotRefundable, "No transaction has that id.", "transaction_id"), request);
        }

        var body = await RequestBody.ReadAsync(request.Request, MintRefundFields).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var accountId = fields.RequiredString("account_id").Then(text => AccountId.Parse(text));
            var amount = fields.Integer("amount");
            var details = DetailsOf(fields, required: false);
            var key = IdempotencyKeyOf(request, fields);
            if (FirstError(accountId.Error, amount.Error, details.Error, key.Error) is { } invalid)
            {
                return Problem(invalid, request);
            }

            var burned = await engine.RefundMintAsync(request.App, key.Value, accountId.Value, transactionId.Value, new RefundRequest(amount.Value, details.Value), request.Aborted).ConfigureAwait(false);
            return burned.TryGetValue(out var entry, out var refusal)
                ? Json(entry, HttpJson.Api.EntryDocument, StatusCodes.Status201Created)
                : Problem(refusal, request);
        }
    }

    /// <summary>The item under which a host puts the saga driver for one request (the Functions app puts its Durable driver there).</summary>
    public const string SagaDriverItem = "Ledger.TransferSagaDriver";

    /// <summary>The request's saga driver, when its host chose one; the engine runs sagas in-process otherwise.</summary>
    private static ITransferSagaDriver? SagaDriverFor(ApiRequest request)
        => request.Http.Items.TryGetValue(SagaDriverItem, out var driver) ? driver as ITransferSagaDriver : null;

    private static Result<long> RequiredAmount(RequestBody fields)
    {
        var amount = fields.Integer("amount");
        if (!amount.IsSuccess)
        {
            return amount.Error!;
        }

        return amount.Value is { } value ? value : LedgerError.Missing("amount");
    }

    /// <summary>A hold's expiry: <c>expires_at</c> (an instant) or <c>expires_in_seconds</c>, one of them; an hour when neither is sent.</summary>
    private static Result<HoldExpiry> HoldExpiryOf(RequestBody fields)
    {
        var expiresAt = fields.Instant("expires_at");
        var expiresIn = fields.Integer("expires_in_seconds");
        if (FirstError(expiresAt.Error, expiresIn.Error) is { } invalid)
        {
            return invalid;
        }

        if (expiresAt.Value is not null && expiresIn.Value is not null)
        {
            return LedgerError.Invalid("expires_at", "send expires_at or expires_in_seconds, not both.");
        }

        if (expiresIn.Value is { } seconds)
        {
            return seconds is >= 1 && seconds <= MaxHoldSeconds
                ? new HoldExpiry(null, seconds)
                : LedgerError.Invalid("expires_in_seconds", $"must be 1 to {MaxHoldSeconds}.");
        }

        return new HoldExpiry(expiresAt.Value, expiresAt.Value is null ? DefaultHoldSeconds : null);
    }

    /// <summary>201 with the final state when the saga finished while the request waited, 202 with a Location when it did not.</summary>
    private static IResult TransferOutcomeResult(Result<TransferOutcome> outcome, ApiRequest request, string collection)
    {
        if (!outcome.TryGetValue(out var result, out var refusal))
        {
            return Problem(refusal, request);
        }

        var location = "/" + collection + "/" + result.Transfer.TransferId;
        return TransferJsonResult(result.Transfer, result.Finished ? StatusCodes.Status201Created : StatusCodes.Status202Accepted, location);
    }

    private static IResult TransferJsonResult(TransferDocument transfer, int status, string? location = null)
        => location is null
            ? Json(TransferResponse.Of(transfer), TransferJson.Api.TransferResponse, status)
            : Json(TransferResponse.Of(transfer), TransferJson.Api.TransferResponse, status, ("Location", location));
}
