namespace Ledger.Projections;

/// <summary>The snapshot rhythm: configuration <c>Ledger:Snapshots:EveryEntries</c>.</summary>
public sealed record SnapshotOptions
{
    public const int MinEveryEntries = 10;

    /// <summary>
    /// A balance-as-of query walks at most this many entries past its snapshot (plus whatever the consumer
    /// has not reached yet), so the bound keeps queries cheap; the engine refuses walks far beyond it.
    /// </summary>
    public const int MaxEveryEntries = 50_000;

    public const int DefaultEveryEntries = 500;

    /// <summary>A snapshot every this many entries of an account (and at the first entry of each UTC day).</summary>
    public int EveryEntries { get; init; } = DefaultEveryEntries;

    public void Validate()
    {
        if (EveryEntries is < MinEveryEntries or > MaxEveryEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(EveryEntries), EveryEntries, $"Must be {MinEveryEntries} to {MaxEveryEntries}.");
        }
    }
}
