using System.Net;
using System.Net.Sockets;
using Ledger.Engine;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace Ledger.Functions.Tests.Support;

/// <summary>
/// The Functions app's orchestrator and activities running on a real Durable Task engine: the SDK's
/// in-process test host (<see cref="DurableTaskTestHost"/>: its gRPC sidecar over an in-memory orchestration
/// service, and the SDK's worker and client), with the functions registered from their [Function]
/// attributes and the activities on a real ledger engine.
/// </summary>
internal sealed class DurableLedgerHost : IAsyncDisposable
{
    /// <summary>
    /// The engine's manual clock starts this far behind the orchestration's time (the machine's), so a test
    /// can place a hold the orchestration already sees expired while the engine does not yet, and then move
    /// the engine's clock on: the two clocks agree again once the manual clock has moved this much.
    /// </summary>
    public static readonly TimeSpan EngineClockLag = TimeSpan.FromHours(1);

    private readonly DurableTaskTestHost _durable;
    private readonly ILedgerStore _store;

    private DurableLedgerHost(FunctionsTestHost ledger, ILedgerStore store, FlakyLedgerStore flaky, AttributedDurableFunctions functions, DurableTaskTestHost durable)
    {
        Ledger = ledger;
        _store = store;
        Flaky = flaky;
        Functions = functions;
        _durable = durable;
    }

    public FunctionsTestHost Ledger { get; }

    /// <summary>Makes the ledger's store fail commits to a partition while the test says so; it passes everything through until then.</summary>
    public FlakyLedgerStore Flaky { get; }

    public AttributedDurableFunctions Functions { get; }

    /// <summary>The SDK client the functions take as their [DurableClient], connected to the test host's sidecar.</summary>
    public DurableTaskClient Client => _durable.Client;

    public static async Task<DurableLedgerHost> StartAsync()
    {
        ILedgerStore? store = null;
        FlakyLedgerStore? flaky = null;
        var ledger = new FunctionsTestHost(DateTimeOffset.UtcNow - EngineClockLag, clock =>
        {
            (store, flaky) = FlakyLedgerStore.Over(new InMemoryLedgerStore(clock));
            return store;
        });
        var functions = new AttributedDurableFunctions(typeof(TransferOrchestration), typeof(TransferKey), ledger.Orchestration);
        var durable = await DurableTaskTestHost.StartAsync(functions.AddTo, new DurableTaskTestHostOptions { Port = FreePort() });
        return new DurableLedgerHost(ledger, store!, flaky!, functions, durable);
    }

    /// <summary>The saga driver the HTTP functions and the recovery timer build on the client they are given.</summary>
    public DurableTransferSagaDriver Driver() => new(Client, Ledger.Engine);

    /// <summary>Calls an HTTP function with this host's client as its [DurableClient], and executes its result as the Functions host does.</summary>
    public async Task<Answer> CallAsync(HttpRequest request, Func<HttpRequest, DurableTaskClient, Task<IResult>> function)
        => await FunctionsTestHost.ExecuteAsync(await function(request, Client), request);

    /// <summary>Calls an HTTP function that takes no client.</summary>
    public static async Task<Answer> CallAsync(HttpRequest request, Func<HttpRequest, Task<IResult>> function)
        => await FunctionsTestHost.ExecuteAsync(await function(request), request);

    /// <summary>Waits for a transfer's orchestration to end, and returns its status.</summary>
    public async Task<OrchestrationMetadata> CompletionOfAsync(TransferKey transfer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(TransferOrchestration.InstanceIdFor(transfer), getInputsAndOutputs: true, timeout.Token);
    }

    /// <summary>The activity functions that ran for a transfer's orchestration, in order (a retry is another run of the same activity).</summary>
    public IReadOnlyList<ActivityRun> StepsOf(TransferKey transfer) => Functions.RunsFor(TransferOrchestration.InstanceIdFor(transfer));

    /// <summary>Every orchestration instance the engine knows, whatever its state.</summary>
    public async Task<IReadOnlyList<OrchestrationMetadata>> InstancesAsync()
    {
        var instances = new List<OrchestrationMetadata>();
        await foreach (var instance in Client.GetAllInstancesAsync(new OrchestrationQuery()))
        {
            instances.Add(instance);
        }

        return instances;
    }

    public async ValueTask DisposeAsync()
    {
        await _durable.DisposeAsync();
        await Ledger.DisposeAsync();
        await _store.DisposeAsync();
    }

    /// <summary>A free loopback port for the sidecar (the test host would otherwise pick a random one, which parallel tests can share).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
