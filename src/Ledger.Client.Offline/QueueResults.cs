namespace Ledger.Client.Offline;

public enum WriteState
{
    /// <summary>Queued, not yet answered by the ledger: its effect is unconfirmed.</summary>
    Pending,

    /// <summary>The ledger took it (2xx): it took effect, once.</summary>
    Confirmed,

    /// <summary>The ledger refused it for good (a 4xx such as insufficient_funds): it is never sent again.</summary>
    Refused,
}

/// <summary>
/// One write of the queue, in queue order (<see cref="Sequence"/>), with its idempotency key inside <see cref="Write"/>;
/// <see cref="ResponseJson"/> is the ledger's answer once confirmed (an entry, a transfer or a posting, as JSON),
/// <see cref="Problem"/> why it refused the write, once refused.
/// </summary>
public sealed record QueuedWrite(long Sequence, OfflineWrite Write, DateTimeOffset EnqueuedAt, WriteState State, int Attempts, string? ResponseJson, LedgerProblem? Problem, DateTimeOffset? SettledAt)
{
    public string IdempotencyKey => Write.IdempotencyKey!;
}

public enum ReplayStop
{
    /// <summary>Nothing is left pending.</summary>
    Drained,

    /// <summary>The ledger did not answer; the rest stays queued, in order.</summary>
    Unreachable,

    /// <summary>The ledger answered busy or failing (429, 5xx) after the client's retries; the rest stays queued.</summary>
    LedgerBusy,

    /// <summary>Another device holds the replay lease on this queue file and is replaying it.</summary>
    ReplayedElsewhere,
}

/// <summary>What one replay did: the writes it confirmed and those the ledger refused, in queue order, and why it stopped.</summary>
public sealed record ReplayReport(IReadOnlyList<QueuedWrite> Confirmed, IReadOnlyList<QueuedWrite> Refused, ReplayStop Stop, Exception? StopCause);

/// <summary>
/// The device's view of a balance: the last balance the ledger reported plus the effects of the writes still
/// queued. While <see cref="PendingWrites"/> is above zero the figure is unconfirmed.
/// </summary>
public sealed record LocalBalance(string AccountId, long? LastKnownBalance, DateTimeOffset? KnownAt, long PendingDelta, int PendingWrites, bool HasUnknownEffects)
{
    /// <summary>Last known + pending; null when no balance of the account was ever seen.</summary>
    public long? Balance => LastKnownBalance is { } known ? checked(known + PendingDelta) : null;

    /// <summary>No queued write touches the account: <see cref="Balance"/> is what the ledger last said.</summary>
    public bool IsConfirmed => PendingWrites == 0;
}

/// <summary>The outcome of <see cref="OfflineLedger.SubmitAsync"/>: the write as the queue now holds it (pending, confirmed or refused).</summary>
public sealed record SubmitOutcome(QueuedWrite Write, ReplayReport Replay)
{
    public WriteState State => Write.State;
}
