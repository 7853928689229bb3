using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Ledger.Http;

// The documented shapes of the request bodies. The handlers read bodies field by field (RequestBody), so
// these types only describe them for the OpenAPI document; a host test holds each one's fields against the
// fields its handler accepts. The patterns and bounds are those of the domain types that parse the values.

/// <summary>Patterns and bounds the request shapes share.</summary>
internal static class Rules
{
    public const string Identifier = "^[A-Za-z0-9._:@-]{1,128}$";
    public const string StructuredToken = "^[a-z][a-z0-9_.]{0,63}$";
    public const string OperationName = "^[A-Z0-9_]{1,64}$";
    public const string Nonce = "^[!-~]{1,255}$";
    public const double MaxAmount = 1_000_000_000_000;
    public const double MaxBalance = 1_000_000_000_000_000;
    public const string NonceText = "The idempotency key (the shared-ledger contract's name for it). Send it here or as the Idempotency-Key header; if both are sent they must be equal.";
    public const string AmountText = "A positive whole number of minor units, at most 10^12. The direction never comes from the sign.";
}

/// <summary>Whether a transaction credits from issuance, debits to issuance, or applies a catalog operation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TransactionKindName>))]
public enum TransactionKindName
{
    [JsonStringEnumMemberName("mint")] Mint,
    [JsonStringEnumMemberName("burn")] Burn,
    [JsonStringEnumMemberName("operation")] Operation,
}

/// <summary>What an export covers: one account, or every account of the app.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExportScopeName>))]
public enum ExportScopeName
{
    [JsonStringEnumMemberName("account")] Account,
    [JsonStringEnumMemberName("app")] App,
}

[Description("A catalog operation for an owner (the shared-ledger contract).")]
public sealed record LedgerPostBody
{
    [JsonPropertyName("owner_id"), Description("The app's user id; the owner's account (same id) is opened on first use.")]
    [RegularExpression(Rules.Identifier)]
    public required string OwnerId { get; init; }

    [JsonPropertyName("operation"), Description("A name of the app's operation catalog, such as CREDIT_ADD.")]
    [RegularExpression(Rules.OperationName)]
    public required string Operation { get; init; }

    [JsonPropertyName("amount"), Description("Optional for fixed-amount operations (it must then equal the catalog's amount); required for credit/debit operations. " + Rules.AmountText)]
    [Range(1, Rules.MaxAmount)]
    public long? Amount { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A new account.")]
public sealed record OpenAccountBody
{
    [JsonPropertyName("owner_id"), Description("The app's user id that owns the account."), RegularExpression(Rules.Identifier)]
    public required string OwnerId { get; init; }

    [JsonPropertyName("account_id"), Description("The account's id; the ledger derives acc_… from the idempotency key when it is left out."), RegularExpression(Rules.Identifier)]
    public string? AccountId { get; init; }

    [JsonPropertyName("floor"), Description("The lowest available balance allowed (0, the default, means no overdraft)."), Range(-Rules.MaxBalance, 0)]
    public long? Floor { get; init; }

    [JsonPropertyName("low_balance_threshold"), Description("A balance below which a low-balance notification is raised; none when left out."), Range(-Rules.MaxBalance, Rules.MaxBalance)]
    public long? LowBalanceThreshold { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A mint, burn or catalog operation on one account.")]
public sealed record TransactionBody
{
    [JsonPropertyName("kind"), Description("mint credits the account from issuance, burn debits it to issuance, operation applies a catalog operation.")]
    public required TransactionKindName Kind { get; init; }

    [JsonPropertyName("account_id"), Description("The account posted to."), RegularExpression(Rules.Identifier)]
    public required string AccountId { get; init; }

    [JsonPropertyName("amount"), Description("Required for mint and burn, and for credit/debit operations. " + Rules.AmountText), Range(1, Rules.MaxAmount)]
    public long? Amount { get; init; }

    [JsonPropertyName("operation"), Description("The catalog operation; required with kind operation."), RegularExpression(Rules.OperationName)]
    public string? Operation { get; init; }

    [JsonPropertyName("reason"), Description("Why: required for mint and burn (e.g. credit_purchase, creator_payout)."), RegularExpression(Rules.StructuredToken)]
    public string? Reason { get; init; }

    [JsonPropertyName("memo"), Description("Free text for people, no control characters other than line breaks and tabs."), MaxLength(500)]
    public string? Memo { get; init; }

    [JsonPropertyName("category"), Description("A grouping for reports."), RegularExpression(Rules.StructuredToken)]
    public string? Category { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A status change or void: it sets a state, so it needs no key; a body, when sent, may carry only a nonce, which is ignored.")]
public sealed record StateChangeBody
{
    [JsonPropertyName("nonce"), Description("Accepted and ignored."), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A two-phase transfer from one account of the app to another.")]
public sealed record TransferBody
{
    [JsonPropertyName("from"), Description("The account debited."), RegularExpression(Rules.Identifier)]
    public required string From { get; init; }

    [JsonPropertyName("to"), Description("The account credited; not the same as from."), RegularExpression(Rules.Identifier)]
    public required string To { get; init; }

    [JsonPropertyName("amount"), Description(Rules.AmountText), Range(1, Rules.MaxAmount)]
    public required long Amount { get; init; }

    [JsonPropertyName("reason"), Description("Why, such as content_unlock."), RegularExpression(Rules.StructuredToken)]
    public required string Reason { get; init; }

    [JsonPropertyName("memo"), Description("Free text for people."), MaxLength(500)]
    public string? Memo { get; init; }

    [JsonPropertyName("category"), Description("A grouping for reports."), RegularExpression(Rules.StructuredToken)]
    public string? Category { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A hold: reserves the amount on from now, captured (in full or part) or voided later; voided by itself at expiry.")]
public sealed record HoldBody
{
    [JsonPropertyName("from"), Description("The account the amount is reserved on."), RegularExpression(Rules.Identifier)]
    public required string From { get; init; }

    [JsonPropertyName("to"), Description("The account credited on capture."), RegularExpression(Rules.Identifier)]
    public required string To { get; init; }

    [JsonPropertyName("amount"), Description(Rules.AmountText), Range(1, Rules.MaxAmount)]
    public required long Amount { get; init; }

    [JsonPropertyName("reason"), Description("Why, such as live_session."), RegularExpression(Rules.StructuredToken)]
    public required string Reason { get; init; }

    [JsonPropertyName("memo"), Description("Free text for people."), MaxLength(500)]
    public string? Memo { get; init; }

    [JsonPropertyName("category"), Description("A grouping for reports."), RegularExpression(Rules.StructuredToken)]
    public string? Category { get; init; }

    [JsonPropertyName("expires_at"), Description("When the hold is voided if not captured; at most 30 days ahead. Send this or expires_in_seconds, not both; an hour when neither.")]
    public DateTimeOffset? ExpiresAt { get; init; }

    [JsonPropertyName("expires_in_seconds"), Description("The hold's life in seconds, 1 to 2,592,000 (30 days)."), Range(1, 2_592_000)]
    public long? ExpiresInSeconds { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A capture of a hold: the whole hold when amount is left out.")]
public sealed record CaptureBody
{
    [JsonPropertyName("amount"), Description("The part captured, at most the hold's amount; the rest is released. " + Rules.AmountText), Range(1, Rules.MaxAmount)]
    public long? Amount { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A refund of a posted transfer: a linked reverse transfer, in full (amount left out) or in part.")]
public sealed record RefundBody
{
    [JsonPropertyName("amount"), Description("At most what is left to refund; everything left when left out. " + Rules.AmountText), Range(1, Rules.MaxAmount)]
    public long? Amount { get; init; }

    [JsonPropertyName("reason"), Description("Why; refund (with the original's memo and category) when reason, memo and category are all left out."), RegularExpression(Rules.StructuredToken)]
    public string? Reason { get; init; }

    [JsonPropertyName("memo"), Description("Free text for people."), MaxLength(500)]
    public string? Memo { get; init; }

    [JsonPropertyName("category"), Description("A grouping for reports."), RegularExpression(Rules.StructuredToken)]
    public string? Category { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("A refund of a mint: a linked burn of the minted account, in full (amount left out) or in part.")]
public sealed record MintRefundBody
{
    [JsonPropertyName("account_id"), Description("The account the mint credited."), RegularExpression(Rules.Identifier)]
    public required string AccountId { get; init; }

    [JsonPropertyName("amount"), Description("At most what is left of the mint; everything left when left out. " + Rules.AmountText), Range(1, Rules.MaxAmount)]
    public long? Amount { get; init; }

    [JsonPropertyName("reason"), Description("Why, such as purchase_refund; refund (with the mint's memo and category) when reason, memo and category are all left out."), RegularExpression(Rules.StructuredToken)]
    public string? Reason { get; init; }

    [JsonPropertyName("memo"), Description("Free text for people."), MaxLength(500)]
    public string? Memo { get; init; }

    [JsonPropertyName("category"), Description("A grouping for reports."), RegularExpression(Rules.StructuredToken)]
    public string? Category { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}

[Description("An export of entries to a CSV file, written in the background.")]
public sealed record ExportBody
{
    [JsonPropertyName("scope"), Description("account (the default: one account) or app (every account of the app).")]
    public ExportScopeName? Scope { get; init; }

    [JsonPropertyName("account_id"), Description("Required with scope account; left out with scope app."), RegularExpression(Rules.Identifier)]
    public string? AccountId { get; init; }

    [JsonPropertyName("from"), Description("Start of the period, included.")]
    public DateTimeOffset? From { get; init; }

    [JsonPropertyName("to"), Description("End of the period, excluded; later than from.")]
    public DateTimeOffset? To { get; init; }

    [JsonPropertyName("csv_formula_guard"), Description("true (the default): a text cell starting with =, +, -, @, a tab or a carriage return is written with a leading single quote and quoted, so a spreadsheet shows it instead of running it (OWASP CSV injection). false: every cell exactly as stored. Numeric columns are never changed.")]
    public bool? CsvFormulaGuard { get; init; }

    [JsonPropertyName("nonce"), Description(Rules.NonceText), RegularExpression(Rules.Nonce)]
    public string? Nonce { get; init; }
}
