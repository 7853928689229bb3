namespace Ledger.Projections;

/// <summary>Bounds of exports: configuration <c>Ledger:Exports</c>.</summary>
public sealed record ExportOptions
{
    public const long MaxRowsLimit = 50_000_000;
    public const int MaxAttemptsLimit = 20;

    /// <summary>Most rows one export writes; a larger one fails with <c>export_too_large</c>.</summary>
    public long MaxRows { get; init; } = 5_000_000;

    /// <summary>How many times an export is started (after crashes or failures) before it is marked failed.</summary>
    public int MaxAttempts { get; init; } = 5;

    public void Validate()
    {
        if (MaxRows is < 1 or > MaxRowsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRows), MaxRows, $"Must be 1 to {MaxRowsLimit}.");
        }

        if (MaxAttempts is < 1 or > MaxAttemptsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, $"Must be 1 to {MaxAttemptsLimit}.");
        }
    }
}
