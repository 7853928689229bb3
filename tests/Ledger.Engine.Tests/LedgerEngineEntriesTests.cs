using System.Text;
using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests;

/// <summary>History pages: newest first, with a cursor that stays valid because entries never change.</summary>
public sealed class LedgerEngineEntriesTests
{
    private static readonly AppId App1 = TestLedger.App1;
    private static readonly AccountId Acc = AccountId.From("acc-1");

    private static async Task<TestLedger> LedgerWithMintsAsync(int count)
    {
        var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");
        for (var index = 1; index <= count; index++)
        {
            Expect.Success(await ledger.MintAsync("acc-1", index, $"m{index}"));
            ledger.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        return ledger;
    }

    private static string Cursor(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task Entries_come_newest_first()
    {
        await using var ledger = await LedgerWithMintsAsync(5);

        var page = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, 10, CancellationToken.None));

        Assert.Equal([5L, 4L, 3L, 2L, 1L], page.Entries.Select(entry => entry.Sequence));
        Assert.Equal([15L, 10L, 6L, 3L, 1L], page.Entries.Select(entry => entry.BalanceAfter));
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task Pages_follow_each_other_without_gaps_or_repeats_and_the_last_has_no_cursor()
    {
        await using var ledger = await LedgerWithMintsAsync(7);

        var first = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, 3, CancellationToken.None));
        var second = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, first.NextCursor, 3, CancellationToken.None));
        var third = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, second.NextCursor, 3, CancellationToken.None));

        Assert.Equal([7L, 6L, 5L], first.Entries.Select(entry => entry.Sequence));
        Assert.Equal([4L, 3L, 2L], second.Entries.Select(entry => entry.Sequence));
        Assert.Equal([1L], third.Entries.Select(entry => entry.Sequence));
        Assert.NotNull(first.NextCursor);
        Assert.NotNull(second.NextCursor);
        Assert.Null(third.NextCursor);
    }

    [Fact]
    public async Task A_page_that_ends_on_the_first_entry_has_no_cursor()
    {
        await using var ledger = await LedgerWithMintsAsync(4);

        var first = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, 2, CancellationToken.None));
        var last = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, first.NextCursor, 2, CancellationToken.None));

        Assert.Equal([2L, 1L], last.Entries.Select(entry => entry.Sequence));
        Assert.Null(last.NextCursor);
    }

    [Fact]
    public async Task A_cursor_keeps_its_place_while_new_entries_arrive()
    {
        await using var ledger = await LedgerWithMintsAsync(5);
        var first = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, 2, CancellationToken.None));

        Expect.Success(await ledger.MintAsync("acc-1", 100, "late-1"));
        Expect.Success(await ledger.BurnAsync("acc-1", 50, "late-2"));
        var second = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, first.NextCursor, 2, CancellationToken.None));
        var again = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, first.NextCursor, 2, CancellationToken.None));

        Assert.Equal([3L, 2L], second.Entries.Select(entry => entry.Sequence));
        Assert.Equal(second.Entries.Select(entry => entry.TransactionId), again.Entries.Select(entry => entry.TransactionId));
        Assert.Equal(second.NextCursor, again.NextCursor);
        Assert.Equal([7L, 6L], Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, 2, CancellationToken.None)).Entries.Select(entry => entry.Sequence));
    }

    [Fact]
    public async Task An_account_with_no_entries_has_an_empty_first_page()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");

        var page = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, 10, CancellationToken.None));

        Assert.Empty(page.Entries);
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(LedgerEngine.MaxPageSize)]
    public async Task A_limit_from_one_to_the_maximum_is_accepted(int limit)
    {
        await using var ledger = await LedgerWithMintsAsync(3);

        var page = Expect.Success(await ledger.Engine.GetEntriesAsync(App1, Acc, null, limit, CancellationToken.None));

        Assert.Equal(Math.Min(limit, 3), page.Entries.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(LedgerEngine.MaxPageSize + 1)]
    public async Task A_limit_out_of_bounds_is_refused(int limit)
    {
        await using var ledger = await LedgerWithMintsAsync(1);

        Expect.Failure(await ledger.Engine.GetEntriesAsync(App1, Acc, null, limit, CancellationToken.None), ErrorCodes.InvalidField, "limit");
    }

    public static TheoryData<string> InvalidCursors => new()
    {
        "not a cursor!",
        "%%%%",
        string.Empty,
        Cursor("v2:3"),
        Cursor("v1:0"),
        Cursor("v1:-3"),
        Cursor("v1:+3"),
        Cursor("v1:abc"),
        Cursor("v1:99999999999999999999"),
        Cursor("3"),
        new string('A', 65),
    };

    [Theory]
    [MemberData(nameof(InvalidCursors))]
    public async Task A_cursor_this_ledger_did_not_issue_is_refused(string cursor)
    {
        await using var ledger = await LedgerWithMintsAsync(3);

        Expect.Failure(await ledger.Engine.GetEntriesAsync(App1, Acc, cursor, 10, CancellationToken.None), ErrorCodes.InvalidField, "cursor");
    }

    [Fact]
    public async Task Entries_of_an_account_that_does_not_exist_are_not_found()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await ledger.Engine.GetEntriesAsync(App1, AccountId.From("ghost"), null, 10, CancellationToken.None), ErrorCodes.AccountNotFound);
    }

    [Fact]
    public async Task Walking_every_page_of_a_long_history_yields_each_entry_once_in_order()
    {
        await using var ledger = await LedgerWithMintsAsync(23);

        var entries = await ledger.AllEntriesAsync("acc-1", pageSize: 4);

        Assert.Equal(Enumerable.Range(1, 23).Reverse().Select(sequence => (long)sequence), entries.Select(entry => entry.Sequence));
        Assert.Equal((await ledger.AccountAsync("acc-1")).Balance, entries.Sum(entry => entry.Amount));
    }
}
