using BenchmarkDotNet.Attributes;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections;
using Ledger.Storage;
using Ledger.Store.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// Balance as of an instant on the SQLite store, for an account of 1,000 entries and one of 100,000, both
/// with snapshots taken by the real snapshot consumer every 500 entries, and the 100,000-entry account once
/// more on a store without snapshots. Each query asks for the worst instant: the entry just before a
/// snapshot point, so the walk covers a whole snapshot interval. With snapshots the cost should not depend on the
/// length of the history (ratio ≈ 1); without them it grows with it.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class AsOfBenchmarks
{
    public const int ShortHistory = 1_000;
    public const int LongHistory = 100_000;
    public const int SnapshotEvery = 500;

    /// <summary>Postings in flight at once while seeding: the partition pipeline folds them into batches.</summary>
    private const int SeedConcurrency = 256;

    private static readonly AppId App = AppId.From("bench");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-asof-bench", Guid.NewGuid().ToString("N"));
    private SqliteLedgerStore _withSnapshots = null!;
    private SqliteLedgerStore _withoutSnapshots = null!;
    private LedgerEngine _engine = null!;
    private LedgerEngine _engineWithoutSnapshots = null!;
    private DateTimeOffset _shortInstant;
    private DateTimeOffset _longInstant;
    private DateTimeOffset _longInstantWithoutSnapshots;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "as of, 1,000 entries, snapshots")]
    public long AsOfShortHistory() => Query(_engine, "short", _shortInstant);

    [Benchmark(Description = "as of, 100,000 entries, snapshots")]
    public long AsOfLongHistory() => Query(_engine, "long", _longInstant);

    [Benchmark(Description = "as of, 100,000 entries, no snapshots")]
    public long AsOfLongHistoryWithoutSnapshots() => Query(_engineWithoutSnapshots, "long", _longInstantWithoutSnapshots);

    [GlobalCleanup]
    public void Cleanup()
    {
        _withSnapshots.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _withoutSnapshots.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    private static long Query(LedgerEngine engine, string account, DateTimeOffset instant)
        => engine.GetBalanceAsOfAsync(App, AccountId.From(account), instant, CancellationToken.None).GetAwaiter().GetResult().Value;

    private async Task SetupAsync()
    {
        var catalogs = new AppCatalogs([OperationCatalog.For(App).Build()]);
        var clock = new SteppingClock();
        _withSnapshots = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = Path.Combine(_directory, "with") }, clock);
        _withoutSnapshots = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = Path.Combine(_directory, "without") }, clock);
        _engine = new LedgerEngine(_withSnapshots, catalogs, clock);
        _engineWithoutSnapshots = new LedgerEngine(_withoutSnapshots, catalogs, clock);

        _shortInstant = await SeedAsync(_engine, "short", ShortHistory);
        _longInstant = await SeedAsync(_engine, "long", LongHistory);
        _longInstantWithoutSnapshots = await SeedAsync(_engineWithoutSnapshots, "long", LongHistory);

        // The real consumer takes the snapshots, exactly as the host would, from the change feed.
        var processor = new ChangeFeedProcessor(_withSnapshots, new SnapshotConsumer(_withSnapshots, new SnapshotOptions { EveryEntries = SnapshotEvery }, clock), new ChangeFeedProcessorOptions { BatchSize = StoreLimits.MaxPageSize }, clock);
        while (await processor.StepAsync(CancellationToken.None) == StepOutcome.HandledFullBatch)
        {
        }

        // Guard against measuring the shortcut: the chosen instants must lie inside the histories.
        foreach (var (engine, account, instant, entries) in new[] { (_engine, "short", _shortInstant, ShortHistory), (_engine, "long", _longInstant, LongHistory), (_engineWithoutSnapshots, "long", _longInstantWithoutSnapshots, LongHistory) })
        {
            var balance = Query(engine, account, instant);
            if (balance < entries - SnapshotEvery - 1 || balance >= entries)
            {
                throw new InvalidOperationException($"The instant chosen for '{account}' answers {balance}, not inside the history.");
            }
        }
    }

    /// <summary>Posts <paramref name="entries"/> mints of 1 to a new account; returns the instant of the entry just before the last snapshot point.</summary>
    private static async Task<DateTimeOffset> SeedAsync(LedgerEngine engine, string account, int entries)
    {
        var opened = await engine.OpenAccountAsync(App, IdempotencyKey.From("open-" + account), new OpenAccountCommand(OwnerId.From("owner-" + account), AccountId.From(account), 0, null), CancellationToken.None);
        if (!opened.IsSuccess)
        {
            throw new InvalidOperationException(opened.Error!.Message);
        }

        var details = TransactionDetails.From("benchmark_seed");
        for (var start = 0; start < entries; start += SeedConcurrency)
        {
            var postings = Enumerable.Range(start, Math.Min(SeedConcurrency, entries - start)).Select(index => engine.PostTransactionAsync(
                App,
                IdempotencyKey.From($"{account}-{index}"),
                new TransactionPosting(TransactionKind.Mint, AccountId.From(account), 1, null, details),
                CancellationToken.None));
            foreach (var posted in await Task.WhenAll(postings))
            {
                if (!posted.IsSuccess)
                {
                    throw new InvalidOperationException(posted.Error!.Message);
                }
            }
        }

        // The worst instant: the entry just before a snapshot point, a whole interval past the snapshot
        // before it. Not the newest interval: postings committed in one pipeline batch share an instant,
        // and an instant at or after the newest entry is answered from the account without any walk.
        var target = entries - SnapshotEvery - 1;
        var found = await engine.Store.ReadRangeAsync(new RangeQuery(DocumentTypes.AccountPartition(App, AccountId.From(account)), DocumentTypes.Entry, target, target, false, 1), CancellationToken.None);
        return DocumentCodec.Decode(found[0], LedgerDocumentJsonContext.Default.EntryDocument).PostedAt;
    }

    /// <summary>A clock that moves 1 ms per reading, so every entry has its own instant.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
