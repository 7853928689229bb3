using FsCheck;
using FsCheck.Fluent;
using Ledger.Domain;
using Ledger.Engine.Tests.Support;
using Ledger.Projections;
using Ledger.Storage;

namespace Ledger.Engine.Tests;

/// <summary>Balance as of a past instant: the sum of the account's own legs posted up to it.</summary>
public sealed class LedgerEngineHistoryTests
{
    private static readonly AppId App1 = TestLedger.App1;
    private static readonly AccountId Acc = AccountId.From("acc-1");

    private static Task<Result<long>> BalanceAsOf(TestLedger ledger, DateTimeOffset instant)
        => ledger.Engine.GetBalanceAsOfAsync(App1, Acc, instant, CancellationToken.None);

    private static long SumOfOwnLegsUpTo(IEnumerable<EntryDocument> entries, DateTimeOffset instant)
        => entries.Where(entry => entry.PostedAt <= instant).SelectMany(entry => entry.Legs).Where(leg => leg.AccountId == Acc.Value).Sum(leg => leg.Amount);

    [Fact]
    public async Task An_account_without_postings_had_nothing_at_any_instant()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");

        Assert.Equal(0, Expect.Success(await BalanceAsOf(ledger, DateTimeOffset.MinValue)));
        Assert.Equal(0, Expect.Success(await BalanceAsOf(ledger, DateTimeOffset.MaxValue)));
    }

    [Fact]
    public async Task The_balance_as_of_an_instant_counts_the_entries_posted_at_or_before_it()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");
        var t0 = ledger.Clock.GetUtcNow();
        Expect.Success(await ledger.MintAsync("acc-1", 10, "m1"));
        ledger.Clock.Advance(TimeSpan.FromMinutes(10));
        Expect.Success(await ledger.BurnAsync("acc-1", 4, "b1"));
        ledger.Clock.Advance(TimeSpan.FromMinutes(10));
        Expect.Success(await ledger.MintAsync("acc-1", 1, "m2"));

        Assert.Equal(0, Expect.Success(await BalanceAsOf(ledger, t0.AddTicks(-1))));
        Assert.Equal(10, Expect.Success(await BalanceAsOf(ledger, t0)));
        Assert.Equal(10, Expect.Success(await BalanceAsOf(ledger, t0.AddMinutes(10).AddTicks(-1))));
        Assert.Equal(6, Expect.Success(await BalanceAsOf(ledger, t0.AddMinutes(10))));
        Assert.Equal(6, Expect.Success(await BalanceAsOf(ledger, t0.AddMinutes(15))));
        Assert.Equal(7, Expect.Success(await BalanceAsOf(ledger, t0.AddMinutes(20))));
        Assert.Equal(7, Expect.Success(await BalanceAsOf(ledger, DateTimeOffset.MaxValue)));
    }

    [Fact]
    public async Task The_balance_as_of_an_instant_of_a_missing_account_is_not_found()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await BalanceAsOf(ledger, DateTimeOffset.MaxValue), ErrorCodes.AccountNotFound);
    }

    /// <summary>A step of a random history: a signed amount and how far the clock moves first (0 = the same instant).</summary>
    public sealed record HistoryStep(int SignedAmount, int ClockMinutes);

    private static Arbitrary<HistoryStep[]> Histories { get; } = Gen.Zip(
            Gen.Frequency((3, Gen.Choose(1, 50)), (2, Gen.Choose(-50, -1))),
            Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 30)), (1, Gen.Choose(-20, -1))))
        .Select(pair => new HistoryStep(pair.Item1, pair.Item2))
        .ArrayOf()
        .ToArbitrary();

    [Fact]
    public void For_random_histories_the_balance_as_of_any_instant_is_the_sum_of_the_legs_up_to_it()
        => Prop.ForAll(Histories, history => RunHistoryAsync(history, snapshotEvery: null).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(60));

    [Fact]
    public void With_snapshots_the_balance_as_of_any_instant_is_still_the_sum_of_the_legs_up_to_it()
        => Prop.ForAll(Histories, Gen.Choose(1, 4).ToArbitrary(), (history, every) => RunHistoryAsync(history, every).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(60));

    private static async Task RunHistoryAsync(HistoryStep[] history, int? snapshotEvery)
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1", floor: -10_000);
        var start = ledger.Clock.GetUtcNow();
        for (var index = 0; index < history.Length; index++)
        {
            ledger.Clock.Advance(TimeSpan.FromMinutes(history[index].ClockMinutes));
            var amount = history[index].SignedAmount;
            Expect.Success(amount > 0 ? await ledger.MintAsync("acc-1", amount, $"n{index}") : await ledger.BurnAsync("acc-1", -amount, $"n{index}"));
        }

        var entries = await ledger.AllEntriesAsync("acc-1");
        if (snapshotEvery is { } every)
        {
            await WriteSnapshotsAsync(ledger.Store, entries, every);
        }

        // Every posting instant, the ticks around it, and instants between and beyond them.
        var instants = entries.SelectMany(entry => new[] { entry.PostedAt, entry.PostedAt.AddTicks(-1), entry.PostedAt.AddSeconds(30) })
            .Append(start.AddYears(-1))
            .Append(start.AddYears(1))
            .Distinct();
        foreach (var instant in instants)
        {
            Assert.Equal(SumOfOwnLegsUpTo(entries, instant), Expect.Success(await BalanceAsOf(ledger, instant)));
        }
    }

    /// <summary>
    /// Writes balance snapshots the way the engine reads them (id <see cref="LedgerEngine.SnapshotId"/>, type
    /// snapshot, sort key = the instant's UTC ticks), as the snapshot consumer would after every few entries.
    /// </summary>
    private static async Task WriteSnapshotsAsync(ILedgerStore store, List<EntryDocument> entries, int every)
    {
        foreach (var entry in entries.Where(entry => entry.Sequence % every == 0))
        {
            var snapshot = new SnapshotDocument { AccountId = Acc.Value, Sequence = entry.Sequence, Balance = entry.BalanceAfter, AsOf = entry.PostedAt, TakenAt = entry.PostedAt };
            var write = DocumentWrite.Create(
                LedgerEngine.SnapshotId(entry.Sequence),
                DocumentTypes.Snapshot,
                DocumentCodec.Encode(snapshot, LedgerDocumentJsonContext.Default.SnapshotDocument),
                sortKey: entry.PostedAt.UtcTicks);
            Assert.True((await store.CommitAsync(new PartitionBatch(TestLedger.Partition(App1, Acc), write), CancellationToken.None)).IsCommitted);
        }
    }

    /// <summary>Long histories whose clock moves by up to ten hours a step, so they cross UTC days and the consumer snapshots at both its triggers.</summary>
    private static Arbitrary<HistoryStep[]> LongHistories { get; } = Arb.From(
        from length in Gen.Choose(1, 70)
        from steps in Gen.Zip(Gen.Frequency((3, Gen.Choose(1, 50)), (2, Gen.Choose(-50, -1))), Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 600)), (1, Gen.Choose(-60, -1))))
            .Select(pair => new HistoryStep(pair.Item1, pair.Item2))
            .ArrayOf(length)
        select steps);

    [Fact]
    public void With_the_snapshot_consumers_snapshots_the_balance_as_of_any_instant_is_the_sum_of_the_legs_up_to_it()
        => Prop.ForAll(LongHistories, history => RunWithSnapshotConsumerAsync(history).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(40));

    private static async Task RunWithSnapshotConsumerAsync(HistoryStep[] history)
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1", floor: -10_000);
        var start = ledger.Clock.GetUtcNow();
        var consumer = new SnapshotConsumer(ledger.Store, new SnapshotOptions { EveryEntries = SnapshotOptions.MinEveryEntries }, ledger.Clock);
        string? continuation = null;
        for (var index = 0; index < history.Length; index++)
        {
            ledger.Clock.Advance(TimeSpan.FromMinutes(history[index].ClockMinutes));
            var amount = history[index].SignedAmount;
            Expect.Success(amount > 0 ? await ledger.MintAsync("acc-1", amount, $"n{index}") : await ledger.BurnAsync("acc-1", -amount, $"n{index}"));
            if (index % 7 == 6 || index == history.Length - 1)
            {
                // The consumer runs behind the postings, as it does in a host, and catches up in pages.
                var page = await ledger.Store.ReadChangesAsync(continuation, 25, CancellationToken.None);
                while (page.Changes.Count > 0)
                {
                    await consumer.HandleAsync(page.Changes, CancellationToken.None);
                    continuation = page.Continuation;
                    page = await ledger.Store.ReadChangesAsync(continuation, 25, CancellationToken.None);
                }
            }
        }

        var entries = await ledger.AllEntriesAsync("acc-1");
        var snapshots = await ledger.Store.ReadRangeAsync(
            new RangeQuery(TestLedger.Partition(App1, Acc), DocumentTypes.Snapshot, null, null, descending: false, limit: 1000), CancellationToken.None);
        Assert.NotEmpty(snapshots);
        Assert.True(snapshots.Count >= entries.Count / SnapshotOptions.MinEveryEntries, $"{snapshots.Count} snapshots for {entries.Count} entries");

        var instants = entries.SelectMany(entry => new[] { entry.PostedAt, entry.PostedAt.AddTicks(-1), entry.PostedAt.AddMinutes(30) })
            .Append(start.AddYears(-1))
            .Append(start.AddYears(1))
            .Distinct();
        foreach (var instant in instants)
        {
            Assert.Equal(SumOfOwnLegsUpTo(entries, instant), Expect.Success(await BalanceAsOf(ledger, instant)));
        }
    }

    [Fact]
    public void Snapshot_ids_sort_in_entry_order()
    {
        Assert.Equal("snapshot:0000000000000000042", LedgerEngine.SnapshotId(42));
        Assert.True(string.CompareOrdinal(LedgerEngine.SnapshotId(9), LedgerEngine.SnapshotId(10)) < 0);
    }
}
