using Microsoft.Extensions.Hosting;

namespace Ledger.Projections;

/// <summary>
/// Runs every enabled consumer in the host's process, each in its own loop: one consumer failing or
/// falling behind never holds up another, and none of them is on the path of a posting.
/// </summary>
public sealed class ProjectionHostedService(ChangeFeedProcessors processors) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.WhenAll(processors.All.Select(processor => Task.Run(() => processor.RunAsync(stoppingToken), CancellationToken.None)));
}
