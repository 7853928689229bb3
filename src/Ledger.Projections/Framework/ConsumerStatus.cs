namespace Ledger.Projections;

/// <summary>What a consumer is doing now.</summary>
public enum ConsumerState
{
    /// <summary>Not started yet.</summary>
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

    /// <summary>Changes committed after the consumer's position; null when the estimate itself failed.</summary>
    public long? ChangesBehind { get; init; }

    /// <summary>Age of the oldest change not yet handled; zero when caught up, null when unknown.</summary>
    public TimeSpan? TimeBehind { get; init; }

    public required long HandledChanges { get; init; }
    public required long HandledBatches { get; init; }
    public DateTimeOffset? LastCheckpointAt { get; init; }
    public required int ConsecutiveFailures { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
}
