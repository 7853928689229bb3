using Microsoft.Extensions.Logging;

namespace Ledger.Projections;

/// <summary>
/// The processor's health for the status route. State, counts and the last error are this process's own
/// (on Functions: of the drains this instance ran). The lag is read from the stored checkpoint, which is
/// where every instance leaves it, with a bounded read (at most <see cref="ChangeFeedProcessorOptions.LagSampleSize"/>
/// changes) served again for <see cref="ChangeFeedProcessorOptions.StatusCacheDuration"/>, so callers of the
/// route cannot make the store do more than one such read per consumer per period.
/// </summary>
public sealed partial class ChangeFeedProcessor
{
    private readonly Lock _statusGate = new();

    // Guarded by _statusGate: read by the status endpoint while the loop runs.
    private ConsumerState _state = ConsumerState.Starting;
    private long _handledChanges;
    private long _handledBatches;
    private long _deadLettered;
    private DateTimeOffset? _lastCheckpointAt;
    private int _consecutiveFailures;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _nextAttemptAt;
    private Task<LagEstimate>? _lag;
    private DateTimeOffset _lagStartedAt;

    /// <summary>The consumer's health, with its lag estimated from its stored checkpoint (cached briefly).</summary>
    public async Task<ConsumerStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        ConsumerStatus status;
        lock (_statusGate)
        {
            status = new ConsumerStatus
            {
                Name = Name,
                State = _state,
                HandledChanges = _handledChanges,
                HandledBatches = _handledBatches,
                DeadLettered = _deadLettered,
                LastCheckpointAt = _lastCheckpointAt,
                ConsecutiveFailures = _consecutiveFailures,
                LastError = _lastError,
                LastErrorAt = _lastErrorAt,
                NextAttemptAt = _nextAttemptAt,
            };
        }

        try
        {
            var lag = await CurrentLagAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var behind = lag.OldestPendingCommittedAt is { } oldest ? _time.GetUtcNow() - oldest : TimeSpan.Zero;
            return status with
            {
                ChangesBehind = lag.Changes,
                ChangesBehindIsLowerBound = lag.IsLowerBound,
                TimeBehind = behind < TimeSpan.Zero ? TimeSpan.Zero : behind,
            };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The status endpoint must answer even when the store does not: lag stays unknown.
            _logger.LogWarning(exception, "Could not estimate the lag of consumer {Consumer}", Name);
            return status;
        }
    }

    /// <summary>How long to wait after a step: nothing while there is more, the poll interval when caught up, a backoff after a failure.</summary>
    internal TimeSpan DelayAfter(StepOutcome outcome)
    {
        switch (outcome)
        {
            case StepOutcome.HandledFullBatch:
                return TimeSpan.Zero;
            case StepOutcome.Failed:
                lock (_statusGate)
                {
                    var delay = _backoff.DelayAfter(Math.Max(_consecutiveFailures, 1));
                    _nextAttemptAt = _time.GetUtcNow() + delay;
                    return delay;
                }

            default:
                return _options.PollInterval;
        }
    }

    /// <summary>The cached estimate while it is fresh or still being read; otherwise a new read, shared by every caller.</summary>
    private Task<LagEstimate> CurrentLagAsync()
    {
        lock (_statusGate)
        {
            var now = _time.GetUtcNow();
            var reusable = _lag is { } known
                && (!known.IsCompleted || (known.IsCompletedSuccessfully && now - _lagStartedAt < _options.StatusCacheDuration));
            if (!reusable)
            {
                _lagStartedAt = now;
                _lag = EstimateLagAsync();
            }

            return _lag!;
        }
    }

    /// <summary>
    /// Reads at most a sample of the changes after the stored checkpoint. Shared by concurrent callers, so
    /// it runs to its end whoever stops waiting for it.
    /// </summary>
    private async Task<LagEstimate> EstimateLagAsync()
    {
        var checkpoint = await _store.ReadCheckpointAsync(Name, CancellationToken.None).ConfigureAwait(false);
        var pending = await _store.ReadChangesAsync(checkpoint, _options.LagSampleSize, CancellationToken.None).ConfigureAwait(false);
        DateTimeOffset? oldest = pending.Changes.Count == 0 ? null : pending.Changes.Min(change => change.CommittedAt);
        return new LagEstimate(pending.Changes.Count, pending.Changes.Count >= _options.LagSampleSize, oldest);
    }

    private void SetState(ConsumerState state, bool recovered = false)
    {
        lock (_statusGate)
        {
            _state = state;
            if (recovered)
            {
                _consecutiveFailures = 0;
                _nextAttemptAt = null;
            }
        }
    }

    private void RecordSuccess(int changes)
    {
        lock (_statusGate)
        {
            _handledChanges += changes;
            _handledBatches++;
            _lastCheckpointAt = _time.GetUtcNow();
            _consecutiveFailures = 0;
            _nextAttemptAt = null;
        }
    }

    private void RecordDeadLetter()
    {
        lock (_statusGate)
        {
            _deadLettered++;
        }
    }

    private void RecordFailure(Exception exception)
    {
        int failures;
        lock (_statusGate)
        {
            _state = ConsumerState.BackingOff;
            _consecutiveFailures = _consecutiveFailures == int.MaxValue ? int.MaxValue : _consecutiveFailures + 1;
            failures = _consecutiveFailures;
            _lastError = ErrorText(exception);
            _lastErrorAt = _time.GetUtcNow();
        }

        _logger.LogWarning(exception, "Consumer {Consumer} failed ({Failures} in a row); it will retry the same changes after a backoff", Name, failures);
    }

    /// <summary>A bounded look ahead of a checkpoint: how many changes (at least, when the sample filled up) and the oldest one's commit time.</summary>
    private readonly record struct LagEstimate(long Changes, bool IsLowerBound, DateTimeOffset? OldestPendingCommittedAt);
}
