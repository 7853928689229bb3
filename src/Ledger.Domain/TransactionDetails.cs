namespace Ledger.Domain;

/// <summary>
/// Why a transaction happened: a structured <see cref="Reason"/> (machine-readable, e.g. <c>content_unlock</c>),
/// an optional free-text <see cref="Memo"/> for people, and an optional <see cref="Category"/> for summaries.
/// </summary>
public sealed record TransactionDetails
{
    public const int MaxReasonLength = 64;
    public const int MaxMemoLength = 500;
    public const int MaxCategoryLength = 64;

    public string Reason { get; }
    public string? Memo { get; }
    public string? Category { get; }

    private TransactionDetails(string reason, string? memo, string? category)
    {
        Reason = reason;
        Memo = memo;
        Category = category;
    }

    public static Result<TransactionDetails> Create(string? reason, string? memo, string? category)
    {
        if (string.IsNullOrEmpty(reason))
        {
            return LedgerError.Missing("reason");
        }

        if (!IsStructuredToken(reason, MaxReasonLength))
        {
            return LedgerError.Invalid("reason", $"use 1 to {MaxReasonLength} lower-case letters, digits, '_' or '.', starting with a letter (e.g. content_unlock).");
        }

        if (memo is not null && (memo.Length > MaxMemoLength || ContainsControlOtherThanNewline(memo)))
        {
            return LedgerError.Invalid("memo", $"at most {MaxMemoLength} characters, no control characters other than line breaks and tabs.");
        }

        if (category is not null && !IsStructuredToken(category, MaxCategoryLength))
        {
            return LedgerError.Invalid("category", $"use 1 to {MaxCategoryLength} lower-case letters, digits, '_' or '.', starting with a letter.");
        }

        return new TransactionDetails(reason, memo, category);
    }

    public static TransactionDetails From(string reason, string? memo = null, string? category = null) => Create(reason, memo, category).Value;

    private static bool IsStructuredToken(string value, int maxLength)
    {
        if (value.Length == 0 || value.Length > maxLength || !char.IsAsciiLetterLower(value[0]))
        {
            return false;
        }

        foreach (var character in value)
        {
            if (!(char.IsAsciiLetterLower(character) || char.IsAsciiDigit(character) || character is '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ContainsControlOtherThanNewline(string value)
    {
        foreach (var character in value)
        {
            if (char.IsControl(character) && character is not ('\n' or '\r' or '\t'))
            {
                return true;
            }
        }

        return false;
    }
}
