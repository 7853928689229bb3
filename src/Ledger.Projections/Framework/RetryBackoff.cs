namespace Ledger.Projections;

/// <summary>
/// Exponential backoff with "equal jitter": the nominal delay doubles per consecutive failure up to a
/// bound, and the actual delay is drawn from its upper half. Half keeps a floor under the delay (so a
/// failing consumer never spins), the random half spreads consumers that failed together (a store
/// outage) so they do not retry in lockstep. Pure: the random source is injected for tests.
/// </summary>
public sealed class RetryBackoff
{
    /// <summary>Largest delay any configuration may ask for: a consumer is never parked longer than this.</summary>
    public static readonly TimeSpan MaxAllowedDelay = TimeSpan.FromMinutes(10);

    private readonly Func<double> _nextUnitRandom;

    public RetryBackoff(TimeSpan initialDelay, TimeSpan maxDelay, Func<double>? nextUnitRandom = null)
    {
        if (initialDelay <= TimeSpan.Zero || initialDelay > maxDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(initialDelay), initialDelay, "Must be positive and at most the maximum delay.");
        }

        if (maxDelay > MaxAllowedDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), maxDelay, $"Must be at most {MaxAllowedDelay}.");
        }

        InitialDelay = initialDelay;
        MaxDelay = maxDelay;
        _nextUnitRandom = nextUnitRandom ?? Random.Shared.NextDouble;
    }

    public TimeSpan InitialDelay { get; }

    public TimeSpan MaxDelay { get; }

    /// <summary>The nominal (un-jittered) delay after <paramref name="consecutiveFailures"/> failures in a row.</summary>
    public TimeSpan NominalDelay(int consecutiveFailures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consecutiveFailures, 1);

        // Doubling past 2^30 only overflows; the bound is reached long before.
        var exponent = Math.Min(consecutiveFailures - 1, 30);
        var ticks = Math.Min((double)InitialDelay.Ticks * Math.Pow(2, exponent), MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The delay before the next attempt: in [nominal/2, nominal].</summary>
    public TimeSpan DelayAfter(int consecutiveFailures)
    {
        var nominal = NominalDelay(consecutiveFailures);
        var unit = Math.Clamp(_nextUnitRandom(), 0.0, 1.0);
        return TimeSpan.FromTicks((long)(nominal.Ticks * (0.5 + (0.5 * unit))));
    }
}
