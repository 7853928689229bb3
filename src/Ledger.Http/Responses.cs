using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Engine;

namespace Ledger.Http;

/// <summary>The answer to the shared-ledger contract's <c>POST /ledger</c>.</summary>
public sealed record LedgerPostingResponse
{
    [JsonPropertyName("transaction_id")] public required string TransactionId { get; init; }
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("operation")] public required string Operation { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("nonce")] public required string Nonce { get; init; }
    [JsonPropertyName("posted_at")] public required DateTimeOffset PostedAt { get; init; }
}

/// <summary>The answer to <c>GET /ledger/{owner_id}</c>: zero for an owner never seen.</summary>
public sealed record OwnerBalanceResponse
{
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("pending")] public required long Pending { get; init; }
    [JsonPropertyName("available")] public required long Available { get; init; }
}

public sealed record AccountResponse
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("floor")] public required long Floor { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("pending")] public required long Pending { get; init; }
    [JsonPropertyName("available")] public required long Available { get; init; }
    [JsonPropertyName("low_balance_threshold")] public long? LowBalanceThreshold { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }

    public static AccountResponse From(AccountState account) => new()
    {
        AccountId = account.Id.Value,
        OwnerId = account.Owner.Value,
        AppId = account.App.Value,
        Status = AccountDocument.StatusName(account.Status),
        Floor = account.Floor,
        Balance = account.Balance,
        Pending = account.PendingDebits,
        Available = account.Available,
        LowBalanceThreshold = account.LowBalanceThreshold,
        CreatedAt = account.CreatedAt,
        UpdatedAt = account.UpdatedAt,
    };
}

public sealed record AccountListResponse
{
    [JsonPropertyName("accounts")] public required IReadOnlyList<AccountResponse> Accounts { get; init; }
    [JsonPropertyName("continuation")] public string? Continuation { get; init; }
}

public sealed record BalanceResponse
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("pending")] public long? Pending { get; init; }
    [JsonPropertyName("available")] public long? Available { get; init; }
    [JsonPropertyName("as_of")] public DateTimeOffset? AsOf { get; init; }
}

public sealed record EntryPageResponse
{
    [JsonPropertyName("entries")] public required IReadOnlyList<EntryDocument> Entries { get; init; }
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

public sealed record PingResponse([property: JsonPropertyName("ok")] bool Ok);

public sealed record HealthResponse
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }
}

/// <summary>Source-generated JSON for every request and response shape of the API.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(LedgerPostingResponse))]
[JsonSerializable(typeof(OwnerBalanceResponse))]
[JsonSerializable(typeof(AccountResponse))]
[JsonSerializable(typeof(AccountListResponse))]
[JsonSerializable(typeof(BalanceResponse))]
[JsonSerializable(typeof(EntryDocument))]
[JsonSerializable(typeof(EntryPageResponse))]
[JsonSerializable(typeof(PingResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(TransactionBatchResponse))]
public sealed partial class HttpJson : JsonSerializerContext
{
    /// <summary>Escapes only what JSON requires: responses are application/json, never inlined into HTML.</summary>
    internal static System.Text.Json.JsonSerializerOptions ApiOptions => new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static HttpJson Api { get; } = new(ApiOptions);
}
