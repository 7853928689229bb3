using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>How a <see cref="PartitionBatch"/> becomes one Cosmos DB transactional batch.</summary>
public sealed class BatchComposerTests
{
    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task A_commit_is_one_transactional_batch_on_the_partition_key_of_the_batch()
    {
        var operations = new List<RecordedOperation>();
        var keys = new List<PartitionKey>();
        var container = CosmosMocks.LedgerContainer(operations, keys, () => CosmosMocks.Committed(2));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(new PartitionBatch("app-1/alice", DocumentWrite.Create("tx:1", "entry", Json("{\"amount\":5}")), DocumentWrite.Create("tx:2", "entry", Json("{\"amount\":6}"))), CancellationToken.None);

        Assert.Equal([new PartitionKey("app-1/alice")], keys);
        Assert.Equal(2, operations.Count);
    }

    [Fact]
    public async Task Operations_keep_the_order_of_the_writes_and_each_kind_uses_its_batch_operation()
    {
        var operations = new List<RecordedOperation>();
        var container = CosmosMocks.LedgerContainer(operations, [], () => CosmosMocks.Committed(4));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(
            new PartitionBatch(
                "acct",
                DocumentWrite.Replace("account", "account", Json("{\"balance\":10}"), "\"etag-account\""),
                DocumentWrite.Create("tx:9", "entry", Json("{\"amount\":10}"), sortKey: 9),
                DocumentWrite.Upsert("snapshot", "snapshot", Json("{\"balance\":10}")),
                DocumentWrite.Delete("hold:1", "hold")),
            CancellationToken.None);

        Assert.Equal(["replace", "create", "upsert", "delete"], operations.Select(operation => operation.Kind));
        Assert.Equal("account", operations[0].Id);
        Assert.Equal("account", operations[0].Envelope!.Value.GetProperty("id").GetString());
        Assert.Equal("tx:9", operations[1].Envelope!.Value.GetProperty("id").GetString());
        Assert.Equal("snapshot", operations[2].Envelope!.Value.GetProperty("id").GetString());
        Assert.Equal("hold:1", operations[3].Id);
    }

    [Fact]
    public async Task A_replace_carries_its_etag_as_if_match_and_a_create_carries_none()
    {
        var operations = new List<RecordedOperation>();
        var container = CosmosMocks.LedgerContainer(operations, [], () => CosmosMocks.Committed(3));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(
            new PartitionBatch(
                "acct",
                DocumentWrite.Replace("account", "account", Json("{}"), "\"v7\""),
                DocumentWrite.Create("tx:1", "entry", Json("{}")),
                DocumentWrite.Upsert("claim", "idempotency_claim", Json("{}"))),
            CancellationToken.None);

        Assert.Equal("\"v7\"", operations[0].Options!.IfMatchEtag);
        Assert.Null(operations[1].Options!.IfMatchEtag);
        Assert.Null(operations[2].Options!.IfMatchEtag);
    }

    [Fact]
    public async Task A_guarded_upsert_and_a_guarded_delete_carry_their_etags()
    {
        var operations = new List<RecordedOperation>();
        var container = CosmosMocks.LedgerContainer(operations, [], () => CosmosMocks.Committed(2));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(
            new PartitionBatch("acct", DocumentWrite.Upsert("a", "t", Json("{}"), ifMatchETag: "\"u\""), DocumentWrite.Delete("b", "t", "\"d\"")),
            CancellationToken.None);

        Assert.Equal("\"u\"", operations[0].Options!.IfMatchEtag);
        Assert.Equal("\"d\"", operations[1].Options!.IfMatchEtag);
    }

    [Fact]
    public async Task Writes_ask_for_no_content_back_because_only_the_etag_is_needed()
    {
        var operations = new List<RecordedOperation>();
        var container = CosmosMocks.LedgerContainer(operations, [], () => CosmosMocks.Committed(2));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(new PartitionBatch("acct", DocumentWrite.Create("a", "t", Json("{}")), DocumentWrite.Delete("b", "t")), CancellationToken.None);

        Assert.All(operations, operation => Assert.False(operation.Options!.EnableContentResponseOnWrite));
    }

    [Fact]
    public async Task Every_envelope_carries_id_partition_type_keys_commit_time_and_the_body_as_a_json_object()
    {
        var operations = new List<RecordedOperation>();
        var container = CosmosMocks.LedgerContainer(operations, [], () => CosmosMocks.Committed(1));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(new PartitionBatch("app/bob", DocumentWrite.Create("tx:1", "entry", Json("{\"amount\":-3,\"memo\":\"coffee\"}"), sortKey: 42, indexKey: "app|bob")), CancellationToken.None);

        var envelope = operations[0].Envelope!.Value;
        Assert.Equal("tx:1", envelope.GetProperty("id").GetString());
        Assert.Equal("app/bob", envelope.GetProperty("pk").GetString());
        Assert.Equal("entry", envelope.GetProperty("type").GetString());
        Assert.Equal(SortKeyEncoding.Encode(42), envelope.GetProperty("sortKey").GetString());
        Assert.Equal("app|bob", envelope.GetProperty("indexKey").GetString());
        Assert.Equal(CosmosMocks.Now, envelope.GetProperty("committedAt").GetDateTimeOffset());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, envelope.GetProperty("body").ValueKind);
        Assert.Equal(-3, envelope.GetProperty("body").GetProperty("amount").GetInt64());
        Assert.False(envelope.TryGetProperty("bodyBase64", out _));
        Assert.False(envelope.TryGetProperty("ttl", out _));
    }

    [Fact]
    public async Task Absent_sort_and_index_keys_are_written_as_explicit_nulls_so_order_by_keeps_the_document()
    {
        var operations = new List<RecordedOperation>();
        var container = CosmosMocks.LedgerContainer(operations, [], () => CosmosMocks.Committed(1));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(new PartitionBatch("acct", DocumentWrite.Create("a", "t", Json("{}"))), CancellationToken.None);

        var envelope = operations[0].Envelope!.Value;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, envelope.GetProperty("sortKey").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, envelope.GetProperty("indexKey").ValueKind);
    }

    [Fact]
    public async Task A_batch_whose_envelopes_would_pass_two_megabytes_is_refused_before_any_request()
    {
        // Non-JSON bodies travel as base64, a third larger: 1.8 MB of bodies become 2.4 MB on the wire.
        var writes = Enumerable.Range(0, 4).Select(index => DocumentWrite.Create($"blob-{index}", "blob", new byte[450_000])).ToArray();
        var keys = new List<PartitionKey>();
        var container = CosmosMocks.LedgerContainer([], keys, () => CosmosMocks.Committed(4));
        await using var store = CosmosMocks.Store(container.Object);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.CommitAsync(new PartitionBatch("acct", writes), CancellationToken.None));

        Assert.Contains("2097152", error.Message, StringComparison.Ordinal);
        Assert.Empty(keys);
    }

    [Fact]
    public async Task A_retried_batch_is_composed_anew_because_request_streams_are_consumed_by_a_send()
    {
        var operations = new List<RecordedOperation>();
        var keys = new List<PartitionKey>();
        var responses = new Queue<TransactionalBatchResponse>([CosmosMocks.FailedWhole(1, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(20)), CosmosMocks.Committed(1)]);
        var container = CosmosMocks.LedgerContainer(operations, keys, responses.Dequeue);
        await using var store = CosmosMocks.Store(container.Object);

        var result = await store.CommitAsync(new PartitionBatch("acct", DocumentWrite.Create("a", "t", Json("{}"))), CancellationToken.None);

        Assert.True(result.IsCommitted);
        Assert.Equal(2, keys.Count);
        Assert.Equal(2, operations.Count);
    }
}
