using System.Text.Json.Serialization;

namespace Ledger.Client;

/// <summary>
/// An account's hash chain and balance as the ledger recomputed them: <see cref="Status"/> is ok, incomplete
/// (call again with <see cref="NextCursor"/>) or broken (<see cref="FirstBreak"/> names the entry and why).
/// </summary>
public sealed record AccountVerification
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("entries_checked")] public required long EntriesChecked { get; init; }
    [JsonPropertyName("from_sequence")] public required long FromSequence { get; init; }
    [JsonPropertyName("verified_through_sequence")] public required long VerifiedThroughSequence { get; init; }
    [JsonPropertyName("head_hash")] public string? HeadHash { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("last_sequence")] public required long LastSequence { get; init; }
    [JsonPropertyName("first_break")] public ChainBreak? FirstBreak { get; init; }
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

/// <summary>The first entry that breaks a chain; <see cref="Reason"/> is a stable code such as hash_mismatch.</summary>
public sealed record ChainBreak
{
    [JsonPropertyName("sequence")] public required long Sequence { get; init; }
    [JsonPropertyName("transaction_id")] public string? TransactionId { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("detail")] public required string Detail { get; init; }
}

public sealed partial class LedgerClient
{
    /// <summary><c>GET /accounts/{account_id}/verify</c>: one bounded step of verifying the account's chain.</summary>
    public Task<AccountVerification> VerifyAccountAsync(string accountId, string? cursor = null, CancellationToken cancellationToken = default)
        => GetAsync(WithQuery("accounts/" + Segment(accountId) + "/verify", ("cursor", cursor)), ClientJson.Default.AccountVerification, cancellationToken);

    /// <summary>Verifies the whole account, following the cursor until the answer is ok or broken.</summary>
    public async Task<AccountVerification> VerifyWholeAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var step = await VerifyAccountAsync(accountId, cursor: null, cancellationToken).ConfigureAwait(false);
        while (step.NextCursor is { } cursor && step.FirstBreak is null)
        {
            step = await VerifyAccountAsync(accountId, cursor, cancellationToken).ConfigureAwait(false);
        }

        return step;
    }
}
