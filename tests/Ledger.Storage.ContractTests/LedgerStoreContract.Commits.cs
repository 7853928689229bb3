using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>Batches: every outcome, the failing index, atomicity and ETags.</summary>
public abstract partial class LedgerStoreContract
{
    [Fact]
    public async Task A_create_of_a_new_document_commits_and_returns_a_non_empty_etag()
    {
        var result = await CommitAsync("account-a", Create("doc-1", "first"));

        Assert.Equal(BatchOutcome.Committed, result.Outcome);
        Assert.True(result.IsCommitted);
        Assert.Equal(-1, result.FailedWriteIndex);
        Assert.False(string.IsNullOrEmpty(Assert.Single(result.ETags)));
    }

    [Fact]
    public async Task A_create_of_an_existing_id_fails_the_whole_batch_with_conflict_and_writes_nothing()
    {
        await CreateAsync("account-a", "existing", "original");

        var result = await CommitAsync("account-a", Create("new-one", "new"), Create("existing", "replacement"));

        Assert.Equal(BatchOutcome.Conflict, result.Outcome);
        Assert.False(result.IsCommitted);
        Assert.Equal(1, result.FailedWriteIndex);
        Assert.Empty(result.ETags);
        Assert.Null(await ReadAsync("account-a", "new-one"));
        Assert.Equal("original", Text(await ReadAsync("account-a", "existing")));
    }

    [Fact]
    public async Task When_the_second_of_three_writes_fails_its_precondition_nothing_is_written_and_the_failing_index_is_one()
    {
        var staleETag = await CreateAsync("account-a", "guarded", "v1");
        var currentETag = (await CommitOrFailAsync("account-a", DocumentWrite.Replace("guarded", "entry", Body("v2"), staleETag))).ETags[0];

        var result = await CommitAsync(
            "account-a",
            Create("first", "would be created"),
            DocumentWrite.Replace("guarded", "entry", Body("v3"), staleETag),
            Create("third", "would be created"));

        Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal(1, result.FailedWriteIndex);
        Assert.Null(await ReadAsync("account-a", "first"));
        Assert.Null(await ReadAsync("account-a", "third"));
        var guarded = await ReadAsync("account-a", "guarded");
        Assert.Equal("v2", Text(guarded));
        Assert.Equal(currentETag, guarded!.ETag);
    }

    [Fact]
    public async Task When_the_second_of_three_writes_finds_nothing_to_replace_the_earlier_upsert_and_later_delete_are_undone()
    {
        await CreateAsync("account-a", "to-delete", "kept");

        var result = await CommitAsync(
            "account-a",
            DocumentWrite.Upsert("upserted", "entry", Body("would be created")),
            DocumentWrite.Replace("missing", "entry", Body("nothing to replace"), "any-etag"),
            DocumentWrite.Delete("to-delete", "entry"));

        Assert.Equal(BatchOutcome.NotFound, result.Outcome);
        Assert.Equal(1, result.FailedWriteIndex);
        Assert.Null(await ReadAsync("account-a", "upserted"));
        Assert.Equal("kept", Text(await ReadAsync("account-a", "to-delete")));
    }

    [Fact]
    public async Task A_failing_first_write_is_reported_at_index_zero()
    {
        await CreateAsync("account-a", "existing", "original");

        var result = await CommitAsync("account-a", Create("existing", "again"), Create("other", "other"));

        Assert.Equal(BatchOutcome.Conflict, result.Outcome);
        Assert.Equal(0, result.FailedWriteIndex);
        Assert.Null(await ReadAsync("account-a", "other"));
    }

    [Fact]
    public async Task A_full_batch_whose_last_write_fails_writes_none_of_the_other_ninety_nine()
    {
        await CreateAsync("account-a", "last", "original");
        var writes = Enumerable.Range(0, PartitionBatch.MaxWrites - 1)
            .Select(number => Create($"doc-{number:D3}", "body"))
            .Append(Create("last", "again"))
            .ToArray();

        var result = await CommitAsync("account-a", writes);

        Assert.Equal(BatchOutcome.Conflict, result.Outcome);
        Assert.Equal(PartitionBatch.MaxWrites - 1, result.FailedWriteIndex);
        Assert.Null(await ReadAsync("account-a", "doc-000"));
        Assert.Null(await ReadAsync("account-a", "doc-098"));
        Assert.Equal(["last"], Ids(await ReadRangeAsync("account-a", "entry")));
    }

    [Fact]
    public async Task A_full_batch_of_one_hundred_creates_commits_every_write()
    {
        var writes = Enumerable.Range(0, PartitionBatch.MaxWrites).Select(number => Create($"doc-{number:D3}", $"body-{number}", sortKey: number)).ToArray();

        var result = await CommitAsync("account-a", writes);

        Assert.True(result.IsCommitted);
        Assert.Equal(PartitionBatch.MaxWrites, result.ETags.Count);
        var stored = await ReadRangeAsync("account-a", "entry");
        Assert.Equal(writes.Select(write => write.Id), Ids(stored));
        Assert.Equal(result.ETags, stored.Select(document => document.ETag));
    }

    [Fact]
    public async Task All_writes_of_a_batch_share_one_commit_time_and_their_etags_come_in_write_order()
    {
        await CreateAsync("account-a", "old", "to be deleted");

        var result = await CommitOrFailAsync(
            "account-a",
            Create("x", "x"),
            DocumentWrite.Delete("old", "entry"),
            DocumentWrite.Upsert("y", "entry", Body("y")));

        Assert.Equal(3, result.ETags.Count);
        Assert.Equal(string.Empty, result.ETags[1]);
        var x = await ReadAsync("account-a", "x");
        var y = await ReadAsync("account-a", "y");
        Assert.Equal(result.ETags[0], x!.ETag);
        Assert.Equal(result.ETags[2], y!.ETag);
        Assert.NotEqual(x.ETag, y.ETag);
        Assert.Equal(result.CommittedAt, x.CommittedAt);
        Assert.Equal(result.CommittedAt, y.CommittedAt);
        Assert.Null(await ReadAsync("account-a", "old"));
    }

    [Fact]
    public async Task Every_write_gives_the_document_a_new_etag()
    {
        var created = await CreateAsync("account-a", "doc", "v1");
        var replaced = (await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v2"), created))).ETags[0];
        var upserted = (await CommitOrFailAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v3")))).ETags[0];
        var guardedUpsert = (await CommitOrFailAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v4"), ifMatchETag: upserted))).ETags[0];
        var sameBodyAgain = (await CommitOrFailAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v4")))).ETags[0];

        Assert.Equal(5, new HashSet<string>([created, replaced, upserted, guardedUpsert, sameBodyAgain], StringComparer.Ordinal).Count);
        Assert.Equal(sameBodyAgain, (await ReadAsync("account-a", "doc"))!.ETag);
    }

    [Fact]
    public async Task A_replace_of_a_missing_document_fails_with_not_found()
    {
        var result = await CommitAsync("account-a", DocumentWrite.Replace("missing", "entry", Body("v2"), "some-etag"));

        Assert.Equal(BatchOutcome.NotFound, result.Outcome);
        Assert.Equal(0, result.FailedWriteIndex);
        Assert.Null(await ReadAsync("account-a", "missing"));
    }

    [Fact]
    public async Task A_replace_with_a_stale_etag_fails_with_precondition_failed_and_keeps_the_current_version()
    {
        var first = await CreateAsync("account-a", "doc", "v1");
        var second = (await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v2"), first))).ETags[0];

        var result = await CommitAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v3"), first));

        Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal(0, result.FailedWriteIndex);
        var stored = await ReadAsync("account-a", "doc");
        Assert.Equal("v2", Text(stored));
        Assert.Equal(second, stored!.ETag);
    }

    [Fact]
    public async Task A_replace_with_the_current_etag_commits_the_new_body_type_sort_key_and_index_key()
    {
        var etag = await CreateAsync("account-a", "doc", "v1", type: "draft", sortKey: 1, indexKey: "old-key");

        var result = await CommitAsync("account-a", DocumentWrite.Replace("doc", "final", Body("v2"), etag, sortKey: 2, indexKey: "new-key"));

        Assert.True(result.IsCommitted);
        var stored = await ReadAsync("account-a", "doc");
        Assert.Equal("v2", Text(stored));
        Assert.Equal("final", stored!.Type);
        Assert.Equal(2, stored.SortKey);
        Assert.Equal("new-key", stored.IndexKey);
        Assert.Equal(result.ETags[0], stored.ETag);
    }

    [Fact]
    public async Task An_upsert_creates_a_missing_document()
    {
        var result = await CommitAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v1"), sortKey: 7, indexKey: "key"));

        Assert.True(result.IsCommitted);
        var stored = await ReadAsync("account-a", "doc");
        Assert.Equal("v1", Text(stored));
        Assert.Equal(7, stored!.SortKey);
        Assert.Equal("key", stored.IndexKey);
    }

    [Fact]
    public async Task An_upsert_without_an_etag_overwrites_whatever_is_there()
    {
        await CreateAsync("account-a", "doc", "v1");

        var result = await CommitAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v2")));

        Assert.True(result.IsCommitted);
        Assert.Equal("v2", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task An_upsert_with_the_current_etag_overwrites_the_document()
    {
        var etag = await CreateAsync("account-a", "doc", "v1");

        var result = await CommitAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v2"), ifMatchETag: etag));

        Assert.True(result.IsCommitted);
        Assert.Equal("v2", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task An_upsert_with_a_stale_etag_fails_with_precondition_failed()
    {
        var first = await CreateAsync("account-a", "doc", "v1");
        await CommitOrFailAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v2")));

        var result = await CommitAsync("account-a", Create("other", "other"), DocumentWrite.Upsert("doc", "entry", Body("v3"), ifMatchETag: first));

        Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal(1, result.FailedWriteIndex);
        Assert.Equal("v2", Text(await ReadAsync("account-a", "doc")));
        Assert.Null(await ReadAsync("account-a", "other"));
    }

    [Fact]
    public async Task An_upsert_with_an_etag_creates_the_document_when_it_is_missing_as_cosmos_db_does()
    {
        var result = await CommitAsync("account-a", DocumentWrite.Upsert("doc", "entry", Body("v1"), ifMatchETag: "an-etag-from-elsewhere"));

        Assert.True(result.IsCommitted);
        Assert.Equal("v1", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task A_delete_removes_the_document_and_reports_an_empty_etag()
    {
        await CreateAsync("account-a", "doc", "v1");

        var result = await CommitAsync("account-a", DocumentWrite.Delete("doc", "entry"));

        Assert.True(result.IsCommitted);
        Assert.Equal(string.Empty, Assert.Single(result.ETags));
        Assert.Null(await ReadAsync("account-a", "doc"));
    }

    [Fact]
    public async Task A_delete_of_a_missing_document_fails_with_not_found()
    {
        var result = await CommitAsync("account-a", DocumentWrite.Delete("missing", "entry"));

        Assert.Equal(BatchOutcome.NotFound, result.Outcome);
        Assert.Equal(0, result.FailedWriteIndex);
    }

    [Fact]
    public async Task A_delete_with_a_stale_etag_fails_with_precondition_failed_and_keeps_the_document()
    {
        var first = await CreateAsync("account-a", "doc", "v1");
        await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v2"), first));

        var result = await CommitAsync("account-a", DocumentWrite.Delete("doc", "entry", first));

        Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal("v2", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task A_delete_with_the_current_etag_removes_the_document()
    {
        var etag = await CreateAsync("account-a", "doc", "v1");

        var result = await CommitAsync("account-a", DocumentWrite.Delete("doc", "entry", etag));

        Assert.True(result.IsCommitted);
        Assert.Null(await ReadAsync("account-a", "doc"));
    }

    [Fact]
    public async Task A_deleted_document_can_be_created_again_and_an_etag_from_before_the_delete_does_not_match_it()
    {
        var before = await CreateAsync("account-a", "doc", "v1");
        await CommitOrFailAsync("account-a", DocumentWrite.Delete("doc", "entry"));

        var again = await CreateAsync("account-a", "doc", "v2");
        var staleReplace = await CommitAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("v3"), before));

        Assert.NotEqual(before, again);
        Assert.Equal(BatchOutcome.PreconditionFailed, staleReplace.Outcome);
        Assert.Equal("v2", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task A_commit_with_a_cancelled_token_throws_and_writes_nothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await Store.CommitAsync(new PartitionBatch("account-a", Create("doc", "v1")), cancelled.Token));

        Assert.Null(await ReadAsync("account-a", "doc"));
    }

    [Fact]
    public async Task A_stored_body_does_not_change_when_the_caller_reuses_its_buffer()
    {
        var buffer = "original"u8.ToArray();
        await CommitOrFailAsync("account-a", DocumentWrite.Create("doc", "entry", buffer));

        "mutated!"u8.CopyTo(buffer);

        Assert.Equal("original", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task An_immutable_body_is_stored_and_replaced_like_any_other()
    {
        var created = await CommitOrFailAsync("account-a", DocumentWrite.Create("doc", "entry", System.Collections.Immutable.ImmutableArray.Create("first"u8)));
        await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", System.Collections.Immutable.ImmutableArray.Create("second"u8), created.ETags[0]));

        Assert.Equal("second", Text(await ReadAsync("account-a", "doc")));
    }

    [Fact]
    public async Task A_body_of_the_largest_allowed_size_round_trips_byte_for_byte()
    {
        var body = new byte[DocumentWrite.MaxBodyBytes];
        new Random(20240601).NextBytes(body);

        await CommitOrFailAsync("account-a", DocumentWrite.Create("big", "blob", body));

        var stored = await ReadAsync("account-a", "big");
        Assert.NotNull(stored);
        Assert.True(body.AsSpan().SequenceEqual(stored.Body.Span), "The stored body differs from the written one.");
    }
}
