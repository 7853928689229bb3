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

    /// <summary>Most changes handed to a consumer at once; also the most work repeated after a crash.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How long a consumer that has caught up waits before reading the feed again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The first backoff after a failure; it doubles per consecutive failure.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest backoff between attempts of a failing consumer.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

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

        // RetryBackoff checks the delays and their order.
        _ = new RetryBackoff(RetryInitialDelay, RetryMaxDelay);
    }
}
