namespace Ledger.Projections;

/// <summary>What a consumer is doing now.</summary>
public enum ConsumerState
{
    /// <summary>Not started yet (on Functions: no drain has run on this instance yet).</summary>
    Starting,

    /// <summary>Handling changes.</summary>
    Running,

    /// <summary>Caught up with the head of the feed; polling.</summary>
    Idle,

    /// <summary>The last attempt failed; waiting for the next one.</summary>
    BackingOff,

    Stopped,
}

/// <summary>A consumer's health: where it is, how far behind, and why it last failed.</summary>
public sealed record ConsumerStatus
{
    public required string Name { get; init; }
    public required ConsumerState State { get; init; }

    /// <summary>Changes committed after the consumer's stored checkpoint, counted up to a bound; null when unknown or withheld.</summary>
    public long? ChangesBehind { get; init; }

    /// <summary>True when <see cref="ChangesBehind"/> hit the bound of the estimate: at least that many.</summary>
    public bool ChangesBehindIsLowerBound { get; init; }

    /// <summary>Age of the oldest change not yet handled; zero when caught up, null when unknown.</summary>
    public TimeSpan? TimeBehind { get; init; }

    /// <summary>Changes, batches and dead letters this process handled or wrote; null when withheld.</summary>
    public long? HandledChanges { get; init; }

    public long? HandledBatches { get; init; }
    public long? DeadLettered { get; init; }
    public DateTimeOffset? LastCheckpointAt { get; init; }
    public required int ConsecutiveFailures { get; init; }

    /// <summary>The last failure's text; null when none, or withheld.</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>
    /// What one app may see: whether the consumer runs and how late, but no figure that counts every app's
    /// changes (volumes) and no error text, which may quote another app's change.
    /// </summary>
    public ConsumerStatus ForOneApp() => this with
    {
        ChangesBehind = null,
        ChangesBehindIsLowerBound = false,
        HandledChanges = null,
        HandledBatches = null,
        DeadLettered = null,
        LastError = null,
    };
}
