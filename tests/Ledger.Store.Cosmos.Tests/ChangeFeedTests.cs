using System.Net;
using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Moq;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>The pull-model change feed: start positions, pages, cut transactions and the lag estimate.</summary>
public sealed class ChangeFeedTests
{
    private static string Item(string partition, string id, string etag, DateTimeOffset? committedAt = null)
        => CosmosMocks.StoredItem(partition, DocumentWrite.Create(id, "entry", Encoding.UTF8.GetBytes("{}")), etag, committedAt);

    private sealed class FeedContainer
    {
        public Mock<Container> Container { get; } = new();
        public List<(ChangeFeedStartFrom Start, ChangeFeedMode Mode, ChangeFeedRequestOptions Options)> Reads { get; } = [];

        public FeedContainer(params Func<ResponseMessage>[] pages)
        {
            var queue = new Queue<Func<ResponseMessage>>(pages);
            Container.Setup(c => c.GetChangeFeedStreamIterator(It.IsAny<ChangeFeedStartFrom>(), It.IsAny<ChangeFeedMode>(), It.IsAny<ChangeFeedRequestOptions>()))
                .Callback((ChangeFeedStartFrom start, ChangeFeedMode mode, ChangeFeedRequestOptions options) => Reads.Add((start, mode, options)))
                .Returns(() =>
                {
                    var iterator = new Mock<FeedIterator>();
                    iterator.SetupGet(i => i.HasMoreResults).Returns(true);
                    iterator.Setup(i => i.ReadNextAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => queue.Dequeue()());
                    return iterator.Object;
                });
        }
    }

    [Fact]
    public async Task Without_a_continuation_the_feed_is_read_from_the_beginning_in_latest_version_mode_with_the_page_size_as_hint()
    {
        var feed = new FeedContainer(() => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(Item("a", "1", "\"e1\"")), continuation: "[\"after-1\"]"));
        await using var store = CosmosMocks.Store(feed.Container.Object);

        var page = await store.ReadChangesAsync(null, 25, CancellationToken.None);

        Assert.Equal(["1"], page.Changes.Select(change => change.Id));
        Assert.Equal("[\"after-1\"]", page.Continuation);
        Assert.Equal(ChangeFeedStartFrom.Beginning().GetType(), feed.Reads[0].Start.GetType());
        Assert.Same(ChangeFeedMode.LatestVersion, feed.Reads[0].Mode);
        Assert.Equal(25, feed.Reads[0].Options.PageSizeHint);
    }

    [Fact]
    public async Task A_continuation_resumes_from_that_token()
    {
        var feed = new FeedContainer(() => CosmosMocks.Response(HttpStatusCode.NotModified, continuation: "[\"same\"]"));
        await using var store = CosmosMocks.Store(feed.Container.Object);

        var page = await store.ReadChangesAsync("[\"same\"]", 10, CancellationToken.None);

        Assert.Empty(page.Changes);
        Assert.Equal("[\"same\"]", page.Continuation);
        Assert.Equal(ChangeFeedStartFrom.ContinuationToken("[\"x\"]").GetType(), feed.Reads[0].Start.GetType());
    }

    [Fact]
    public async Task A_transaction_larger_than_the_page_is_handed_out_in_parts_without_losing_or_repeating_a_change()
    {
        var transaction = CosmosMocks.Feed(Item("a", "1", "\"e1\""), Item("a", "2", "\"e2\""), Item("a", "3", "\"e3\""));
        var feed = new FeedContainer(
            () => CosmosMocks.Response(HttpStatusCode.OK, transaction, continuation: "[\"after-3\"]"),
            () => CosmosMocks.Response(HttpStatusCode.OK, transaction, continuation: "[\"after-3\"]"),
            () => CosmosMocks.Response(HttpStatusCode.NotModified, continuation: "[\"after-3\"]"));
        await using var store = CosmosMocks.Store(feed.Container.Object);

        var first = await store.ReadChangesAsync(null, 2, CancellationToken.None);
        var second = await store.ReadChangesAsync(first.Continuation, 2, CancellationToken.None);
        var third = await store.ReadChangesAsync(second.Continuation, 2, CancellationToken.None);

        Assert.Equal(["1", "2"], first.Changes.Select(change => change.Id));
        Assert.StartsWith(ChangeFeedPosition.Prefix, first.Continuation, StringComparison.Ordinal);
        Assert.Equal(["3"], second.Changes.Select(change => change.Id));
        Assert.Equal("[\"after-3\"]", second.Continuation);
        Assert.Empty(third.Changes);
        Assert.Equal(ChangeFeedStartFrom.Beginning().GetType(), feed.Reads[1].Start.GetType());
    }

    [Fact]
    public async Task A_cut_position_skips_by_identity_so_a_newer_version_of_a_handed_out_document_still_comes()
    {
        var feed = new FeedContainer(
            () => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(Item("a", "1", "\"e1\""), Item("a", "2", "\"e2\"")), continuation: "[\"t\"]"),
            () => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(Item("a", "2", "\"e2\""), Item("a", "1", "\"e1-v2\"")), continuation: "[\"t2\"]"));
        await using var store = CosmosMocks.Store(feed.Container.Object);

        var first = await store.ReadChangesAsync(null, 1, CancellationToken.None);
        var second = await store.ReadChangesAsync(first.Continuation, 5, CancellationToken.None);

        Assert.Equal(["1"], first.Changes.Select(change => change.Id));
        Assert.Equal([("2", "\"e2\""), ("1", "\"e1-v2\"")], second.Changes.Select(change => (change.Id, change.ETag)));
    }

    [Fact]
    public async Task A_throttled_feed_read_is_retried_after_the_retry_after()
    {
        var delays = new List<TimeSpan>();
        var feed = new FeedContainer(
            () => CosmosMocks.Response(CosmosStatus.TooManyRequests, headers: new Dictionary<string, string> { ["x-ms-retry-after-ms"] = "15" }),
            () => CosmosMocks.Response(HttpStatusCode.NotModified, continuation: "[\"t\"]"));
        await using var store = CosmosMocks.Store(feed.Container.Object, delays: delays);

        await store.ReadChangesAsync(null, 10, CancellationToken.None);

        Assert.Equal([TimeSpan.FromMilliseconds(15)], delays);
    }

    [Fact]
    public async Task The_lag_counts_pending_changes_and_dates_the_oldest_without_moving_the_reader()
    {
        var old = CosmosMocks.Now.AddMinutes(-5);
        var feed = new FeedContainer(
            () => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(Item("a", "1", "\"e1\"", CosmosMocks.Now), Item("b", "2", "\"e2\"", old)), continuation: "[\"t1\"]"),
            () => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(Item("c", "3", "\"e3\"")), continuation: "[\"t2\"]"),
            () => CosmosMocks.Response(HttpStatusCode.NotModified, continuation: "[\"t2\"]"));
        await using var store = CosmosMocks.Store(feed.Container.Object);

        var lag = await store.EstimateLagAsync("[\"t0\"]", CancellationToken.None);

        Assert.Equal(3, lag.ChangesBehind);
        Assert.Equal(old, lag.OldestPendingCommittedAt);
    }

    [Fact]
    public async Task The_lag_read_ahead_is_bounded()
    {
        var feed = new FeedContainer(
            () => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(Item("a", "1", "\"e1\""), Item("a", "2", "\"e2\"")), continuation: "[\"t1\"]"),
            () => throw new InvalidOperationException("read past the bound"));
        await using var store = CosmosMocks.Store(feed.Container.Object, maxLagReadAheadItems: 2);

        var lag = await store.EstimateLagAsync(null, CancellationToken.None);

        Assert.Equal(2, lag.ChangesBehind);
    }

    [Fact]
    public void A_malformed_cut_position_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => ChangeFeedPosition.Parse(ChangeFeedPosition.Prefix + "!!!"));
        Assert.Throws<ArgumentException>(() => ChangeFeedPosition.Parse(ChangeFeedPosition.Prefix + "AAAA"));
    }

    [Fact]
    public void A_cut_position_of_the_largest_page_stays_far_below_a_checkpoints_size()
    {
        var changes = Enumerable.Range(0, ChangeFeedPosition.MaxDelivered)
            .Select(index => new StoredDocument("p", $"id-{index}", "t", null, null, new byte[] { 1 }, $"\"e{index}\"", CosmosMocks.Now));

        var continuation = ChangeFeedPosition.Parse("[{\"token\":\"1\"}]").WithDelivered(changes);
        var parsed = ChangeFeedPosition.Parse(continuation);

        Assert.True(continuation.Length < 16 * 1024, $"A cut position of {continuation.Length} characters is too long.");
        Assert.Equal(ChangeFeedPosition.MaxDelivered, parsed.DeliveredCount);
        Assert.Equal("[{\"token\":\"1\"}]", parsed.CosmosToken);
    }
}
