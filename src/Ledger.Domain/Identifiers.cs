namespace Ledger.Domain;

/// <summary>Character rules shared by the identifier types; one place so they cannot drift.</summary>
internal static class IdentifierRules
{
    /// <summary>
    /// Letters, digits and <c>. _ - : @</c>; safe in URLs, CSV and Cosmos DB ids. <c>.</c> and <c>..</c>
    /// alone are refused: clients and servers remove such dot segments from paths, so no URL could name them.
    /// </summary>
    public static bool IsIdentifierText(string value, int maxLength)
    {
        if (value.Length == 0 || value.Length > maxLength || value is "." or "..")
        {
            return false;
        }

        foreach (var character in value)
        {
            var allowed = char.IsAsciiLetterOrDigit(character) || character is '.' or '_' or '-' or ':' or '@';
            if (!allowed)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Printable ASCII without spaces: what clients put in an Idempotency-Key header.</summary>
    public static bool IsPrintableToken(string value, int maxLength)
    {
        if (value.Length == 0 || value.Length > maxLength)
        {
            return false;
        }

        foreach (var character in value)
        {
            if (character is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The app a request acts for. Every account and key belongs to exactly one app.</summary>
public readonly record struct AppId
{
    public const int MaxLength = 64;

    public string Value { get; }

    private AppId(string value) => Value = value;

    public static Result<AppId> Parse(string? value, string field = "app_id")
    {
        if (string.IsNullOrEmpty(value))
        {
            return LedgerError.Missing(field);
        }

        return IdentifierRules.IsIdentifierText(value, MaxLength) && !value.Contains(':')
            ? new AppId(value)
            : LedgerError.Invalid(field, $"use 1 to {MaxLength} letters, digits, '.', '_', '-' or '@'.");
    }

    public static AppId From(string value) => Parse(value).Value;

    public override string ToString() => Value;
}

/// <summary>The owner of accounts: the app's own user id.</summary>
public readonly record struct OwnerId
{
    public const int MaxLength = 128;

    public string Value { get; }

    private OwnerId(string value) => Value = value;

    public static Result<OwnerId> Parse(string? value, string field = "owner_id")
    {
        if (string.IsNullOrEmpty(value))
        {
            return LedgerError.Missing(field);
        }

        return IdentifierRules.IsIdentifierText(value, MaxLength)
            ? new OwnerId(value)
            : LedgerError.Invalid(field, $"use 1 to {MaxLength} letters, digits, '.', '_', '-', ':' or '@'.");
    }

    public static OwnerId From(string value) => Parse(value).Value;

    public override string ToString() => Value;
}

/// <summary>
/// An account's id inside its app. The store partition is <see cref="Partition"/>, which adds the app,
/// so two apps can use the same account id without ever seeing each other.
/// </summary>
public readonly record struct AccountId
{
    public const int MaxLength = 128;

    /// <summary>The contra-account that mints draw from and burns return to. Its legs stay in each
    /// user's own partition, so it never becomes a hot partition; the '$' keeps it out of user ids.</summary>
    public static readonly AccountId Issuance = new("$issuance");

    public string Value { get; }

    private AccountId(string value) => Value = value;

    public static Result<AccountId> Parse(string? value, string field = "account_id")
    {
        if (string.IsNullOrEmpty(value))
        {
            return LedgerError.Missing(field);
        }

        return IdentifierRules.IsIdentifierText(value, MaxLength)
            ? new AccountId(value)
            : LedgerError.Invalid(field, $"use 1 to {MaxLength} letters, digits, '.', '_', '-', ':' or '@'.");
    }

    public static AccountId From(string value) => Parse(value).Value;

    /// <summary>The account an owner gets on first use of the shared-ledger contract: the owner id itself.</summary>
    public static AccountId DefaultFor(OwnerId owner) => new(owner.Value);

    /// <summary>A fresh id for an account created without one; derived from the request so retries agree.</summary>
    public static AccountId Derive(AppId app, IdempotencyKey key) => new(DigestedIds.Of("acc_", 24, app.Value, key.Value));

    public override string ToString() => Value;
}

/// <summary>The client's nonce or Idempotency-Key: a write with the same key takes effect at most once per app.</summary>
public readonly record struct IdempotencyKey
{
    public const int MaxLength = 255;

    public string Value { get; }

    private IdempotencyKey(string value) => Value = value;

    public static Result<IdempotencyKey> Parse(string? value, string field = "nonce")
    {
        if (string.IsNullOrEmpty(value))
        {
            return new LedgerError(ErrorCodes.MissingIdempotencyKey, "Every write needs a nonce in the body or an Idempotency-Key header.", field);
        }

        return IdentifierRules.IsPrintableToken(value, MaxLength)
            ? new IdempotencyKey(value)
            : LedgerError.Invalid(field, $"use 1 to {MaxLength} printable ASCII characters without spaces.");
    }

    public static IdempotencyKey From(string value) => Parse(value).Value;

    public override string ToString() => Value;
}

/// <summary>A transaction's id, derived from the app and the idempotency key so that a retry names the same transaction.</summary>
public readonly record struct TransactionId
{
    public string Value { get; }

    private TransactionId(string value) => Value = value;

    public static TransactionId Derive(AppId app, IdempotencyKey key, string scope)
        => new(DigestedIds.Of("tx_", 32, app.Value, scope, key.Value));

    /// <summary>The id of a transaction that a saga step derives from another (a transfer's credit leg, a refund).</summary>
    public static TransactionId DeriveFrom(string parentId, string step)
        => new(DigestedIds.Of("tx_", 32, parentId, step));

    public static Result<TransactionId> Parse(string? value, string field = "id")
    {
        if (string.IsNullOrEmpty(value))
        {
            return LedgerError.Missing(field);
        }

        return value.StartsWith("tx_", StringComparison.Ordinal) && IdentifierRules.IsIdentifierText(value, 64)
            ? new TransactionId(value)
            : LedgerError.Invalid(field, "not a transaction id.");
    }

    public static TransactionId From(string value) => Parse(value).Value;

    public override string ToString() => Value;
}
