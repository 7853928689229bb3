using Xunit;

namespace Ledger.Storage.ContractTests;

/// <summary>Cross-partition lookups by index key: exact, prefix and paging.</summary>
public abstract partial class LedgerStoreContract
{
    [Fact]
    public async Task An_exact_index_query_finds_matching_documents_across_partitions_in_partition_then_id_order()
    {
        await CreateAsync("account-b", "doc-2", "b2", type: "nonce", indexKey: "key-1");
        await CreateAsync("account-a", "doc-9", "a9", type: "nonce", indexKey: "key-1");
        await CreateAsync("account-b", "doc-1", "b1", type: "nonce", indexKey: "key-1");
        await CreateAsync("account-a", "doc-other", "x", type: "nonce", indexKey: "key-2");

        var page = await QueryIndexAsync("nonce", "key-1");

        Assert.Equal([("account-a", "doc-9"), ("account-b", "doc-1"), ("account-b", "doc-2")], page.Documents.Select(document => (document.Partition, document.Id)));
        Assert.Null(page.Continuation);
        Assert.Equal("a9", Text(page.Documents[0]));
    }

    [Fact]
    public async Task An_exact_index_query_ignores_keys_that_only_start_with_it()
    {
        await CreateAsync("account-a", "exact", "x", indexKey: "order-1");
        await CreateAsync("account-a", "longer", "x", indexKey: "order-10");
        await CreateAsync("account-a", "shorter", "x", indexKey: "order-");

        var page = await QueryIndexAsync("entry", "order-1");

        Assert.Equal(["exact"], Ids(page.Documents));
    }

    [Fact]
    public async Task A_prefix_index_query_finds_every_key_starting_with_the_prefix_in_ordinal_key_order()
    {
        await CreateAsync("account-a", "d1", "x", indexKey: "user:42:b");
        await CreateAsync("account-b", "d2", "x", indexKey: "user:42:a");
        await CreateAsync("account-c", "d3", "x", indexKey: "user:42");
        await CreateAsync("account-d", "d4", "x", indexKey: "user:420");
        await CreateAsync("account-e", "d5", "x", indexKey: "user:41:z");
        await CreateAsync("account-f", "d6", "x", indexKey: "user:43");

        var page = await QueryIndexAsync("entry", "user:42", prefix: true);

        // Ordinal order: '0' (U+0030) sorts before ':' (U+003A).
        Assert.Equal(["user:42", "user:420", "user:42:a", "user:42:b"], page.Documents.Select(document => document.IndexKey));
    }

    [Fact]
    public async Task A_prefix_index_query_with_an_upper_bound_reads_only_keys_below_it_and_pages_within_it()
    {
        await CreateAsync("account-a", "d1", "x", indexKey: "due|2026-01-01");
        await CreateAsync("account-b", "d2", "x", indexKey: "due|2026-01-02");
        await CreateAsync("account-c", "d3", "x", indexKey: "due|2026-01-02");
        await CreateAsync("account-d", "d4", "x", indexKey: "due|2026-01-03");
        await CreateAsync("account-e", "d5", "x", indexKey: "due|2027-01-01");
        await CreateAsync("account-f", "d6", "x", indexKey: "duf|2026-01-01");

        var first = await Store.QueryIndexAsync(new IndexQuery("entry", "due|", prefix: true, continuation: null, limit: 2, before: "due|2026-01-03"), Timeout);
        var second = await Store.QueryIndexAsync(new IndexQuery("entry", "due|", prefix: true, first.Continuation, limit: 2, before: "due|2026-01-03"), Timeout);

        // The bound is exclusive: a key equal to it is not read, nor anything after it.
        Assert.Equal(["d1", "d2"], Ids(first.Documents));
        Assert.Equal(["d3"], Ids(second.Documents));
        Assert.Null(second.Continuation);
        Assert.Throws<ArgumentException>(() => new IndexQuery("entry", "due|", prefix: false, continuation: null, limit: 2, before: "due|2026"));
        Assert.Throws<ArgumentException>(() => new IndexQuery("entry", "due|", prefix: true, continuation: null, limit: 2, before: "other|2026"));
    }

    [Fact]
    public async Task A_prefix_index_query_handles_characters_beyond_ascii()
    {
        await CreateAsync("account-a", "d1", "x", indexKey: "café-1");
        await CreateAsync("account-a", "d2", "x", indexKey: "café-2");
        await CreateAsync("account-a", "d3", "x", indexKey: "cafe-3");
        await CreateAsync("account-a", "d4", "x", indexKey: "cafés");

        var page = await QueryIndexAsync("entry", "café", prefix: true);

        Assert.Equal(["café-1", "café-2", "cafés"], page.Documents.Select(document => document.IndexKey));
    }

    [Fact]
    public async Task An_index_query_returns_only_the_requested_type()
    {
        await CreateAsync("account-a", "nonce-doc", "x", type: "nonce", indexKey: "shared-key");
        await CreateAsync("account-a", "export-doc", "x", type: "export", indexKey: "shared-key");

        var page = await QueryIndexAsync("export", "shared-key");

        Assert.Equal(["export-doc"], Ids(page.Documents));
    }

    [Fact]
    public async Task An_index_query_without_matches_returns_an_empty_last_page()
    {
        await CreateAsync("account-a", "doc", "x", indexKey: "something");

        var page = await QueryIndexAsync("entry", "nothing", prefix: true);

        Assert.Empty(page.Documents);
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task Documents_without_an_index_key_are_never_found_by_index_queries()
    {
        await CreateAsync("account-a", "unindexed", "x");

        Assert.Empty((await QueryIndexAsync("entry", "u", prefix: true)).Documents);
    }

    [Fact]
    public async Task Exact_index_query_pages_follow_each_other_without_gaps_or_repeats()
    {
        var expected = new List<(string Partition, string Id)>();
        for (var partitionNumber = 0; partitionNumber < 5; partitionNumber++)
        {
            var partition = $"account-{partitionNumber}";
            var writes = Enumerable.Range(0, 5).Select(number => Create($"doc-{number}", "x", indexKey: "same-key")).ToArray();
            await CommitOrFailAsync(partition, writes);
            expected.AddRange(writes.Select(write => (partition, write.Id)));
        }

        var (documents, pages) = await QueryWholeIndexAsync("entry", "same-key", prefix: false, pageSize: 7);

        Assert.Equal(expected, documents.Select(document => (document.Partition, document.Id)));
        Assert.InRange(pages, 4, 5);
    }

    [Fact]
    public async Task Prefix_index_query_pages_follow_each_other_without_gaps_or_repeats()
    {
        var keys = Enumerable.Range(0, 23).Select(number => $"ref-{number:D2}").ToList();
        foreach (var key in keys)
        {
            await CreateAsync($"account-{key}", "doc", "x", indexKey: key);
        }

        await CreateAsync("account-x", "outside", "x", indexKey: "reg-00");

        var (documents, pages) = await QueryWholeIndexAsync("entry", "ref-", prefix: true, pageSize: 5);

        Assert.Equal(keys, documents.Select(document => document.IndexKey));
        Assert.InRange(pages, 5, 6);
    }

    [Fact]
    public async Task An_index_page_that_is_full_carries_a_continuation_and_the_next_page_starts_after_it()
    {
        await CommitOrFailAsync("account-a", Create("a", "x", indexKey: "k"), Create("b", "x", indexKey: "k"), Create("c", "x", indexKey: "k"));

        var first = await QueryIndexAsync("entry", "k", limit: 2);
        Assert.Equal(["a", "b"], Ids(first.Documents));
        Assert.NotNull(first.Continuation);

        var second = await QueryIndexAsync("entry", "k", continuation: first.Continuation, limit: 2);
        Assert.Equal(["c"], Ids(second.Documents));
        Assert.Null(second.Continuation);
    }

    [Fact]
    public async Task An_index_query_reflects_replaces_that_change_the_key_and_deletes()
    {
        var etag = await CreateAsync("account-a", "moved", "x", indexKey: "old");
        await CreateAsync("account-a", "deleted", "x", indexKey: "old");

        await CommitOrFailAsync(
            "account-a",
            DocumentWrite.Replace("moved", "entry", Body("y"), etag, indexKey: "new"),
            DocumentWrite.Delete("deleted", "entry"));

        Assert.Empty((await QueryIndexAsync("entry", "old")).Documents);
        var found = Assert.Single((await QueryIndexAsync("entry", "new")).Documents);
        Assert.Equal("y", Text(found));
    }

    [Fact]
    public async Task A_replace_without_an_index_key_removes_the_document_from_the_index()
    {
        var etag = await CreateAsync("account-a", "doc", "x", indexKey: "key");

        await CommitOrFailAsync("account-a", DocumentWrite.Replace("doc", "entry", Body("y"), etag));

        Assert.Empty((await QueryIndexAsync("entry", "key")).Documents);
    }
}
