using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.Functions.Tests.Support;

/// <summary>
/// Starts a <see cref="DurableTaskTestHost"/> over the orchestration service the test chooses. The SDK's
/// <see cref="DurableTaskTestHost.StartAsync"/> builds the same two hosts, but always on an
/// <c>InMemoryOrchestrationService</c> it keeps to itself, in a sidecar container of its own (its
/// <see cref="DurableTaskTestHostOptions.ConfigureServices"/> reaches only the worker's container). Its sidecar,
/// <see cref="TaskHubGrpcServer"/>, takes the <see cref="IOrchestrationService"/> and
/// <see cref="IOrchestrationServiceClient"/> from dependency injection, so here they are registered as the
/// backend the test chooses, such as an <c>AzureStorageOrchestrationService</c>, the default backend of a
/// Functions app.
/// </summary>
internal static class DurableTestHosts
{
    /// <summary>How long a stopping host waits for work in flight: a test that stops a worker mid-step must not wait for that step.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    public static async Task<DurableTaskTestHost> StartAsync<TBackend>(TBackend backend, Action<DurableTaskRegistry> registry)
        where TBackend : IOrchestrationService, IOrchestrationServiceClient
    {
        var address = $"http://localhost:{DurableLedgerHost.FreePort()}";
        var sidecar = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureWebHostDefaults(web => web
                .UseUrls(address)
                .ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2))
                .ConfigureServices(services =>
                {
                    services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
                    services.AddGrpc();
                    services.AddSingleton<IOrchestrationService>(backend);
                    services.AddSingleton<IOrchestrationServiceClient>(backend);
                    services.AddSingleton<TaskHubGrpcServer>();
                })
                .Configure(app => app.UseRouting().UseEndpoints(endpoints => endpoints.MapGrpcService<TaskHubGrpcServer>())))
            .Build();
        await sidecar.StartAsync();

        var channel = GrpcChannel.ForAddress(address);
        var worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureServices(services =>
            {
                services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
                services.AddDurableTaskWorker(builder => builder.UseGrpc(channel).AddTasks(registry));
                services.AddDurableTaskClient(builder => builder.UseGrpc(channel).RegisterDirectly());
            })
            .Build();
        await worker.StartAsync();

        return new DurableTaskTestHost(sidecar, worker, channel, worker.Services.GetRequiredService<DurableTaskClient>());
    }
}
