using System.Diagnostics.Metrics;
using Ledger.Projections;
using Ledger.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.Hosting;

/// <summary>
/// Publishes each in-process consumer's lag as the <c>ledger.consumer.lag</c> gauge (changes behind the
/// head of the feed, tagged by consumer). Estimating lag reads the store, which an observable gauge's
/// callback must not do, so this service samples it on its own schedule and the gauge reports the last sample.
/// </summary>
public sealed class ConsumerLagSampler(ChangeFeedProcessors processors, TimeProvider time, ILogger<ConsumerLagSampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static readonly ObservableGauge<long> Lag = LedgerMetrics.Meter.CreateObservableGauge(
        "ledger.consumer.lag", ObserveLatest, unit: "{change}", description: "Changes committed after each change-feed consumer's position, sampled every 5 s.");

    /// <summary>The newest sample of the running host; one host per process outside tests.</summary>
    private static volatile Measurement<long>[] latest = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = Lag;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var statuses = await processors.GetStatusAsync(stoppingToken).ConfigureAwait(false);
                latest = statuses
                    .Where(status => status.ChangesBehind is not null)
                    .Select(status => new Measurement<long>(status.ChangesBehind!.Value, new KeyValuePair<string, object?>(LedgerMetrics.ConsumerTag, status.Name)))
                    .ToArray();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The lag stays at its last sample; the next round tries again.
                logger.LogWarning(exception, "Could not sample consumer lag; retrying in {Interval}", Interval);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveLatest() => latest;
}
