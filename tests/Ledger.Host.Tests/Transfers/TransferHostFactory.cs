using Ledger.Engine;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;
using Ledger.Storage;
using Ledger.Store.Sqlite;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Host.Tests.Transfers;

/// <summary>
/// The local host in-process like <see cref="LedgerApiFactory"/> (own data directory, the real appsettings
/// apps), plus what the transfer tests need to reach states a client cannot force: a clock the test moves
/// (<see cref="Clock"/>), a store that can be told to fail the saga's credit step (<see cref="Store"/>),
/// and a faster saga runner.
/// </summary>
public sealed class TransferHostFactory : WebApplicationFactory<Program>
{
    private readonly bool manualClock;
    private readonly bool faultyStore;
    private readonly TimeSpan sweepInterval;

    private readonly IReadOnlyList<KeyValuePair<string, string?>> extraSettings;

    public TransferHostFactory(bool manualClock = false, bool faultyStore = false, TimeSpan? sweepInterval = null, IReadOnlyList<KeyValuePair<string, string?>>? settings = null)
    {
        extraSettings = settings ?? [];
        this.manualClock = manualClock;
        this.faultyStore = faultyStore;
        this.sweepInterval = sweepInterval ?? TimeSpan.FromMilliseconds(200);
        DataDirectory = Path.Combine(Path.GetTempPath(), "ledger-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
    }

    public string DataDirectory { get; }

    /// <summary>The host's clock when the factory was made with <c>manualClock</c>.</summary>
    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The host's store when the factory was made with <c>faultyStore</c>; null until the host starts (the first client starts it).</summary>
    public SagaFaultStore? Store { get; private set; }

    public LedgerClient App1() => Client(LedgerApiFactory.App1Key);

    public LedgerClient App2() => Client(LedgerApiFactory.App2Key);

    public LedgerClient Client(string? apiKey)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add(LedgerApi.ApiKeyHeader, apiKey);
        }

        return new LedgerClient(http);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        KeyValuePair<string, string?>[] settings =
        [
            new("Ledger:DataDirectory", DataDirectory),
            new("Ledger:Transfers:SweepInterval", sweepInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),
            new("Ledger:Transfers:StalledAfter", "00:00:00"),
            .. extraSettings,
        ];
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        builder.ConfigureTestServices(services =>
        {
            if (manualClock)
            {
                services.AddSingleton<TimeProvider>(Clock);
            }

            if (faultyStore)
            {
                services.AddSingleton<ILedgerStore>(provider => Store = new SagaFaultStore(
                    new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = DataDirectory }, provider.GetRequiredService<TimeProvider>())));
            }
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TemporaryDirectory.Delete(DataDirectory);
    }
}

/// <summary>A clock that moves only when a test moves it. Timers still run on real time (the saga runner's sweeps).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}

/// <summary>
/// Passes everything to the host's real store, but fails the saga's credit commits (the credit entry or
/// the refusal written in the destination) while <see cref="FailCredits"/> is set, and the reservations
/// (the batch creating a transfer document) while <see cref="FailReservations"/> is set, as an unreachable
/// store would.
/// </summary>
public sealed class SagaFaultStore(ILedgerStore inner) : ILedgerStore
{
    private volatile bool failCredits;
    private volatile bool failReservations;
    private int failed;

    public bool FailCredits
    {
        get => failCredits;
        set => failCredits = value;
    }

    public bool FailReservations
    {
        get => failReservations;
        set => failReservations = value;
    }

    public int Failed => Volatile.Read(ref failed);

    public ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        if ((failCredits && batch.Writes.Any(IsCredit)) || (failReservations && batch.Writes.Any(write => write.Type == DocumentTypes.Transfer && write.Kind == WriteKind.Create)))
        {
            Interlocked.Increment(ref failed);
            throw new StoreUnavailableException("Injected: the destination's partition is unreachable.");
        }

        return inner.CommitAsync(batch, cancellationToken);
    }

    public ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken) => inner.ReadAsync(partition, id, cancellationToken);

    public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken) => inner.ReadRangeAsync(query, cancellationToken);

    public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken) => inner.QueryIndexAsync(query, cancellationToken);

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken) => inner.ReadChangesAsync(continuation, maxItems, cancellationToken);

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken) => inner.EstimateLagAsync(continuation, cancellationToken);

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken) => inner.ReadCheckpointAsync(consumerName, cancellationToken);

    public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken) => inner.WriteCheckpointAsync(consumerName, continuation, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>The credit step writes the entry (kind transfer_credit) or the refusal under the transfer's posting id.</summary>
    private static bool IsCredit(DocumentWrite write)
        => write.Type == DocumentTypes.CreditRefusal
           || (write.Type == DocumentTypes.Entry && System.Text.Encoding.UTF8.GetString(write.Body.Span).Contains("\"kind\":\"transfer_credit\"", StringComparison.Ordinal));
}
