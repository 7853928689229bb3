using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>The change feed, consumer checkpoints and the lag estimate.</summary>
public abstract partial class LedgerStoreContract
{
    [Fact]
    public async Task The_change_feed_of_an_empty_store_is_empty_and_still_gives_a_continuation()
    {
        var page = await Store.ReadChangesAsync(null, 10, Timeout);

        Assert.Empty(page.Changes);
        Assert.False(string.IsNullOrEmpty(page.Continuation));
    }

    [Fact]
    public async Task The_change_feed_returns_the_writes_of_each_partition_in_commit_order()
    {
        for (var round = 0; round < 4; round++)
        {
            await CreateAsync("account-a", $"a-{round}", "x");
            await CreateAsync("account-b", $"b-{round}", "x");
            await CommitOrFailAsync("account-c", Create($"c-{round}-first", "x"), Create($"c-{round}-second", "x"));
        }

        var (changes, _) = await ReadAllChangesAsync(pageSize: 3);

        Assert.Equal(16, changes.Count);
        Assert.Equal(["a-0", "a-1", "a-2", "a-3"], Ids(changes.Where(change => change.Partition == "account-a")));
        Assert.Equal(["b-0", "b-1", "b-2", "b-3"], Ids(changes.Where(change => change.Partition == "account-b")));
        Assert.Equal(
            ["c-0-first", "c-0-second", "c-1-first", "c-1-second", "c-2-first", "c-2-second", "c-3-first", "c-3-second"],
            Ids(changes.Where(change => change.Partition == "account-c")));
    }

    [Fact]
    public async Task A_change_carries_the_whole_committed_version_of_the_document()
    {
        var result = await CommitOrFailAsync("account-a", Create("doc", "body", type: "leg", sortKey: 3, indexKey: "key"));

        var change = Assert.Single((await ReadAllChangesAsync()).Changes);

        Assert.Equal(("account-a", "doc", "leg", 3L, "key"), (change.Partition, change.Id, change.Type, change.SortKey!.Value, change.IndexKey));
        Assert.Equal("body", Text(change));
        Assert.Equal(result.ETags[0], change.ETag);
        Assert.Equal(result.CommittedAt, change.CommittedAt);
    }

    [Fact]
    public async Task A_read_filtered_by_type_returns_every_change_of_those_types_in_order_and_its_continuation_never_skips_one()
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal) { "leg", "transfer" };
        for (var round = 0; round < 6; round++)
        {
            await CreateAsync("account-a", $"claim-{round}", "x", type: "claim");
            await CreateAsync("account-a", $"leg-{round}", "x", type: "leg");
            await CreateAsync("account-b", $"transfer-{round}", "x", type: "transfer");
        }

        var seen = new List<StoredDocument>();
        string? continuation = null;
        for (var reads = 0; reads < 50; reads++)
        {
            var page = await Store.ReadChangesAsync(continuation, 2, wanted, Timeout);
            seen.AddRange(page.Changes);
            if (page.Changes.Count == 0 && !page.SkippedAhead)
            {
                break;
            }

            continuation = page.Continuation;
        }

        // A store that cannot filter hands over the claims too; either way no wanted change is missing or repeated.
        var kept = seen.Where(change => wanted.Contains(change.Type)).ToList();
        Assert.Equal(["leg-0", "leg-1", "leg-2", "leg-3", "leg-4", "leg-5"], Ids(kept.Where(change => change.Partition == "account-a")));
        Assert.Equal(["transfer-0", "transfer-1", "transfer-2", "transfer-3", "transfer-4", "transfer-5"], Ids(kept.Where(change => change.Partition == "account-b")));
    }

    [Fact]
    public async Task A_filtered_page_shorter_than_asked_comes_only_once_every_change_of_those_types_was_read()
    {
        // The audit settles its cross-document checks on a short page: it must mean the reader reached the head.
        var wanted = new HashSet<string>(StringComparer.Ordinal) { "leg" };
        for (var number = 0; number < 60; number++)
        {
            await CreateAsync("account-a", $"claim-{number}", "x", type: "claim");
        }

        for (var number = 0; number < 3; number++)
        {
            await CreateAsync("account-a", $"leg-{number}", "x", type: "leg");
        }

        var seen = new List<StoredDocument>();
        string? continuation = null;
        for (var reads = 0; reads < 100; reads++)
        {
            var page = await Store.ReadChangesAsync(continuation, 2, wanted, Timeout);
            seen.AddRange(page.Changes);
            continuation = page.Continuation;
            if (page.Changes.Count < 2)
            {
                break;
            }
        }

        Assert.Equal(["leg-0", "leg-1", "leg-2"], Ids(seen.Where(change => wanted.Contains(change.Type))));
    }

    [Fact]
    public async Task The_continuation_resumes_right_after_the_last_change_read()
    {
        for (var number = 0; number < 5; number++)
        {
            await CreateAsync("account-a", $"doc-{number}", "x");
        }

        var first = await Store.ReadChangesAsync(null, 2, Timeout);
        var second = await Store.ReadChangesAsync(first.Continuation, 2, Timeout);
        var third = await Store.ReadChangesAsync(second.Continuation, 2, Timeout);
        var fourth = await Store.ReadChangesAsync(third.Continuation, 2, Timeout);

        Assert.Equal(["doc-0", "doc-1"], Ids(first.Changes));
        Assert.Equal(["doc-2", "doc-3"], Ids(second.Changes));
        Assert.Equal(["doc-4"], Ids(third.Changes));
        Assert.Empty(fourth.Changes);
    }

    [Fact]
    public async Task Reading_again_from_an_older_continuation_returns_the_same_changes_again()
    {
        await CreateAsync("account-a", "before", "x");
        var (_, afterFirst) = await ReadAllChangesAsync();
        await CreateAsync("account-a", "one", "x");
        await CreateAsync("account-b", "two", "x");

        var (firstRead, _) = await ReadAllChangesAsync(afterFirst);
        var (secondRead, _) = await ReadAllChangesAsync(afterFirst);

        Assert.Equal(["one", "two"], Ids(firstRead));
        Assert.Equal(firstRead.Select(change => change.ChangeId), secondRead.Select(change => change.ChangeId));
    }

    [Fact]
    public async Task After_a_replace_the_change_feed_shows_only_the_latest_version_once()
    {
        var etag = await CreateAsync("account-a", "doc", "v1");
        await CreateAsync("account-a", "other", "x");
        var latest = (await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v2"), etag))).ETags[0];

        var (changes, _) = await ReadAllChangesAsync();

        Assert.Equal(["other", "doc"], Ids(changes));
        Assert.Equal("v2", Text(changes[1]));
        Assert.Equal(latest, changes[1].ETag);
    }

    [Fact]
    public async Task A_reader_that_already_saw_a_document_sees_it_again_after_it_changes()
    {
        var etag = await CreateAsync("account-a", "doc", "v1");
        var (_, continuation) = await ReadAllChangesAsync();

        await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v2"), etag));
        var (changes, _) = await ReadAllChangesAsync(continuation);

        Assert.Equal("v2", Text(Assert.Single(changes)));
    }

    [Fact]
    public async Task Deleted_documents_are_not_in_the_change_feed()
    {
        await CreateAsync("account-a", "kept", "x");
        await CreateAsync("account-a", "deleted", "x");
        await CommitOrFailAsync("account-a", DocumentWrite.Delete("deleted", "entry"));

        var (changes, _) = await ReadAllChangesAsync();

        Assert.Equal(["kept"], Ids(changes));
    }

    [Fact]
    public async Task A_failed_batch_leaves_nothing_in_the_change_feed()
    {
        await CreateAsync("account-a", "existing", "x");
        var (_, continuation) = await ReadAllChangesAsync();

        await CommitAsync("account-a", Create("would-be-new", "x"), Create("existing", "again"));
        var (changes, _) = await ReadAllChangesAsync(continuation);

        Assert.Empty(changes);
    }

    [Fact]
    public async Task A_reader_at_the_head_stays_in_place_and_later_sees_only_newer_changes()
    {
        await CreateAsync("account-a", "old", "x");
        var (_, head) = await ReadAllChangesAsync();

        var emptyPage = await Store.ReadChangesAsync(head, 10, Timeout);
        await CreateAsync("account-a", "new", "x");
        var (changes, _) = await ReadAllChangesAsync(emptyPage.Continuation);

        Assert.Empty(emptyPage.Changes);
        Assert.Equal(["new"], Ids(changes));
    }

    [Fact]
    public async Task Change_ids_differ_between_versions_of_one_document()
    {
        var etag = await CreateAsync("account-a", "doc", "v1");
        var (firstVersion, continuation) = await ReadAllChangesAsync();
        await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v2"), etag));
        var (secondVersion, _) = await ReadAllChangesAsync(continuation);

        Assert.NotEqual(Assert.Single(firstVersion).ChangeId, Assert.Single(secondVersion).ChangeId);
    }

    [Fact]
    public async Task A_consumer_without_a_checkpoint_reads_null()
    {
        Assert.Null(await Store.ReadCheckpointAsync("snapshots", Timeout));
    }

    [Fact]
    public async Task A_checkpoint_round_trips_and_the_latest_save_wins()
    {
        await CreateAsync("account-a", "doc-1", "x");
        var (_, first) = await ReadAllChangesAsync();
        await CreateAsync("account-a", "doc-2", "x");
        var (_, second) = await ReadAllChangesAsync(first);

        await Store.WriteCheckpointAsync("snapshots", first, Timeout);
        Assert.Equal(first, await Store.ReadCheckpointAsync("snapshots", Timeout));

        await Store.WriteCheckpointAsync("snapshots", second, Timeout);
        Assert.Equal(second, await Store.ReadCheckpointAsync("snapshots", Timeout));
    }

    [Fact]
    public async Task Checkpoints_of_different_consumers_are_independent()
    {
        await CreateAsync("account-a", "doc-1", "x");
        var (_, start) = await ReadAllChangesAsync();
        await CreateAsync("account-a", "doc-2", "x");
        var (_, head) = await ReadAllChangesAsync(start);

        await Store.WriteCheckpointAsync("exports", start, Timeout);
        await Store.WriteCheckpointAsync("notifications", head, Timeout);

        Assert.Equal(start, await Store.ReadCheckpointAsync("exports", Timeout));
        Assert.Equal(head, await Store.ReadCheckpointAsync("notifications", Timeout));
        Assert.Null(await Store.ReadCheckpointAsync("snapshots", Timeout));
    }

    [Fact]
    public async Task Checkpoints_are_not_in_the_change_feed_and_not_documents()
    {
        await Store.WriteCheckpointAsync("snapshots", (await Store.ReadChangesAsync(null, 1, Timeout)).Continuation, Timeout);

        var (changes, _) = await ReadAllChangesAsync();

        Assert.Empty(changes);
        Assert.Empty((await QueryIndexAsync("entry", "s", prefix: true)).Documents);
    }

    [Fact]
    public async Task A_reader_at_the_head_of_the_feed_has_no_lag()
    {
        await CreateAsync("account-a", "doc", "x");
        var (_, head) = await ReadAllChangesAsync();

        var lag = await Store.EstimateLagAsync(head, Timeout);

        Assert.Equal(0, lag.ChangesBehind);
        Assert.Null(lag.OldestPendingCommittedAt);
    }

    [Fact]
    public async Task An_empty_store_has_no_lag_from_the_beginning()
    {
        var lag = await Store.EstimateLagAsync(null, Timeout);

        Assert.Equal(0, lag.ChangesBehind);
        Assert.Null(lag.OldestPendingCommittedAt);
    }

    [Fact]
    public async Task The_lag_counts_the_changes_after_the_continuation_and_dates_the_oldest_of_them()
    {
        await CreateAsync("account-a", "seen", "x");
        var (_, continuation) = await ReadAllChangesAsync();
        var oldestPending = await CommitOrFailAsync("account-a", Create("pending-1", "x"));
        await CreateAsync("account-b", "pending-2", "x");
        await CreateAsync("account-c", "pending-3", "x");

        var lag = await Store.EstimateLagAsync(continuation, Timeout);
        var fromTheStart = await Store.EstimateLagAsync(null, Timeout);

        Assert.Equal(3, lag.ChangesBehind);
        Assert.Equal(oldestPending.CommittedAt, lag.OldestPendingCommittedAt);
        Assert.Equal(4, fromTheStart.ChangesBehind);
    }
}
