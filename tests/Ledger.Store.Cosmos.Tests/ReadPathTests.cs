using System.Net;
using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Moq;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>Point reads, history pages, index queries and checkpoints on mocked containers.</summary>
public sealed class ReadPathTests
{
    private static DocumentWrite Entry(string id, long? sortKey = null, string? indexKey = null, string body = "{\"amount\":1}")
        => DocumentWrite.Create(id, "entry", Encoding.UTF8.GetBytes(body), sortKey, indexKey);

    [Fact]
    public async Task A_point_read_reads_the_item_by_id_in_its_partition_and_unwraps_the_envelope()
    {
        var container = new Mock<Container>();
        PartitionKey? usedKey = null;
        container.Setup(c => c.ReadItemStreamAsync("tx:1", It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Callback((string _, PartitionKey key, ItemRequestOptions _, CancellationToken _) => usedKey = key)
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.StoredItem("app/alice", Entry("tx:1", 7, "app|alice"), "\"e1\"")));
        await using var store = CosmosMocks.Store(container.Object);

        var document = await store.ReadAsync("app/alice", "tx:1", CancellationToken.None);

        Assert.Equal(new PartitionKey("app/alice"), usedKey);
        Assert.NotNull(document);
        Assert.Equal(("app/alice", "tx:1", "entry", 7L, "app|alice", "\"e1\""), (document.Partition, document.Id, document.Type, document.SortKey!.Value, document.IndexKey, document.ETag));
        Assert.Equal("{\"amount\":1}", Encoding.UTF8.GetString(document.Body.Span));
        Assert.Equal(CosmosMocks.Now, document.CommittedAt);
    }

    [Fact]
    public async Task A_point_read_asks_for_the_latest_committed_version_so_another_instance_cannot_read_it_stale()
    {
        var container = new Mock<Container>();
        ItemRequestOptions? usedOptions = null;
        container.Setup(c => c.ReadItemStreamAsync("account", It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Callback((string _, PartitionKey _, ItemRequestOptions options, CancellationToken _) => usedOptions = options)
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.StoredItem("app/alice", Entry("account"), "\"e1\"")));
        await using var store = CosmosMocks.Store(container.Object);

        Assert.NotNull(await store.ReadAsync("app/alice", "account", CancellationToken.None));

        Assert.Equal(ReadConsistencyStrategy.LatestCommitted, usedOptions?.ReadConsistencyStrategy);
    }

    [Fact]
    public async Task A_point_read_of_a_missing_item_returns_null()
    {
        var container = new Mock<Container>();
        container.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.NotFound, headers: new Dictionary<string, string> { ["x-ms-substatus"] = "0" }));
        await using var store = CosmosMocks.Store(container.Object);

        Assert.Null(await store.ReadAsync("acct", "missing", CancellationToken.None));
    }

    [Fact]
    public async Task A_point_read_in_a_missing_container_throws_store_unavailable_instead_of_saying_missing()
    {
        var container = new Mock<Container>();
        container.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.NotFound, headers: new Dictionary<string, string> { ["x-ms-substatus"] = "1003" }));
        await using var store = CosmosMocks.Store(container.Object);

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.ReadAsync("acct", "doc", CancellationToken.None));
    }

    [Fact]
    public async Task A_throttled_point_read_waits_the_retry_after_and_reads_again()
    {
        var delays = new List<TimeSpan>();
        var responses = new Queue<ResponseMessage>([
            CosmosMocks.Response(CosmosStatus.TooManyRequests, headers: new Dictionary<string, string> { ["x-ms-retry-after-ms"] = "40" }),
            CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.StoredItem("acct", Entry("doc"), "\"e\"")),
        ]);
        var container = new Mock<Container>();
        container.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => responses.Dequeue());
        await using var store = CosmosMocks.Store(container.Object, delays: delays);

        Assert.NotNull(await store.ReadAsync("acct", "doc", CancellationToken.None));
        Assert.Equal([TimeSpan.FromMilliseconds(40)], delays);
    }

    [Fact]
    public async Task A_history_page_is_a_single_partition_query_ordered_by_type_sort_key_and_id_with_bounds_as_parameters()
    {
        QueryDefinition? query = null;
        QueryRequestOptions? options = null;
        var container = new Mock<Container>();
        container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Callback((QueryDefinition definition, string _, QueryRequestOptions requestOptions) => (query, options) = (definition, requestOptions))
            .Returns(() => CosmosMocks.Iterator(CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(
                CosmosMocks.StoredItem("acct", Entry("tx:9", 9), "\"e9\""),
                CosmosMocks.StoredItem("acct", Entry("tx:8", 8), "\"e8\"")))));
        await using var store = CosmosMocks.Store(container.Object);

        var page = await store.ReadRangeAsync(new RangeQuery("acct", "entry", 5, 9, descending: true, limit: 50), CancellationToken.None);

        Assert.Equal(["tx:9", "tx:8"], page.Select(document => document.Id));
        Assert.Equal(new PartitionKey("acct"), options!.PartitionKey);
        Assert.Equal(50, options.MaxItemCount);
        Assert.Equal(
            "SELECT TOP 50 * FROM c WHERE c.type = @type AND c.sortKey >= @minSortKey AND c.sortKey <= @maxSortKey ORDER BY c.type DESC, c.sortKey DESC, c.id DESC",
            query!.QueryText);
        var parameters = query.GetQueryParameters().ToDictionary(parameter => parameter.Name, parameter => parameter.Value);
        Assert.Equal("entry", parameters["@type"]);
        Assert.Equal(SortKeyEncoding.Encode(5), parameters["@minSortKey"]);
        Assert.Equal(SortKeyEncoding.Encode(9), parameters["@maxSortKey"]);
    }

    [Fact]
    public async Task An_unbounded_ascending_history_page_has_no_bound_filters()
    {
        QueryDefinition? query = null;
        var container = new Mock<Container>();
        container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Callback((QueryDefinition definition, string _, QueryRequestOptions _) => query = definition)
            .Returns(() => CosmosMocks.Iterator(CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed())));
        await using var store = CosmosMocks.Store(container.Object);

        Assert.Empty(await store.ReadRangeAsync(new RangeQuery("acct", "entry", null, null, descending: false, limit: 3), CancellationToken.None));
        Assert.Equal("SELECT TOP 3 * FROM c WHERE c.type = @type ORDER BY c.type ASC, c.sortKey ASC, c.id ASC", query!.QueryText);
    }

    [Fact]
    public async Task A_history_page_follows_the_query_across_pages_until_the_limit()
    {
        var container = new Mock<Container>();
        container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Returns(() => CosmosMocks.Iterator(
                CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(CosmosMocks.StoredItem("acct", Entry("a", 1), "\"a\""))),
                CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed()),
                CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(CosmosMocks.StoredItem("acct", Entry("b", 2), "\"b\"")))));
        await using var store = CosmosMocks.Store(container.Object);

        var page = await store.ReadRangeAsync(new RangeQuery("acct", "entry", null, null, false, 2), CancellationToken.None);

        Assert.Equal(["a", "b"], page.Select(document => document.Id));
    }

    [Fact]
    public async Task An_index_query_asks_for_one_more_than_the_page_and_returns_a_keyset_continuation_when_it_comes()
    {
        var queries = new List<QueryDefinition>();
        var container = new Mock<Container>();
        container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Callback((QueryDefinition definition, string _, QueryRequestOptions _) => queries.Add(definition))
            .Returns(() => CosmosMocks.Iterator(CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(
                CosmosMocks.StoredItem("app/a", Entry("account", indexKey: "app|owner"), "\"1\""),
                CosmosMocks.StoredItem("app/b", Entry("account", indexKey: "app|owner"), "\"2\""),
                CosmosMocks.StoredItem("app/c", Entry("account", indexKey: "app|owner"), "\"3\"")))));
        await using var store = CosmosMocks.Store(container.Object);

        var page = await store.QueryIndexAsync(new IndexQuery("entry", "app|owner", prefix: false, continuation: null, limit: 2), CancellationToken.None);

        Assert.Equal(["app/a", "app/b"], page.Documents.Select(document => document.Partition));
        Assert.NotNull(page.Continuation);
        Assert.Equal(
            "SELECT TOP 3 * FROM c WHERE c.type = @type AND c.indexKey = @indexKey ORDER BY c.type ASC, c.indexKey ASC, c.pk ASC, c.id ASC",
            queries[0].QueryText);

        await store.QueryIndexAsync(new IndexQuery("entry", "app|", prefix: true, continuation: page.Continuation, limit: 2), CancellationToken.None);

        Assert.Contains("STARTSWITH(c.indexKey, @indexKey)", queries[1].QueryText, StringComparison.Ordinal);
        Assert.Contains("c.indexKey > @afterIndexKey", queries[1].QueryText, StringComparison.Ordinal);
        var parameters = queries[1].GetQueryParameters().ToDictionary(parameter => parameter.Name, parameter => parameter.Value);
        Assert.Equal(("app|owner", "app/b", "account"), ((string)parameters["@afterIndexKey"], (string)parameters["@afterPartition"], (string)parameters["@afterId"]));
    }

    [Fact]
    public async Task A_bounded_prefix_index_query_asks_cosmos_only_for_keys_below_the_bound()
    {
        var queries = new List<QueryDefinition>();
        var container = new Mock<Container>();
        container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Callback((QueryDefinition definition, string _, QueryRequestOptions _) => queries.Add(definition))
            .Returns(() => CosmosMocks.Iterator(CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed())));
        await using var store = CosmosMocks.Store(container.Object);

        await store.QueryIndexAsync(new IndexQuery("transfer", "due|", prefix: true, continuation: null, limit: 2, before: "due|2026-12-01"), CancellationToken.None);

        Assert.Equal(
            "SELECT TOP 3 * FROM c WHERE c.type = @type AND STARTSWITH(c.indexKey, @indexKey) AND c.indexKey < @before ORDER BY c.type ASC, c.indexKey ASC, c.pk ASC, c.id ASC",
            queries[0].QueryText);
        var parameters = queries[0].GetQueryParameters().ToDictionary(parameter => parameter.Name, parameter => parameter.Value);
        Assert.Equal("due|2026-12-01", parameters["@before"]);
    }

    [Fact]
    public async Task An_index_query_that_fits_in_the_page_has_no_continuation()
    {
        var container = new Mock<Container>();
        container.Setup(c => c.GetItemQueryStreamIterator(It.IsAny<QueryDefinition>(), It.IsAny<string>(), It.IsAny<QueryRequestOptions>()))
            .Returns(() => CosmosMocks.Iterator(CosmosMocks.Response(HttpStatusCode.OK, CosmosMocks.Feed(CosmosMocks.StoredItem("app/a", Entry("account", indexKey: "k"), "\"1\"")))));
        await using var store = CosmosMocks.Store(container.Object);

        var page = await store.QueryIndexAsync(new IndexQuery("entry", "k", false, null, 2), CancellationToken.None);

        Assert.Single(page.Documents);
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task A_malformed_index_continuation_is_an_argument_error()
    {
        await using var store = CosmosMocks.Store(new Mock<Container>().Object);

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.QueryIndexAsync(new IndexQuery("entry", "k", false, "not-ours", 2), CancellationToken.None));
    }

    [Fact]
    public async Task A_checkpoint_is_upserted_in_the_leases_container_under_the_consumer_name_and_read_back()
    {
        var leases = new Mock<Container>();
        string? stored = null;
        PartitionKey? writeKey = null;
        leases.Setup(c => c.UpsertItemStreamAsync(It.IsAny<Stream>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .Callback((Stream payload, PartitionKey key, ItemRequestOptions _, CancellationToken _) =>
            {
                stored = new StreamReader(payload).ReadToEnd();
                writeKey = key;
            })
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.OK));
        leases.Setup(c => c.ReadItemStreamAsync("snapshots", It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.OK, stored));
        await using var store = CosmosMocks.Store(new Mock<Container>().Object, leases.Object);

        await store.WriteCheckpointAsync("snapshots", "[{\"token\":\"42\"}]", CancellationToken.None);
        var read = await store.ReadCheckpointAsync("snapshots", CancellationToken.None);

        Assert.Equal(new PartitionKey("snapshots"), writeKey);
        using var document = System.Text.Json.JsonDocument.Parse(stored!);
        Assert.Equal("snapshots", document.RootElement.GetProperty("id").GetString());
        Assert.Equal("[{\"token\":\"42\"}]", read);
    }

    [Fact]
    public async Task A_consumer_without_a_checkpoint_reads_null()
    {
        var leases = new Mock<Container>();
        leases.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.NotFound));
        await using var store = CosmosMocks.Store(new Mock<Container>().Object, leases.Object);

        Assert.Null(await store.ReadCheckpointAsync("exports", CancellationToken.None));
    }
}
