using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Projections;

/// <summary>What one step of a processor did.</summary>
public enum StepOutcome
{
    /// <summary>A full batch was handled and checkpointed: more may be waiting, read again at once.</summary>
    HandledFullBatch,

    /// <summary>A partial batch was handled and checkpointed: the consumer reached the head of the feed.</summary>
    HandledToHead,

    /// <summary>Nothing new.</summary>
    CaughtUp,

    /// <summary>Reading, handling or checkpointing failed; the checkpoint did not move.</summary>
    Failed,
}

/// <summary>
/// Runs one consumer over the change feed: read its checkpoint → read at most a batch → handle → write the
/// checkpoint, over and over. The checkpoint moves only after the batch was handled, so a crash between the
/// two repeats the batch (at least once; the consumer makes the repeat harmless). A failure backs off with
/// jitter and retries the same batch; it touches nothing but this consumer, and postings never wait on any
/// consumer because the feed is read after the fact. Everything goes through the store port, so the same
/// loop runs on SQLite, in memory, or on the Cosmos DB change feed.
/// </summary>
public sealed class ChangeFeedProcessor
{
    /// <summary>Longest error text kept for the status endpoint; exception messages can be arbitrarily long.</summary>
    private const int MaxErrorLength = 500;

    private readonly ILedgerStore _store;
    private readonly IChangeConsumer _consumer;
    private readonly ChangeFeedProcessorOptions _options;
    private readonly TimeProvider _time;
    private readonly RetryBackoff _backoff;
    private readonly ILogger _logger;
    private readonly Lock _statusGate = new();

    // Only the processor's own loop touches these two; no lock needed.
    private bool _checkpointLoaded;
    private string? _continuation;

    // Guarded by _statusGate: read by the status endpoint while the loop runs.
    private ConsumerState _state = ConsumerState.Starting;
    private long _handledChanges;
    private long _handledBatches;
    private DateTimeOffset? _lastCheckpointAt;
    private int _consecutiveFailures;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _nextAttemptAt;
    private string? _knownContinuation;

    public ChangeFeedProcessor(ILedgerStore store, IChangeConsumer consumer, ChangeFeedProcessorOptions options, TimeProvider time, ILogger? logger = null, Func<double>? nextUnitRandom = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        StoreLimits.RequireValidId(consumer.Name, nameof(consumer));
        _store = store;
        _consumer = consumer;
        _options = options;
        _time = time;
        _backoff = new RetryBackoff(options.RetryInitialDelay, options.RetryMaxDelay, nextUnitRandom);
        _logger = logger ?? NullLogger.Instance;
    }

    public string Name => _consumer.Name;

    /// <summary>Steps until cancelled, waiting between steps as the outcome says. Never throws but for cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var outcome = await StepAsync(cancellationToken).ConfigureAwait(false);
                var wait = DelayAfter(outcome);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            SetState(ConsumerState.Stopped);
        }
    }

    /// <summary>
    /// One read → handle → checkpoint. Failures are recorded and returned, not thrown, so the caller
    /// decides how long to wait; only cancellation of <paramref name="cancellationToken"/> throws.
    /// </summary>
    public async Task<StepOutcome> StepAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!_checkpointLoaded)
            {
                // After a restart the consumer resumes from its lease, never from memory.
                _continuation = await _store.ReadCheckpointAsync(Name, cancellationToken).ConfigureAwait(false);
                _checkpointLoaded = true;
                PublishContinuation(_continuation);
            }

            var page = await _store.ReadChangesAsync(_continuation, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            if (page.Changes.Count == 0)
            {
                SetState(ConsumerState.Idle, recovered: true);
                return StepOutcome.CaughtUp;
            }

            SetState(ConsumerState.Running);
            await _consumer.HandleAsync(page.Changes, cancellationToken).ConfigureAwait(false);
            await _store.WriteCheckpointAsync(Name, page.Continuation, cancellationToken).ConfigureAwait(false);
            _continuation = page.Continuation;
            RecordSuccess(page.Changes.Count, page.Continuation);
            return page.Changes.Count >= _options.BatchSize ? StepOutcome.HandledFullBatch : StepOutcome.HandledToHead;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            RecordFailure(exception);
            return StepOutcome.Failed;
        }
    }

    /// <summary>The consumer's health, with its lag estimated now from the position it last checkpointed.</summary>
    public async Task<ConsumerStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        ConsumerStatus status;
        string? continuation;
        bool positionKnown;
        lock (_statusGate)
        {
            status = new ConsumerStatus
            {
                Name = Name,
                State = _state,
                HandledChanges = _handledChanges,
                HandledBatches = _handledBatches,
                LastCheckpointAt = _lastCheckpointAt,
                ConsecutiveFailures = _consecutiveFailures,
                LastError = _lastError,
                LastErrorAt = _lastErrorAt,
                NextAttemptAt = _nextAttemptAt,
            };
            continuation = _knownContinuation;
            positionKnown = _state != ConsumerState.Starting || _knownContinuation is not null;
        }

        try
        {
            if (!positionKnown)
            {
                continuation = await _store.ReadCheckpointAsync(Name, cancellationToken).ConfigureAwait(false);
            }

            var lag = await _store.EstimateLagAsync(continuation, cancellationToken).ConfigureAwait(false);
            var behind = lag.OldestPendingCommittedAt is { } oldest ? _time.GetUtcNow() - oldest : TimeSpan.Zero;
            return status with { ChangesBehind = lag.ChangesBehind, TimeBehind = behind < TimeSpan.Zero ? TimeSpan.Zero : behind };
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
                int failures;
                lock (_statusGate)
                {
                    failures = _consecutiveFailures;
                }

                var delay = _backoff.DelayAfter(Math.Max(failures, 1));
                lock (_statusGate)
                {
                    _nextAttemptAt = _time.GetUtcNow() + delay;
                }

                return delay;
            default:
                return _options.PollInterval;
        }
    }

    private void PublishContinuation(string? continuation)
    {
        lock (_statusGate)
        {
            _knownContinuation = continuation;
        }
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

    private void RecordSuccess(int changes, string continuation)
    {
        lock (_statusGate)
        {
            _handledChanges += changes;
            _handledBatches++;
            _lastCheckpointAt = _time.GetUtcNow();
            _knownContinuation = continuation;
            _consecutiveFailures = 0;
            _nextAttemptAt = null;
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
            var error = exception.GetType().Name + ": " + exception.Message;
            _lastError = error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];
            _lastErrorAt = _time.GetUtcNow();
        }

        _logger.LogWarning(exception, "Consumer {Consumer} failed ({Failures} in a row); it will retry the same changes after a backoff", Name, failures);
    }
}
