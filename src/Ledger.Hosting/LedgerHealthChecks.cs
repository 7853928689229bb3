using Ledger.Http;
using Ledger.Projections;
using Ledger.Storage;
using Ledger.Store.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ledger.Hosting;

/// <summary>Bounds of the readiness checks, from <c>Ledger:Health</c>.</summary>
public sealed record LedgerHealthOptions
{
    public const string SectionName = "Ledger:Health";

    /// <summary>How long the store may take to answer the probes before the host is reported not ready.</summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Share of the SQLite write queue that, when filled, reports the host not ready (shed load elsewhere).</summary>
    public double WriteQueueSaturation { get; set; } = 0.9;

    public void Validate()
    {
        if (StoreTimeout < TimeSpan.FromMilliseconds(10) || StoreTimeout > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"'{SectionName}:StoreTimeout' must be between 10 ms and 1 minute.");
        }

        if (WriteQueueSaturation is <= 0 or > 1)
        {
            throw new InvalidOperationException($"'{SectionName}:WriteQueueSaturation' must be above 0 and at most 1.");
        }
    }
}

public static class LedgerHealthCheckServiceCollectionExtensions
{
    /// <summary>
    /// Registers the readiness checks (tag <see cref="LedgerHealth.ReadyTag"/>): the store answers within a
    /// bound, the SQLite write queue is not saturated, and, where consumers run in this process, they are
    /// alive. Liveness needs no check: a host that answers at all is alive.
    /// </summary>
    public static IHealthChecksBuilder AddLedgerHealthChecks(this IServiceCollection services, IConfiguration configuration, bool consumersInProcess = true)
    {
        var options = new LedgerHealthOptions();
        configuration.GetSection(LedgerHealthOptions.SectionName).Bind(options);
        options.Validate();
        services.AddSingleton(options);
        var checks = services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [LedgerHealth.ReadyTag])
            .AddCheck<WriteQueueHealthCheck>("write_queue", tags: [LedgerHealth.ReadyTag]);
        if (!consumersInProcess)
        {
            return checks;
        }

        // Reading each consumer's lag reads the store; the same bound applies.
        services.AddHostedService<ConsumerLagSampler>();
        return checks.AddCheck<ConsumersHealthCheck>("consumers", tags: [LedgerHealth.ReadyTag], timeout: options.StoreTimeout);
    }
}

/// <summary>
/// The store must answer a read within the bound and, on SQLite, let a write through: WAL lets reads go
/// on while another connection holds the write lock, so a read alone says "ok" while no write can commit.
/// </summary>
internal sealed class StoreHealthCheck(ILedgerStore store, LedgerHealthOptions options) : IHealthCheck
{
    /// <summary>A document nobody writes: reading it costs one point read (1 RU on Cosmos DB) and finds nothing.</summary>
    private const string ProbePartition = "$health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.StoreTimeout);
        try
        {
            if (store is SqliteLedgerStore sqlite)
            {
                await sqlite.ProbeWriterAsync(bound.Token).WaitAsync(bound.Token).ConfigureAwait(false);
            }

            await store.ReadAsync(ProbePartition, "probe", bound.Token).AsTask().WaitAsync(bound.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The store answers reads and writes.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The store did not answer within {options.StoreTimeout.TotalMilliseconds:0} ms (locked or overloaded).");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The store failed to answer.", exception);
        }
    }
}

/// <summary>A write queue near its capacity means writes are about to wait for room: not ready for more traffic.</summary>
internal sealed class WriteQueueHealthCheck(ILedgerStore store, LedgerHealthOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store is not SqliteLedgerStore sqlite)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The store has no local write queue."));
        }

        var queued = sqlite.QueuedWriteRequestCount;
        var capacity = sqlite.WriteQueueCapacity;
        var result = queued >= capacity * options.WriteQueueSaturation
            ? HealthCheckResult.Unhealthy($"The write queue holds {queued} of {capacity} requests.")
            : HealthCheckResult.Healthy($"The write queue holds {queued} of {capacity} requests.");
        return Task.FromResult(result);
    }
}

/// <summary>
/// Consumers never hold up a posting, so one that keeps failing only degrades the host; a stopped one
/// (its loop ended while the host runs) makes it unhealthy, because its projection no longer moves.
/// </summary>
internal sealed class ConsumersHealthCheck(ChangeFeedProcessors processors) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = await processors.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var stopped = statuses.Where(status => status.State == ConsumerState.Stopped).Select(status => status.Name).ToArray();
        if (stopped.Length > 0)
        {
            return HealthCheckResult.Unhealthy($"Stopped consumers: {string.Join(", ", stopped)}.");
        }

        var failing = statuses.Where(status => status.State == ConsumerState.BackingOff).Select(status => status.Name).ToArray();
        return failing.Length > 0
            ? HealthCheckResult.Degraded($"Consumers retrying after failures: {string.Join(", ", failing)}.")
            : HealthCheckResult.Healthy($"{statuses.Count} consumers running.");
    }
}
