using Ledger.Client.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Offline.Tests.Infrastructure;

/// <summary>One device: an app1 client of the in-process ledger behind a switchable <see cref="Network"/>, and its offline queue.</summary>
public sealed class SimulatedDevice : IDisposable
{
    private readonly ServiceProvider _services;

    public SimulatedDevice(LedgerTestHost host, string queuePath, OfflineLedgerOptions? options = null)
    {
        _services = host.ClientServices(
            options => (options.MaxRetries, options.AttemptTimeout, options.TotalTimeout) = (2, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)),
            builder => builder.AddHttpMessageHandler(() => Network));
        Client = _services.GetRequiredService<LedgerClient>();
        Offline = new OfflineLedger(queuePath, Client, options);
    }

    public Network Network { get; } = new();

    /// <summary>The same ledger without the device's network, to check what really happened there.</summary>
    public LedgerClient Client { get; }

    public OfflineLedger Offline { get; }

    public void Dispose() => _services.Dispose();
}
