using Ledger.Projections;
using Ledger.Projections.Notifications;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Ledger.Functions;

/// <summary>
/// The change-feed consumers on Functions: one timer per consumer drains its processor from the stored
/// checkpoint for at most its drain budget, then returns. A timer runs on one instance at a time and wakes
/// an app scaled to zero, so each consumer has one reader, wherever it runs; the processor retries a failed
/// batch from its checkpoint (never skipping it) and sets a poison change aside as a dead letter, exactly as
/// in the local host, where the same processors run continuously.
/// </summary>
public sealed partial class ChangeFeedDrainFunctions
{
    /// <summary>Every ten seconds (NCRONTAB with seconds): how late a notification may be, at worst, while the app is idle.</summary>
    public const string Schedule = "*/10 * * * * *";

    /// <summary>The period <see cref="Schedule"/> fires at; a drain must end well before the next one is due.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly ChangeFeedProcessors _processors;
    private readonly ILogger _logger;

    public ChangeFeedDrainFunctions(ChangeFeedProcessors processors, ILogger<ChangeFeedDrainFunctions> logger)
    {
        _processors = processors;
        _logger = logger;
        if (processors.All.FirstOrDefault(processor => processor.DrainBudget >= Period) is { } tooLong)
        {
            throw new InvalidOperationException(
                $"Ledger:Projections:DrainBudget ({tooLong.DrainBudget}) must be shorter than the drain timers' period ({Period}).");
        }
    }

    [Function("DrainSnapshots")]
    public Task DrainSnapshots([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
        => DrainAsync(SnapshotConsumer.ConsumerName, cancellationToken);

    [Function("DrainExports")]
    public Task DrainExports([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
        => DrainAsync(ExportConsumer.ConsumerName, cancellationToken);

    [Function("DrainNotifications")]
    public Task DrainNotifications([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
        => DrainAsync(NotificationConsumer.ConsumerName, cancellationToken);

    /// <summary>A consumer not enabled here (notifications without a topic or a webhook) has nothing to drain.</summary>
    private async Task DrainAsync(string consumer, CancellationToken cancellationToken)
    {
        if (_processors.Named(consumer) is not { } processor)
        {
            return;
        }

        var result = await processor.DrainAsync(cancellationToken).ConfigureAwait(false);
        if (result.Outcome != DrainOutcome.CaughtUp)
        {
            // The next timer goes on from the checkpoint; the status route shows the failure and the lag.
            _logger.LogInformation("Consumer {Consumer} drained {Batches} batches and stopped: {Outcome}", consumer, result.Batches, result.Outcome);
        }
    }
}
