using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>How a consumer reads the feed and how it backs off. Every value has bounds, checked by <see cref="Validate"/>.</summary>
public sealed record ChangeFeedProcessorOptions
{
    public const int MinBatchSize = 1;

    /// <summary>The store port's own page bound: no read returns more.</summary>
    public const int MaxBatchSize = StoreLimits.MaxPageSize;

    public static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(1);
    public const int MaxFailureBound = 100;
    public static readonly TimeSpan MinDrainBudget = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxDrainBudget = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MaxStatusCacheDuration = TimeSpan.FromMinutes(1);

    /// <summary>Most changes handed to a consumer at once; also the most work repeated after a crash.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How long a consumer that has caught up waits before reading the feed again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The first backoff after a failure; it doubles per consecutive failure.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest backoff between attempts of a failing consumer.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Failures in a row of a whole batch, not known to be outages, after which the batch is tried change
    /// by change to find the change that fails it.
    /// </summary>
    public int NarrowAfterFailures { get; init; } = 3;

    /// <summary>Tries of one change alone, each failing not as an outage, before it is set aside as a dead letter.</summary>
    public int MaxAttemptsPerChange { get; init; } = 5;

    /// <summary>
    /// How long one drain (a timer invocation on Functions) may start new batches; the batch under way when
    /// it runs out finishes. Keep it shorter than the timer's period.
    /// </summary>
    public TimeSpan DrainBudget { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Most changes the lag estimate reads; past it, the count means "at least".</summary>
    public int LagSampleSize { get; init; } = StoreLimits.MaxPageSize;

    /// <summary>How long a lag estimate is served again before the store is read anew; zero reads every time.</summary>
    public TimeSpan StatusCacheDuration { get; init; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (BatchSize is < MinBatchSize or > MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"Must be {MinBatchSize} to {MaxBatchSize}.");
        }

        if (PollInterval < MinPollInterval || PollInterval > MaxPollInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, $"Must be {MinPollInterval} to {MaxPollInterval}.");
        }

        RequireWithin(NarrowAfterFailures, 1, MaxFailureBound, nameof(NarrowAfterFailures));
        RequireWithin(MaxAttemptsPerChange, 1, MaxFailureBound, nameof(MaxAttemptsPerChange));
        RequireWithin(LagSampleSize, 1, StoreLimits.MaxPageSize, nameof(LagSampleSize));
        if (DrainBudget < MinDrainBudget || DrainBudget > MaxDrainBudget)
        {
            throw new ArgumentOutOfRangeException(nameof(DrainBudget), DrainBudget, $"Must be {MinDrainBudget} to {MaxDrainBudget}.");
        }

        if (StatusCacheDuration < TimeSpan.Zero || StatusCacheDuration > MaxStatusCacheDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(StatusCacheDuration), StatusCacheDuration, $"Must be zero to {MaxStatusCacheDuration}.");
        }

        // RetryBackoff checks the delays and their order.
        _ = new RetryBackoff(RetryInitialDelay, RetryMaxDelay);
    }

    private static void RequireWithin(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be {min} to {max}.");
        }
    }
}
