using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Tests.Support;

namespace Ledger.Projections.Tests;

public sealed class SnapshotAndBalanceAsOfTests
{
    private static readonly AccountId Alice = AccountId.From("alice");

    public static TheoryData<StoreKind, int> Histories()
    {
        var data = new TheoryData<StoreKind, int>();
        foreach (var seed in new[] { 1, 2, 3, 4, 5 })
        {
            data.Add(StoreKind.InMemory, seed);
        }

        data.Add(StoreKind.Sqlite, 6);
        data.Add(StoreKind.Sqlite, 7);
        return data;
    }

    /// <summary>
    /// Random histories: amounts of both signs, time steps of zero (several entries at one instant), of
    /// seconds and of days. The snapshot consumer runs over part of the feed, so some queries start from a
    /// snapshot and some walk from an older one; every answer must equal the sum of the account's legs
    /// posted at or before the instant, at every entry's instant, a tick either side, and between entries.
    /// </summary>
    [Theory]
    [MemberData(nameof(Histories))]
    public async Task Balance_as_of_equals_the_sum_of_legs_up_to_the_instant_for_random_histories(StoreKind kind, int seed)
    {
        var random = new Random(seed);
        await using var ledger = TestLedger.Create(kind);
        await ledger.OpenAsync("alice", floor: -100_000);
        var start = ledger.Clock.GetUtcNow();
        var snapshots = new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = SnapshotOptions.MinEveryEntries }, ledger.Clock);

        var count = random.Next(80, 160);
        var snapshotAfter = random.Next(count / 3, count);
        for (var index = 0; index < count; index++)
        {
            ledger.Clock.Advance(random.Next(4) switch
            {
                0 => TimeSpan.Zero,
                1 => TimeSpan.FromSeconds(random.Next(1, 60)),
                2 => TimeSpan.FromMinutes(random.Next(1, 600)),
                _ => TimeSpan.FromHours(random.Next(1, 60)),
            });
            await ledger.PostAsync("alice", random.Next(2) == 0 ? random.Next(1, 500) : -random.Next(1, 20));
            if (index == snapshotAfter)
            {
                await ledger.DrainAsync(snapshots);
            }
        }

        var entries = await ledger.EntriesAsync("alice");
        var taken = await ledger.SnapshotsAsync("alice");
        Assert.Contains(taken, snapshot => snapshot.Sequence == SnapshotOptions.MinEveryEntries);

        var instants = new List<DateTimeOffset> { start - TimeSpan.FromDays(1), start, ledger.Clock.GetUtcNow() + TimeSpan.FromDays(1) };
        for (var index = 0; index < entries.Count; index++)
        {
            var postedAt = entries[index].PostedAt;
            instants.AddRange([postedAt, postedAt.AddTicks(-1), postedAt.AddTicks(1)]);
            if (index + 1 < entries.Count)
            {
                instants.Add(postedAt + ((entries[index + 1].PostedAt - postedAt) / 2));
            }
        }

        instants.AddRange(taken.Select(snapshot => snapshot.AsOf));
        foreach (var instant in instants)
        {
            var expected = entries.Where(entry => entry.PostedAt <= instant).SelectMany(entry => entry.Legs).Where(leg => leg.AccountId == "alice").Sum(leg => leg.Amount);
            var answered = await ledger.Engine.GetBalanceAsOfAsync(TestLedger.App1, Alice, instant, CancellationToken.None);
            Assert.True(answered.IsSuccess, answered.Error?.Message);
            Assert.True(expected == answered.Value, $"as of {instant:O}: expected {expected}, answered {answered.Value} (seed {seed})");
        }
    }

    [Fact]
    public async Task Snapshots_are_taken_every_N_entries_and_at_the_first_entry_of_each_UTC_day()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("alice");
        for (var index = 1; index <= 25; index++)
        {
            // Entries 1–12 on day one, 13–25 on day two (the clock starts at 09:00 UTC).
            ledger.Clock.Advance(index == 13 ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(1));
            await ledger.PostAsync("alice", index);
        }

        await ledger.DrainAsync(new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = 10 }, ledger.Clock), batchSize: 4);

        var snapshots = await ledger.SnapshotsAsync("alice");
        Assert.Equal([1L, 10, 13, 20], snapshots.Select(snapshot => snapshot.Sequence));
        var entries = await ledger.EntriesAsync("alice");
        Assert.All(snapshots, snapshot =>
        {
            var entry = entries.Single(candidate => candidate.Sequence == snapshot.Sequence);
            Assert.Equal(entry.BalanceAfter, snapshot.Balance);
            Assert.Equal(entry.PostedAt, snapshot.AsOf);
        });
    }

    /// <summary>
    /// The consumer remembers each account's newest entry across batches, so an entry finds its
    /// predecessor without a store read. After a restart it resumes from its checkpoint remembering
    /// nothing: only the first new entry of each account reads its predecessor, and the snapshots are
    /// the ones a consumer that never stopped would have taken.
    /// </summary>
    [Fact]
    public async Task Entries_find_their_predecessor_without_a_store_read_and_after_a_restart_only_the_first_one_reads_it()
    {
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, inner => store = new InstrumentedStore(inner));
        await ledger.OpenAsync("alice");
        await ledger.OpenAsync("bob");
        await PostBothAsync(ledger, from: 1, to: 25);

        // Batches of one: every predecessor was handed over in an earlier batch.
        store!.ResetCounters();
        await ledger.DrainAsync(new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = 10 }, ledger.Clock), batchSize: 1);
        Assert.Equal(0, store.RangeReads);

        await PostBothAsync(ledger, from: 26, to: 31);
        store.ResetCounters();
        await ledger.DrainAsync(new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = 10 }, ledger.Clock), batchSize: 1);

        Assert.Equal(2, store.RangeReads);
        Assert.Equal([1L, 10, 13, 20, 30], (await ledger.SnapshotsAsync("alice")).Select(snapshot => snapshot.Sequence));
        Assert.Equal([1L, 10, 13, 20, 30], (await ledger.SnapshotsAsync("bob")).Select(snapshot => snapshot.Sequence));
    }

    private static async Task PostBothAsync(TestLedger ledger, int from, int to)
    {
        for (var index = from; index <= to; index++)
        {
            // Entries 1–12 on day one, the rest on day two (the clock starts at 09:00 UTC).
            ledger.Clock.Advance(index == 13 ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(1));
            await ledger.PostAsync("alice", index);
            await ledger.PostAsync("bob", index);
        }
    }

    /// <summary>
    /// The cost of an as-of query is bounded by the snapshot rhythm, not the history: an account with 30
    /// times the entries costs the same number of entry reads.
    /// </summary>
    [Fact]
    public async Task Balance_as_of_reads_a_bounded_number_of_entries_however_long_the_history()
    {
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(StoreKind.InMemory, inner => store = new InstrumentedStore(inner));
        await ledger.OpenAsync("short");
        await ledger.OpenAsync("long");
        for (var index = 0; index < 3_000; index++)
        {
            ledger.Clock.Advance(TimeSpan.FromSeconds(1));
            if (index < 100)
            {
                await ledger.PostAsync("short", 1);
            }

            await ledger.PostAsync("long", 1);
        }

        await ledger.DrainAsync(new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = 50 }, ledger.Clock), batchSize: 1000);

        // The worst instant for each: just before the next snapshot, so the walk covers a whole interval.
        var shortCost = await EntriesReadAsync(ledger, store!, "short", sequence: 99);
        var longCost = await EntriesReadAsync(ledger, store!, "long", sequence: 2_999);
        Assert.Equal(shortCost, longCost);
        Assert.InRange(longCost, 1, 50 + 1);
    }

    private static async Task<long> EntriesReadAsync(TestLedger ledger, InstrumentedStore store, string account, long sequence)
    {
        var entries = await ledger.EntriesAsync(account);
        var instant = entries.Single(entry => entry.Sequence == sequence).PostedAt;
        store.ResetCounters();
        var balance = await ledger.Engine.GetBalanceAsOfAsync(TestLedger.App1, AccountId.From(account), instant, CancellationToken.None);
        Assert.Equal(sequence, balance.Value);

        // The snapshot read returns one document; the rest are entries.
        return store.DocumentsReadByRange - 1;
    }
}
