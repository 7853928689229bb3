namespace Ledger.Domain;

/// <summary>
/// A positive quantity of credits in minor units. Direction is never encoded in the sign of an
/// <see cref="Amount"/>; it comes from the transaction kind or the operation's definition.
/// </summary>
public readonly record struct Amount : IComparable<Amount>
{
    /// <summary>Largest amount one transaction may move: a bound that keeps every sum far from overflow.</summary>
    public const long MaxPerTransaction = 1_000_000_000_000;

    public long MinorUnits { get; }

    private Amount(long minorUnits) => MinorUnits = minorUnits;

    public static Result<Amount> Create(long minorUnits, string field = "amount")
    {
        if (minorUnits <= 0)
        {
            return new LedgerError(ErrorCodes.InvalidAmount, $"The amount must be a positive whole number of minor units, not {minorUnits}.", field);
        }

        if (minorUnits > MaxPerTransaction)
        {
            return new LedgerError(ErrorCodes.AmountTooLarge, $"The amount must not exceed {MaxPerTransaction} minor units.", field);
        }

        return new Amount(minorUnits);
    }

    public static Amount From(long minorUnits) => Create(minorUnits).Value;

    /// <summary>Why an optional amount is invalid, or null when it is absent or valid.</summary>
    public static LedgerError? ProblemWithOptional(long? minorUnits, string field = "amount")
        => minorUnits is { } value ? Create(value, field).Error : null;

    public int CompareTo(Amount other) => MinorUnits.CompareTo(other.MinorUnits);

    public static bool operator <(Amount left, Amount right) => left.MinorUnits < right.MinorUnits;

    public static bool operator >(Amount left, Amount right) => left.MinorUnits > right.MinorUnits;

    public static bool operator <=(Amount left, Amount right) => left.MinorUnits <= right.MinorUnits;

    public static bool operator >=(Amount left, Amount right) => left.MinorUnits >= right.MinorUnits;

    public override string ToString() => MinorUnits.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Bounds on balances: far above any real use and far below <see cref="long.MaxValue"/>, so checked sums never throw.</summary>
public static class BalanceLimits
{
    public const long MaxBalance = 1_000_000_000_000_000;

    public const long MinFloor = -MaxBalance;
}
