using System.Text.Json.Serialization;

namespace Ledger.Client;

// The request bodies of the API's writes, field for field (a test holds them against the served OpenAPI
// document). The idempotency key travels as the Idempotency-Key header, never in the body, so the one key
// chosen for a logical call is the one every retry of it resends.

/// <summary>A write the ledger applies at most once per key.</summary>
public abstract record KeyedRequest
{
    /// <summary>
    /// The idempotency key: the same key with the same body replays the first outcome, never a second
    /// effect. The client makes one (a new GUID) per call when it is left out.
    /// </summary>
    [JsonIgnore]
    public string? IdempotencyKey { get; init; }
}

/// <summary>A catalog operation for an owner: the shared-ledger contract's <c>POST /ledger</c>.</summary>
public sealed record LedgerPostRequest : KeyedRequest
{
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("operation")] public required string Operation { get; init; }

    /// <summary>Required for credit/debit operations; for fixed-amount ones it must equal the catalog's amount when sent.</summary>
    [JsonPropertyName("amount")] public long? Amount { get; init; }
}

/// <summary>A new account.</summary>
public sealed record OpenAccountRequest : KeyedRequest
{
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }

    /// <summary>The account's id; the ledger derives one from the idempotency key when it is left out.</summary>
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }

    /// <summary>The lowest available balance allowed (0 by default: no overdraft).</summary>
    [JsonPropertyName("floor")] public long? Floor { get; init; }

    [JsonPropertyName("low_balance_threshold")] public long? LowBalanceThreshold { get; init; }
}

/// <summary>Whether a transaction credits from issuance, debits to issuance, or applies a catalog operation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TransactionKind>))]
public enum TransactionKind
{
    [JsonStringEnumMemberName("mint")] Mint,
    [JsonStringEnumMemberName("burn")] Burn,
    [JsonStringEnumMemberName("operation")] Operation,
}

/// <summary>A mint, burn or catalog operation on one account: <c>POST /transactions</c>.</summary>
public sealed record TransactionRequest : KeyedRequest
{
    [JsonPropertyName("kind")] public required TransactionKind Kind { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("amount")] public long? Amount { get; init; }
    [JsonPropertyName("operation")] public string? Operation { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }

    /// <summary>Credits <paramref name="amount"/> to the account from issuance.</summary>
    public static TransactionRequest Mint(string accountId, long amount, string reason, string? memo = null)
        => new() { Kind = TransactionKind.Mint, AccountId = accountId, Amount = amount, Reason = reason, Memo = memo };

    /// <summary>Debits <paramref name="amount"/> from the account to issuance.</summary>
    public static TransactionRequest Burn(string accountId, long amount, string reason, string? memo = null)
        => new() { Kind = TransactionKind.Burn, AccountId = accountId, Amount = amount, Reason = reason, Memo = memo };

    /// <summary>Applies a catalog operation (the amount only for operations without a fixed one).</summary>
    public static TransactionRequest ApplyOperation(string accountId, string operation, long? amount = null)
        => new() { Kind = TransactionKind.Operation, AccountId = accountId, Operation = operation, Amount = amount };
}

/// <summary>A two-phase transfer between two accounts of the app.</summary>
public sealed record TransferRequest : KeyedRequest
{
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
}

/// <summary>A hold: reserves the amount on <see cref="From"/> until it is captured, voided or expires.</summary>
public sealed record HoldRequest : KeyedRequest
{
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }

    /// <summary>When the hold is voided if not captured; send this or <see cref="ExpiresInSeconds"/>, not both (an hour when neither).</summary>
    [JsonPropertyName("expires_at")] public DateTimeOffset? ExpiresAt { get; init; }

    [JsonPropertyName("expires_in_seconds")] public long? ExpiresInSeconds { get; init; }
}

/// <summary>A capture of a hold: the whole hold when <see cref="Amount"/> is left out.</summary>
public sealed record CaptureRequest : KeyedRequest
{
    [JsonPropertyName("amount")] public long? Amount { get; init; }
}

/// <summary>A refund of a posted transfer, in full (amount left out) or in part.</summary>
public sealed record RefundRequest : KeyedRequest
{
    [JsonPropertyName("amount")] public long? Amount { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
}

/// <summary>A refund of a mint: a linked burn of the minted account, in full or in part.</summary>
public sealed record MintRefundRequest : KeyedRequest
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("amount")] public long? Amount { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
}

/// <summary>What an export covers: one account, or every account of the app.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExportScope>))]
public enum ExportScope
{
    [JsonStringEnumMemberName("account")] Account,
    [JsonStringEnumMemberName("app")] App,
}

/// <summary>A CSV export of entries, written in the background.</summary>
public sealed record ExportRequest : KeyedRequest
{
    [JsonPropertyName("scope")] public ExportScope? Scope { get; init; }
    [JsonPropertyName("account_id")] public string? AccountId { get; init; }
    [JsonPropertyName("from")] public DateTimeOffset? From { get; init; }
    [JsonPropertyName("to")] public DateTimeOffset? To { get; init; }

    /// <summary>
    /// Left null or true, the ledger writes a text cell starting with =, +, -, @, a tab or a carriage return with a
    /// leading single quote so a spreadsheet shows it instead of running it; false writes every cell exactly as stored.
    /// </summary>
    [JsonPropertyName("csv_formula_guard")] public bool? CsvFormulaGuard { get; init; }
}
