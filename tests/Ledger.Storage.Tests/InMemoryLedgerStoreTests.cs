using Ledger.Storage.InMemory;
using Xunit;

namespace Ledger.Storage.Tests;

/// <summary>What the in-memory store does beyond the shared contract.</summary>
public sealed class InMemoryLedgerStoreTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_commit_time_comes_from_the_time_provider()
    {
        var clock = new ManualTimeProvider(Start);
        await using var store = new InMemoryLedgerStore(clock);

        var first = await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("a", "entry", "x"u8.ToArray())), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        var second = await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("b", "entry", "x"u8.ToArray())), CancellationToken.None);

        Assert.Equal(Start, first.CommittedAt);
        Assert.Equal(Start.AddMinutes(5), second.CommittedAt);
        Assert.Equal(Start.AddMinutes(5), (await store.ReadAsync("account-a", "b", CancellationToken.None))!.CommittedAt);
    }

    [Fact]
    public async Task The_lag_dates_the_oldest_pending_change_with_its_commit_time()
    {
        var clock = new ManualTimeProvider(Start);
        await using var store = new InMemoryLedgerStore(clock);
        await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("a", "entry", "x"u8.ToArray())), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(30));
        await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("b", "entry", "x"u8.ToArray())), CancellationToken.None);

        var lag = await store.EstimateLagAsync(null, CancellationToken.None);

        Assert.Equal(2, lag.ChangesBehind);
        Assert.Equal(Start, lag.OldestPendingCommittedAt);
    }

    [Fact]
    public async Task A_failed_batch_does_not_change_the_document_count()
    {
        await using var store = new InMemoryLedgerStore();
        await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("a", "entry", "x"u8.ToArray())), CancellationToken.None);

        await store.CommitAsync(
            new PartitionBatch("account-a", DocumentWrite.Create("b", "entry", "x"u8.ToArray()), DocumentWrite.Create("a", "entry", "x"u8.ToArray())),
            CancellationToken.None);

        Assert.Equal(1, store.DocumentCount);
    }

    [Fact]
    public async Task Index_keys_order_by_code_point_like_sqlite_even_beyond_the_basic_multilingual_plane()
    {
        await using var store = new InMemoryLedgerStore();

        // U+FF21 (fullwidth A) sorts before U+1F600 (an emoji, a surrogate pair in UTF-16) by code point
        // and by UTF-8 bytes, but after it by UTF-16 code units.
        await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("emoji", "entry", "x"u8.ToArray(), indexKey: "k\U0001F600")), CancellationToken.None);
        await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("fullwidth", "entry", "x"u8.ToArray(), indexKey: "k\uFF21")), CancellationToken.None);

        var page = await store.QueryIndexAsync(new IndexQuery("entry", "k", prefix: true, continuation: null, limit: 10), CancellationToken.None);

        Assert.Equal(["fullwidth", "emoji"], page.Documents.Select(document => document.Id));
    }

    [Fact]
    public async Task A_continuation_it_did_not_issue_is_refused()
    {
        await using var store = new InMemoryLedgerStore();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.ReadChangesAsync("not-a-number", 10, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.EstimateLagAsync("-5", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await store.QueryIndexAsync(new IndexQuery("entry", "k", prefix: false, continuation: "%%%", limit: 10), CancellationToken.None));
    }

    [Fact]
    public async Task Every_call_after_disposal_throws_object_disposed()
    {
        var store = new InMemoryLedgerStore();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(
            async () => await store.CommitAsync(new PartitionBatch("account-a", DocumentWrite.Create("a", "entry", "x"u8.ToArray())), CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync("account-a", "a", CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadChangesAsync(null, 10, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.WriteCheckpointAsync("consumer", "1", CancellationToken.None));
    }

    [Fact]
    public async Task Built_without_multi_partition_commits_it_offers_none_and_refuses_a_direct_call()
    {
        await using var store = new InMemoryLedgerStore(TimeProvider.System, commitsAcrossPartitions: false);
        var batches = new[] { new PartitionBatch("account-a", DocumentWrite.Create("a", "entry", "x"u8.ToArray())) };

        Assert.Null(store.AtomicMultiPartition());
        await Assert.ThrowsAsync<NotSupportedException>(async () => await store.CommitAtomicallyAsync(batches, CancellationToken.None));
        Assert.Equal(0, store.DocumentCount);
    }

    [Fact]
    public async Task By_default_it_offers_multi_partition_commits_dated_by_the_time_provider()
    {
        var clock = new ManualTimeProvider(Start);
        await using var store = new InMemoryLedgerStore(clock);
        var batches = new[]
        {
            new PartitionBatch("account-a", DocumentWrite.Create("a", "entry", "x"u8.ToArray())),
            new PartitionBatch("account-b", DocumentWrite.Create("b", "entry", "x"u8.ToArray())),
        };

        var result = await store.AtomicMultiPartition()!.CommitAtomicallyAsync(batches, CancellationToken.None);

        Assert.Equal(Start, result.CommittedAt);
        Assert.Equal(2, store.DocumentCount);
    }
}
