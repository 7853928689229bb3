using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Engine;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

/// <summary>Tamper evidence: <c>GET /accounts/{account_id}/verify</c> recomputes the account's hash chain and balance.</summary>
public sealed partial class LedgerApi
{
    internal async Task<IResult> VerifyAccountAsync(ApiRequest request)
    {
        var accountId = AccountId.Parse(request.RouteValue("account_id"));
        if (!accountId.IsSuccess)
        {
            return Problem(NotFoundFor(accountId.Error!), request);
        }

        var verified = await engine.VerifyAccountAsync(request.App, accountId.Value, QueryValues.Optional(request.Request, "cursor"), request.Aborted).ConfigureAwait(false);
        return verified.TryGetValue(out var verification, out var error)
            ? Json(VerificationResponse.Of(verification), VerifyJson.Api.VerificationResponse)
            : Problem(error, request);
    }
}

/// <summary>
/// The answer of the verify route. <c>status</c> is <c>ok</c> (every entry checked, the chain and the
/// balance intact), <c>incomplete</c> (intact so far; call again with <c>next_cursor</c>) or <c>broken</c>
/// (<c>first_break</c> names the entry and the reason).
/// </summary>
public sealed record VerificationResponse
{
    public const string Ok = "ok";
    public const string Incomplete = "incomplete";
    public const string Broken = "broken";

    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }

    /// <summary>How many entries this call read.</summary>
    [JsonPropertyName("entries_checked")] public required long EntriesChecked { get; init; }

    /// <summary>The first sequence this call checked (1, or where the cursor resumed).</summary>
    [JsonPropertyName("from_sequence")] public required long FromSequence { get; init; }

    /// <summary>The last sequence found intact.</summary>
    [JsonPropertyName("verified_through_sequence")] public required long VerifiedThroughSequence { get; init; }

    /// <summary>The hash of that entry; null when it has none (no entries, or entries older than chains).</summary>
    [JsonPropertyName("head_hash")] public string? HeadHash { get; init; }

    /// <summary>The balance the intact entries add up to.</summary>
    [JsonPropertyName("balance")] public required long Balance { get; init; }

    /// <summary>The account's newest entry when it was read: entries posted after that are left for the next verification.</summary>
    [JsonPropertyName("last_sequence")] public required long LastSequence { get; init; }

    [JsonPropertyName("first_break")] public ChainBreakResponse? FirstBreak { get; init; }
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }

    public static VerificationResponse Of(ChainVerification verification) => new()
    {
        AccountId = verification.Account.Id.Value,
        Status = verification.Break is not null ? Broken : verification.NextCursor is not null ? Incomplete : Ok,
        EntriesChecked = verification.EntriesChecked,
        FromSequence = verification.FromSequence,
        VerifiedThroughSequence = verification.Reached.NextSequence - 1,
        HeadHash = verification.Reached.PreviousHash,
        Balance = verification.Reached.Balance,
        LastSequence = verification.Account.LastSequence,
        FirstBreak = verification.Break is { } found ? ChainBreakResponse.Of(found) : null,
        NextCursor = verification.NextCursor,
    };
}

/// <summary>The first entry that breaks a chain: its sequence, its transaction id when there is one, the reason code and what was found.</summary>
public sealed record ChainBreakResponse
{
    [JsonPropertyName("sequence")] public required long Sequence { get; init; }
    [JsonPropertyName("transaction_id")] public string? TransactionId { get; init; }

    /// <summary>hash_mismatch, missing_hash, missing_sequence, balance_mismatch, unreadable_entry or head_mismatch.</summary>
    [JsonPropertyName("reason")] public required string Reason { get; init; }

    [JsonPropertyName("detail")] public required string Detail { get; init; }

    public static ChainBreakResponse Of(ChainBreak found) => new()
    {
        Sequence = found.Sequence,
        TransactionId = found.TransactionId,
        Reason = found.Reason,
        Detail = found.Detail,
    };
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VerificationResponse))]
public sealed partial class VerifyJson : JsonSerializerContext
{
    public static VerifyJson Api { get; } = new(HttpJson.ApiOptions);
}
