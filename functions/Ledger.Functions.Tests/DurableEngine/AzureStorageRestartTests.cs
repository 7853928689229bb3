using System.Text.Json;
using DurableTask.AzureStorage;
using DurableTask.Core.History;
using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Ledger.Storage.InMemory;
using Ledger.Tests.Shared;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace Ledger.Functions.Tests.DurableEngine;

/// <summary>
/// A transfer orchestration on the backend a Functions app uses by default, Azure Storage (here Azurite):
/// its history in tables, its work in queues, its partitions leased through blobs. The worker stops in the
/// middle of the transfer and a fresh one, on another engine over the same ledger, takes over the task hub.
/// </summary>
public sealed class AzureStorageRestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AzuriteFact]
    public async Task A_transfer_whose_worker_stops_after_the_credit_landed_is_finished_exactly_once_by_a_fresh_worker()
    {
        var connection = await Azurite.ConnectionStringAsync();
        var taskHub = "ledger" + Guid.NewGuid().ToString("N")[..16];
        await using var store = new InMemoryLedgerStore(TimeProvider.System);
        var creditLanded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var neverAnswered = new TaskCompletionSource();
        TransferKey key;

        // The first worker credits the destination, then stops before it reports the step done: the
        // credit's effect is in the ledger, but not in the orchestration's history.
        await using (var first = await Worker.StartAsync(connection, taskHub, "worker-1", store))
        {
            await first.Ledger.OpenAsync("acct-src", funds: 100);
            await first.Ledger.OpenAsync("acct-dst");
            first.Functions.AfterActivity = activity =>
            {
                if (activity != DurableTransferSteps.CreditDestinationActivity)
                {
                    return Task.CompletedTask;
                }

                creditLanded.TrySetResult();
                return neverAnswered.Task;
            };
            var reserved = await first.Ledger.ReserveTransferAsync("acct-src", "acct-dst", 30, "transfer-restart");
            key = new TransferKey(reserved.AppId, reserved.TransferId);
            await new DurableTransferSagaDriver(first.Client, first.Ledger.Engine).RunAsync(key, TimeSpan.Zero, CancellationToken.None);
            await creditLanded.Task.WaitAsync(Patience);

            Assert.Equal(30, (await first.Ledger.AccountAsync("acct-dst")).Balance);
            Assert.Equal(30, (await first.Ledger.AccountAsync("acct-src")).PendingDebits);
        }

        await using var second = await Worker.StartAsync(connection, taskHub, "worker-2", store);
        var instance = await second.CompletionOfAsync(key);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal("posted", instance.ReadOutputAs<TransferDocument>()!.State);
        var source = await second.Ledger.AccountAsync("acct-src");
        Assert.Equal(70, source.Balance);
        Assert.Equal(0, source.PendingDebits);
        Assert.Equal(30, (await second.Ledger.AccountAsync("acct-dst")).Balance);

        // The step the first worker never reported ran again on the second, and its history records each
        // step once: the credit decided once in the destination partition, the commit posted once.
        Assert.Equal(
            [DurableTransferSteps.CreditDestinationActivity, DurableTransferSteps.CommitSourceActivity],
            second.Functions.RunsFor(TransferOrchestration.InstanceIdFor(key)).Select(run => run.Activity));
        var completed = await second.CompletedStepsAsync(key);
        Assert.Equal(
            [DurableTransferSteps.ReadTransferActivity, DurableTransferSteps.CreditDestinationActivity, DurableTransferSteps.CommitSourceActivity],
            completed);

        // The first worker's step is still waiting for an answer that no longer matters; let it go.
        neverAnswered.TrySetCanceled();
    }

    /// <summary>
    /// One Functions instance: its own ledger engine over the shared store, and a Durable worker on the task
    /// hub (the SDK's sidecar over an <see cref="AzureStorageOrchestrationService"/>, the SDK's worker and client).
    /// </summary>
    private sealed class Worker : IAsyncDisposable
    {
        private readonly AzureStorageOrchestrationService _backend;
        private readonly DurableTaskTestHost _host;

        private Worker(FunctionsTestHost ledger, AttributedDurableFunctions functions, AzureStorageOrchestrationService backend, DurableTaskTestHost host)
        {
            Ledger = ledger;
            Functions = functions;
            _backend = backend;
            _host = host;
        }

        public FunctionsTestHost Ledger { get; }

        public AttributedDurableFunctions Functions { get; }

        public DurableTaskClient Client => _host.Client;

        public static async Task<Worker> StartAsync(string connection, string taskHub, string workerId, InMemoryLedgerStore store)
        {
            // The engine's clock is the machine's time, as the orchestration's is: the saga compares a
            // transfer's age with its credit deadline by the orchestration's time.
            var ledger = new FunctionsTestHost(DateTimeOffset.UtcNow, _ => store);
            var functions = new AttributedDurableFunctions(typeof(TransferOrchestration), typeof(TransferKey), ledger.Orchestration);
            var backend = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                StorageAccountClientProvider = new StorageAccountClientProvider(connection),
                TaskHubName = taskHub,
                WorkerId = workerId,
                PartitionCount = 1,

                // Short enough for a test: a message a stopped worker held comes back within seconds, and
                // the idle queues are polled often.
                WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(5),
                ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(5),
                MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),
                LeaseAcquireInterval = TimeSpan.FromSeconds(1),
                LeaseRenewInterval = TimeSpan.FromSeconds(5),
                LeaseInterval = TimeSpan.FromSeconds(15),
            });
            await backend.CreateIfNotExistsAsync();
            return new Worker(ledger, functions, backend, await DurableTestHosts.StartAsync(backend, functions.AddTo));
        }

        /// <summary>Waits for the transfer's orchestration to end (polling: the sidecar waits on Azure Storage only within a timeout).</summary>
        public async Task<OrchestrationMetadata> CompletionOfAsync(TransferKey transfer)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                var instance = await Client.GetInstanceAsync(TransferOrchestration.InstanceIdFor(transfer), getInputsAndOutputs: true, timeout.Token);
                if (instance is { IsRunning: false, RuntimeStatus: not OrchestrationRuntimeStatus.Pending })
                {
                    return instance;
                }

                await Task.Delay(250, timeout.Token);
            }
        }

        /// <summary>The activities whose completion the task hub's history records, in order.</summary>
        public async Task<IReadOnlyList<string>> CompletedStepsAsync(TransferKey transfer)
        {
            var instanceId = TransferOrchestration.InstanceIdFor(transfer);
            var state = Assert.Single(await _backend.GetOrchestrationStateAsync(instanceId, allExecutions: false));
            using var history = JsonDocument.Parse(await _backend.GetOrchestrationHistoryAsync(instanceId, state.OrchestrationInstance.ExecutionId));
            var events = history.RootElement.EnumerateArray().ToArray();
            var scheduled = events.Where(step => TypeOf(step) == EventType.TaskScheduled)
                .ToDictionary(step => step.GetProperty("EventId").GetInt32(), step => step.GetProperty("Name").GetString());
            return [.. events.Where(step => TypeOf(step) == EventType.TaskCompleted).Select(step => scheduled[step.GetProperty("TaskScheduledId").GetInt32()]).OfType<string>()];
        }

        /// <summary>A history event's type, as Azure Storage serializes the history (names or numbers, without CLR type names).</summary>
        private static EventType TypeOf(JsonElement historyEvent)
        {
            var type = historyEvent.GetProperty("EventType");
            return type.ValueKind == JsonValueKind.Number ? (EventType)type.GetInt32() : Enum.Parse<EventType>(type.GetString()!);
        }

        public async ValueTask DisposeAsync()
        {
            // Stops as an instance does when it is scaled in or redeployed: the hosts stop without waiting
            // for the step in flight, and the backend gives up its partition leases.
            await _host.DisposeAsync();
            await _backend.StopAsync(isForced: true);
            await Ledger.DisposeAsync();
        }
    }
}
