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
/// jitter and retries the same batch, never skipping it; a batch that keeps failing for a reason other than
/// an outage is tried change by change, and a change that keeps failing alone is set aside as a dead letter
/// (see <see cref="ChangeFailures"/>), so one poison change cannot stop a consumer for every app. A failure
/// touches nothing but this consumer, and postings never wait on any consumer because the feed is read after
/// the fact. Everything goes through the store port, so the same loop runs on SQLite, in memory, or on the
/// Cosmos DB change feed, continuously in the local host (<see cref="RunAsync"/>) or a time budget at a time
/// in the Functions app's timers (<see cref="DrainAsync"/>).
/// </summary>
public sealed partial class ChangeFeedProcessor
{
    /// <summary>Longest error text kept for the status endpoint and dead letters; exception messages can be arbitrarily long.</summary>
    private const int MaxErrorLength = 500;

    private readonly ILedgerStore _store;
    private readonly IChangeConsumer _consumer;
    private readonly ChangeFeedProcessorOptions _options;
    private readonly TimeProvider _time;
    private readonly RetryBackoff _backoff;
    private readonly DeadLetterStore _deadLetters;
    private readonly ILogger _logger;

    // Only the step that runs touches these (steps never overlap: one loop or one drain at a time); no lock needed.
    private bool _checkpointLoaded;
    private string? _continuation;

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
        _deadLetters = new DeadLetterStore(store);
        _logger = logger ?? NullLogger.Instance;
    }

    public string Name => _consumer.Name;

    /// <summary>How long one <see cref="DrainAsync"/> may start new batches.</summary>
    public TimeSpan DrainBudget => _options.DrainBudget;

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
    /// Steps from the stored checkpoint until the consumer reaches the head of the feed, or until
    /// <see cref="ChangeFeedProcessorOptions.DrainBudget"/> is spent, and returns: one timer invocation's
    /// work. A failed step is retried after its backoff while the backoff fits in the budget; otherwise the
    /// next drain retries it from the same checkpoint. The budget decides whether a step starts; the step
    /// under way when it runs out finishes (a batch is bounded by the batch size).
    /// </summary>
    public async Task<DrainResult> DrainAsync(CancellationToken cancellationToken)
    {
        // Drains may run on any instance, one at a time: the checkpoint another instance moved is the truth.
        _checkpointLoaded = false;
        var startedAt = _time.GetUtcNow();
        var batches = 0;
        while (true)
        {
            var outcome = await StepAsync(cancellationToken).ConfigureAwait(false);
            var spent = _time.GetUtcNow() - startedAt;
            switch (outcome)
            {
                case StepOutcome.HandledFullBatch:
                    batches++;
                    if (spent >= _options.DrainBudget)
                    {
                        return new DrainResult(DrainOutcome.BudgetSpent, batches);
                    }

                    continue;
                case StepOutcome.HandledToHead:
                    return new DrainResult(DrainOutcome.CaughtUp, batches + 1);
                case StepOutcome.CaughtUp:
                    return new DrainResult(DrainOutcome.CaughtUp, batches);
                default:
                    var wait = DelayAfter(StepOutcome.Failed);
                    if (spent + wait >= _options.DrainBudget)
                    {
                        return new DrainResult(DrainOutcome.Failed, batches);
                    }

                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    break;
            }
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
            await LoadCheckpointAsync(cancellationToken).ConfigureAwait(false);
            var page = await (_consumer.FeedDocumentTypes is { } documentTypes
                ? _store.ReadChangesAsync(_continuation, _options.BatchSize, documentTypes, cancellationToken)
                : _store.ReadChangesAsync(_continuation, _options.BatchSize, cancellationToken)).ConfigureAwait(false);
            if (page.Changes.Count == 0)
            {
                // A filtering store may have moved past changes of other types: keep that, so the next read
                // (and the lag shown) starts after them.
                if (page.SkippedAhead)
                {
                    await _store.WriteCheckpointAsync(Name, page.Continuation, cancellationToken).ConfigureAwait(false);
                    _continuation = page.Continuation;
                }

                SetState(ConsumerState.Idle, recovered: true);
                return StepOutcome.CaughtUp;
            }

            SetState(ConsumerState.Running);
            await HandleAsync(page.Changes, cancellationToken).ConfigureAwait(false);
            await _store.WriteCheckpointAsync(Name, page.Continuation, cancellationToken).ConfigureAwait(false);
            _continuation = page.Continuation;
            ForgetBatch();
            RecordSuccess(page.Changes.Count);
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

    /// <summary>Reads the checkpoint on the first step, and again at the start of each drain.</summary>
    private async Task LoadCheckpointAsync(CancellationToken cancellationToken)
    {
        if (_checkpointLoaded)
        {
            return;
        }

        // After a restart the consumer resumes from its lease, never from memory.
        var stored = await _store.ReadCheckpointAsync(Name, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(stored, _continuation, StringComparison.Ordinal))
        {
            ForgetBatch();
        }

        _continuation = stored;
        _checkpointLoaded = true;
    }
}

/// <summary>How a drain ended.</summary>
public enum DrainOutcome
{
    /// <summary>The consumer reached the head of the feed.</summary>
    CaughtUp,

    /// <summary>The budget ran out with more to read; the next drain goes on from the checkpoint.</summary>
    BudgetSpent,

    /// <summary>A step failed and its backoff did not fit in the budget; the next drain retries it from the checkpoint.</summary>
    Failed,
}

/// <summary>What one drain did: how it ended and how many batches it handled and checkpointed.</summary>
public sealed record DrainResult(DrainOutcome Outcome, int Batches);
