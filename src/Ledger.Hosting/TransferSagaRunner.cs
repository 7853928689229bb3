using Ledger.Domain;
using Ledger.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.Hosting;

/// <summary>When the in-process saga driver sweeps for unfinished transfers and expired holds.</summary>
public sealed record TransferSagaRunnerOptions
{
    public const string SectionName = "Ledger:Transfers";

    /// <summary>Time between sweeps; bounded so expiries are never late by more than this.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A transfer that has not moved for this long is taken over by the sweep.</summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (SweepInterval < TimeSpan.FromMilliseconds(50) || SweepInterval > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException($"'{SectionName}:SweepInterval' must be between 50 ms and 5 minutes.");
        }

        if (StalledAfter < TimeSpan.Zero || StalledAfter > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException($"'{SectionName}:StalledAfter' must be between 0 and 1 hour.");
        }
    }
}

/// <summary>
/// The bounds that make every transfer saga end, in both hosts (<c>Ledger:Transfers</c>): the credit deadline
/// after which a transfer is voided, how many failed drives mark one stuck, and the back-off between drives.
/// </summary>
public sealed class SagaBoundsOptions
{
    public TimeSpan CreditDeadline { get; set; } = SagaBounds.Default.CreditDeadline;

    public int MaxFailedAttempts { get; set; } = SagaBounds.Default.MaxFailedAttempts;

    public TimeSpan FirstRetryInterval { get; set; } = SagaBounds.Default.FirstRetryInterval;

    public TimeSpan MaxRetryInterval { get; set; } = SagaBounds.Default.MaxRetryInterval;

    public TimeSpan StuckRetryInterval { get; set; } = SagaBounds.Default.StuckRetryInterval;

    /// <summary>Reads and checks the bounds; start-up fails on bounds that could not end a saga, naming the section.</summary>
    public static SagaBounds Read(IConfiguration configuration)
    {
        var options = new SagaBoundsOptions();
        configuration.GetSection(TransferSagaRunnerOptions.SectionName).Bind(options);
        var bounds = new SagaBounds(options.CreditDeadline, options.MaxFailedAttempts, options.FirstRetryInterval, options.MaxRetryInterval, options.StuckRetryInterval);
        return bounds.Problem() is { } problem
            ? throw new InvalidOperationException($"'{TransferSagaRunnerOptions.SectionName}': {problem}")
            : bounds;
    }
}

/// <summary>
/// The local host's saga driver: when the host starts it re-drives every unfinished transfer (a crash
/// may have stopped them anywhere), then keeps sweeping for transfers that stall and holds that expire.
/// In Azure, Durable Functions orchestrations and a timer function play this part.
/// </summary>
public sealed class TransferSagaRunner(LedgerEngine engine, TransferSagaRunnerOptions options, TimeProvider time, ILogger<TransferSagaRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stalledAfter = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var driven = await engine.RecoverOpenTransfersAsync(stalledAfter, stoppingToken).ConfigureAwait(false);
                if (driven > 0)
                {
                    logger.LogInformation("Drove {Count} unfinished transfers to a final state", driven);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Transfer recovery sweep failed; retrying in {Interval}", options.SweepInterval);
            }

            // Zero is the start-up sweep's bound (every open transfer, whatever its back-off); later sweeps
            // keep the back-off even when configured not to wait for stalls.
            stalledAfter = options.StalledAfter > TimeSpan.Zero ? options.StalledAfter : TimeSpan.FromTicks(1);
            try
            {
                await Task.Delay(options.SweepInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

public static class TransferSagaRunnerServiceCollectionExtensions
{
    /// <summary>Runs the in-process saga driver; the local host's choice, not the Functions app's.</summary>
    public static IServiceCollection AddTransferSagaRunner(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new TransferSagaRunnerOptions();
        configuration.GetSection(TransferSagaRunnerOptions.SectionName).Bind(options);
        options.Validate();
        services.AddSingleton(options);
        services.AddHostedService<TransferSagaRunner>();
        return services;
    }
}
