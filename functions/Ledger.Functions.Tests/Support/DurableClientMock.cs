using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Moq;

namespace Ledger.Functions.Tests.Support;

/// <summary>
/// A mocked <see cref="DurableTaskClient"/> over a real engine. Scheduling is recorded; waiting for an
/// orchestration drives every unfinished transfer on the engine, as the scheduled orchestrations would
/// in the background, unless the test says the wait runs out first.
/// </summary>
internal sealed class DurableClientMock
{
    private readonly FunctionsTestHost _host;
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);

    public DurableClientMock(FunctionsTestHost host)
    {
        _host = host;
        Mock.Setup(client => client.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((string instanceId, bool _, CancellationToken _) => Task.FromResult(Instance(instanceId)));
        Mock.Setup(client => client.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Returns((TaskName name, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                var instanceId = options?.InstanceId ?? "generated";
                if (StartFails)
                {
                    if (ExistsAfterFailedStart)
                    {
                        _started.Add(instanceId);
                    }

                    return Task.FromException<string>(new InvalidOperationException("An orchestration instance with this id already exists."));
                }

                Scheduled.Add((name, input, options));
                _started.Add(instanceId);
                return Task.FromResult(instanceId);
            });
        Mock.Setup(client => client.WaitForInstanceCompletionAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns(async (string instanceId, bool _, CancellationToken cancellation) =>
            {
                Waited.Add(instanceId);
                if (!CompletesWithinWait)
                {
                    await Task.Delay(Timeout.Infinite, cancellation);
                }

                await _host.Engine.RecoverOpenTransfersAsync(TimeSpan.Zero, CancellationToken.None);
                return new OrchestrationMetadata(TransferOrchestration.OrchestratorName, instanceId) { RuntimeStatus = OrchestrationRuntimeStatus.Completed };
            });
    }

    public Mock<DurableTaskClient> Mock { get; } = new("test");

    public DurableTaskClient Object => Mock.Object;

    public List<(TaskName Name, object? Input, StartOrchestrationOptions? Options)> Scheduled { get; } = [];

    public List<string> Waited { get; } = [];

    /// <summary>The status every orchestration asked about already has; null for none until it is scheduled.</summary>
    public OrchestrationRuntimeStatus? Existing { get; init; }

    public bool CompletesWithinWait { get; init; } = true;

    public bool StartFails { get; init; }

    public bool ExistsAfterFailedStart { get; init; }

    private OrchestrationMetadata? Instance(string instanceId)
        => Existing is { } status
            ? new OrchestrationMetadata(TransferOrchestration.OrchestratorName, instanceId) { RuntimeStatus = status }
            : _started.Contains(instanceId) ? new OrchestrationMetadata(TransferOrchestration.OrchestratorName, instanceId) { RuntimeStatus = OrchestrationRuntimeStatus.Running } : null;
}
