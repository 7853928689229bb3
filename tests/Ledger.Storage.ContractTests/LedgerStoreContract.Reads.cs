using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>Point reads, ordered range reads and partition isolation.</summary>
public abstract partial class LedgerStoreContract
{
    [Fact]
    public async Task A_point_read_of_a_missing_document_returns_null()
    {
        Assert.Null(await ReadAsync("account-a", "nothing-here"));
    }

    [Fact]
    public async Task A_point_read_returns_every_field_that_was_written()
    {
        var result = await CommitOrFailAsync("account-a", Create("doc-1", "{\"amount\":5}", type: "leg", sortKey: 42, indexKey: "nonce-1"));

        var stored = await ReadAsync("account-a", "doc-1");

        Assert.NotNull(stored);
        Assert.Equal("account-a", stored.Partition);
        Assert.Equal("doc-1", stored.Id);
        Assert.Equal("leg", stored.Type);
        Assert.Equal(42, stored.SortKey);
        Assert.Equal("nonce-1", stored.IndexKey);
        Assert.Equal("{\"amount\":5}", Text(stored));
        Assert.Equal(result.ETags[0], stored.ETag);
        Assert.Equal(result.CommittedAt, stored.CommittedAt);
    }

    [Fact]
    public async Task A_document_without_sort_key_or_index_key_reads_back_without_them()
    {
        await CreateAsync("account-a", "plain", "body");

        var stored = await ReadAsync("account-a", "plain");

        Assert.Null(stored!.SortKey);
        Assert.Null(stored.IndexKey);
    }

    [Fact]
    public async Task The_same_id_in_two_partitions_is_two_independent_documents()
    {
        await CreateAsync("account-a", "shared-id", "in a");

        var createInB = await CommitAsync("account-b", Create("shared-id", "in b"));
        await CommitOrFailAsync("account-a", DocumentWrite.Delete("shared-id", "entry"));

        Assert.True(createInB.IsCommitted);
        Assert.Null(await ReadAsync("account-a", "shared-id"));
        Assert.Equal("in b", Text(await ReadAsync("account-b", "shared-id")));
    }

    [Fact]
    public async Task Reads_of_one_partition_never_see_documents_of_another()
    {
        await CreateAsync("account-a", "only-in-a", "a", sortKey: 1);
        await CreateAsync("account-b", "only-in-b", "b", sortKey: 1);

        Assert.Null(await ReadAsync("account-b", "only-in-a"));
        Assert.Null(await ReadAsync("account-a", "only-in-b"));
        Assert.Equal(["only-in-a"], Ids(await ReadRangeAsync("account-a", "entry")));
        Assert.Equal(["only-in-b"], Ids(await ReadRangeAsync("account-b", "entry")));
    }

    [Fact]
    public async Task A_precondition_in_one_partition_ignores_documents_in_another()
    {
        var etagInA = await CreateAsync("account-a", "doc", "a");
        await CreateAsync("account-b", "doc", "b");

        var replaceInBWithEtagFromA = await CommitAsync("account-b", DocumentWrite.Replace("doc", "entry", Body("b2"), etagInA));
        var replaceMissingInC = await CommitAsync("account-c", DocumentWrite.Replace("doc", "entry", Body("c"), etagInA));

        Assert.Equal(BatchOutcome.PreconditionFailed, replaceInBWithEtagFromA.Outcome);
        Assert.Equal(BatchOutcome.NotFound, replaceMissingInC.Outcome);
    }

    [Fact]
    public async Task A_range_read_returns_only_the_requested_type_and_partition_in_ascending_sort_key_order()
    {
        await CommitOrFailAsync(
            "account-a",
            Create("leg-3", "3", type: "leg", sortKey: 30),
            Create("leg-1", "1", type: "leg", sortKey: 10),
            Create("leg-2", "2", type: "leg", sortKey: 20),
            Create("hold-1", "h", type: "hold", sortKey: 15));
        await CreateAsync("account-b", "leg-other", "x", type: "leg", sortKey: 12);

        var legs = await ReadRangeAsync("account-a", "leg");

        Assert.Equal(["leg-1", "leg-2", "leg-3"], Ids(legs));
        Assert.Equal([10L, 20L, 30L], legs.Select(document => document.SortKey!.Value));
    }

    [Fact]
    public async Task A_descending_range_read_returns_the_highest_sort_keys_first()
    {
        await CommitOrFailAsync("account-a", Create("a", "a", sortKey: 1), Create("b", "b", sortKey: 3), Create("c", "c", sortKey: 2));

        var newestFirst = await ReadRangeAsync("account-a", "entry", descending: true);

        Assert.Equal(["b", "c", "a"], Ids(newestFirst));
    }

    [Fact]
    public async Task Range_bounds_are_inclusive_at_both_ends()
    {
        await CommitOrFailAsync("account-a", Enumerable.Range(1, 9).Select(number => Create($"doc-{number}", "x", sortKey: number)).ToArray());

        var ascending = await ReadRangeAsync("account-a", "entry", minSortKey: 3, maxSortKey: 6);
        var descending = await ReadRangeAsync("account-a", "entry", minSortKey: 3, maxSortKey: 6, descending: true);
        var fromSeven = await ReadRangeAsync("account-a", "entry", minSortKey: 7);
        var upToTwo = await ReadRangeAsync("account-a", "entry", maxSortKey: 2);

        Assert.Equal(["doc-3", "doc-4", "doc-5", "doc-6"], Ids(ascending));
        Assert.Equal(["doc-6", "doc-5", "doc-4", "doc-3"], Ids(descending));
        Assert.Equal(["doc-7", "doc-8", "doc-9"], Ids(fromSeven));
        Assert.Equal(["doc-1", "doc-2"], Ids(upToTwo));
    }

    [Fact]
    public async Task A_range_read_stops_at_the_limit_taking_the_lowest_keys_ascending_and_the_highest_descending()
    {
        await CommitOrFailAsync("account-a", Enumerable.Range(1, 9).Select(number => Create($"doc-{number}", "x", sortKey: number)).ToArray());

        var lowest = await ReadRangeAsync("account-a", "entry", limit: 3);
        var highest = await ReadRangeAsync("account-a", "entry", descending: true, limit: 3);
        var boundedAndLimited = await ReadRangeAsync("account-a", "entry", minSortKey: 4, maxSortKey: 8, descending: true, limit: 2);

        Assert.Equal(["doc-1", "doc-2", "doc-3"], Ids(lowest));
        Assert.Equal(["doc-9", "doc-8", "doc-7"], Ids(highest));
        Assert.Equal(["doc-8", "doc-7"], Ids(boundedAndLimited));
    }

    [Fact]
    public async Task A_range_read_pages_through_history_by_moving_the_bound_past_the_last_sort_key()
    {
        await CommitOrFailAsync("account-a", Enumerable.Range(1, 10).Select(number => Create($"doc-{number:D2}", "x", sortKey: number * 10)).ToArray());

        var pages = new List<List<string>>();
        long? maxSortKey = null;
        for (var page = 0; page < 10; page++)
        {
            var documents = await ReadRangeAsync("account-a", "entry", maxSortKey: maxSortKey, descending: true, limit: 4);
            if (documents.Count == 0)
            {
                break;
            }

            pages.Add(Ids(documents).ToList());
            maxSortKey = documents[^1].SortKey - 1;
        }

        Assert.Equal(
            [["doc-10", "doc-09", "doc-08", "doc-07"], ["doc-06", "doc-05", "doc-04", "doc-03"], ["doc-02", "doc-01"]],
            pages);
    }

    [Fact]
    public async Task Documents_with_equal_sort_keys_are_ordered_by_id()
    {
        await CommitOrFailAsync("account-a", Create("b", "b", sortKey: 5), Create("c", "c", sortKey: 5), Create("a", "a", sortKey: 5), Create("z", "z", sortKey: 4));

        Assert.Equal(["z", "a", "b", "c"], Ids(await ReadRangeAsync("account-a", "entry")));
        Assert.Equal(["c", "b", "a", "z"], Ids(await ReadRangeAsync("account-a", "entry", descending: true)));
    }

    [Fact]
    public async Task Sort_keys_order_numerically_across_the_whole_range_of_long()
    {
        await CommitOrFailAsync(
            "account-a",
            Create("max", "x", sortKey: long.MaxValue),
            Create("zero", "x", sortKey: 0),
            Create("min", "x", sortKey: long.MinValue),
            Create("minus-one", "x", sortKey: -1),
            Create("ten", "x", sortKey: 10),
            Create("nine", "x", sortKey: 9));

        Assert.Equal(["min", "minus-one", "zero", "nine", "ten", "max"], Ids(await ReadRangeAsync("account-a", "entry")));
        Assert.Equal(["min", "minus-one"], Ids(await ReadRangeAsync("account-a", "entry", minSortKey: long.MinValue, maxSortKey: -1)));
        Assert.Equal(["max"], Ids(await ReadRangeAsync("account-a", "entry", minSortKey: long.MaxValue)));
    }

    [Fact]
    public async Task A_range_read_whose_lower_bound_is_above_its_upper_bound_is_empty()
    {
        await CommitOrFailAsync("account-a", Create("a", "a", sortKey: 5));

        Assert.Empty(await ReadRangeAsync("account-a", "entry", minSortKey: 6, maxSortKey: 4));
    }

    [Fact]
    public async Task A_range_read_of_an_unknown_partition_or_type_is_empty()
    {
        await CreateAsync("account-a", "a", "a", sortKey: 1);

        Assert.Empty(await ReadRangeAsync("account-z", "entry"));
        Assert.Empty(await ReadRangeAsync("account-a", "unknown-type"));
    }

    [Fact]
    public async Task Documents_without_a_sort_key_come_first_in_unbounded_reads_and_never_in_bounded_ones()
    {
        await CommitOrFailAsync("account-a", Create("keyed", "k", sortKey: 5), Create("unkeyed", "u"));

        Assert.Equal(["unkeyed", "keyed"], Ids(await ReadRangeAsync("account-a", "entry")));
        Assert.Equal(["keyed", "unkeyed"], Ids(await ReadRangeAsync("account-a", "entry", descending: true)));
        Assert.Equal(["keyed"], Ids(await ReadRangeAsync("account-a", "entry", minSortKey: long.MinValue)));
        Assert.Equal(["keyed"], Ids(await ReadRangeAsync("account-a", "entry", maxSortKey: 10)));
    }

    [Fact]
    public async Task A_range_read_reflects_replaces_that_move_a_document_and_deletes_that_remove_one()
    {
        var etag = await CreateAsync("account-a", "moving", "m", sortKey: 1);
        await CommitOrFailAsync("account-a", Create("staying", "s", sortKey: 2), Create("leaving", "l", sortKey: 3));

        await CommitOrFailAsync(
            "account-a",
            DocumentWrite.Replace("moving", "entry", Body("m2"), etag, sortKey: 9),
            DocumentWrite.Delete("leaving", "entry"));

        var documents = await ReadRangeAsync("account-a", "entry");
        Assert.Equal(["staying", "moving"], Ids(documents));
        Assert.Equal("m2", Text(documents[1]));
    }

    [Fact]
    public async Task A_replace_that_keeps_every_key_stays_in_its_place_in_range_and_index_reads_with_its_new_body()
    {
        var etag = await CreateAsync("account-a", "kept", "v1", sortKey: 2, indexKey: "key");
        await CommitOrFailAsync("account-a", Create("before", "b", sortKey: 1), Create("after", "a", sortKey: 3));

        await CommitOrFailAsync("account-a", DocumentWrite.Replace("kept", "entry", Body("v2"), etag, sortKey: 2, indexKey: "key"));

        var documents = await ReadRangeAsync("account-a", "entry");
        Assert.Equal(["before", "kept", "after"], Ids(documents));
        Assert.Equal("v2", Text(documents[1]));
        var indexed = Assert.Single((await QueryIndexAsync("entry", "key")).Documents);
        Assert.Equal("v2", Text(indexed));
        Assert.Equal(documents[1].ETag, indexed.ETag);
    }

    [Fact]
    public async Task A_replace_that_changes_the_type_moves_the_document_between_range_reads()
    {
        var etag = await CreateAsync("account-a", "transfer-1", "pending", type: "pending-transfer", sortKey: 1);

        await CommitOrFailAsync("account-a", DocumentWrite.Replace("transfer-1", "posted-transfer", Body("posted"), etag, sortKey: 1));

        Assert.Empty(await ReadRangeAsync("account-a", "pending-transfer"));
        Assert.Equal(["transfer-1"], Ids(await ReadRangeAsync("account-a", "posted-transfer")));
    }

    [Fact]
    public async Task Reads_outside_the_port_limits_are_refused_before_reaching_the_store()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReadAsync("account-a", "has/slash", Timeout));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReadAsync(string.Empty, "id", Timeout));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReadChangesAsync(null, 0, Timeout));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReadChangesAsync(null, StoreLimits.MaxPageSize + 1, Timeout));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReadCheckpointAsync(string.Empty, Timeout));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.WriteCheckpointAsync("consumer", string.Empty, Timeout));
    }
}
