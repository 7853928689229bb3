using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Xunit;

namespace Ledger.Storage.Tests;

/// <summary>The port refuses malformed batches and queries before any store sees them.</summary>
public sealed class PortValidationTests
{
    private static readonly ReadOnlyMemory<byte> SomeBody = "x"u8.ToArray();

    private static DocumentWrite Write(int number) => DocumentWrite.Create($"doc-{number}", "entry", SomeBody);

    [Fact]
    public void A_batch_holds_at_most_one_hundred_writes()
    {
        var hundred = new PartitionBatch("account-a", Enumerable.Range(0, 100).Select(Write).ToArray());

        Assert.Equal(100, hundred.Writes.Count);
        Assert.Throws<ArgumentException>(() => new PartitionBatch("account-a", Enumerable.Range(0, 101).Select(Write).ToArray()));
    }

    [Fact]
    public void An_empty_batch_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PartitionBatch("account-a", Array.Empty<DocumentWrite>()));
    }

    [Fact]
    public void A_batch_that_writes_one_id_twice_is_refused()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new PartitionBatch("account-a", DocumentWrite.Create("same", "entry", SomeBody), DocumentWrite.Delete("same", "entry")));

        Assert.Contains("same", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_differing_only_in_case_are_different_ids()
    {
        var batch = new PartitionBatch("account-a", DocumentWrite.Create("Doc", "entry", SomeBody), DocumentWrite.Create("doc", "entry", SomeBody));

        Assert.Equal(2, batch.Writes.Count);
    }

    [Fact]
    public void Batch_bodies_may_not_total_more_than_the_batch_payload_limit()
    {
        var largest = new byte[DocumentWrite.MaxBodyBytes];
        var writes = Enumerable.Range(0, 4).Select(number => DocumentWrite.Create($"doc-{number}", "entry", largest)).ToArray();

        Assert.Throws<ArgumentException>(() => new PartitionBatch("account-a", writes));
        Assert.Equal(3, new PartitionBatch("account-a", writes[..3]).Writes.Count);
    }

    [Fact]
    public void A_partition_key_must_be_present_and_at_most_256_characters()
    {
        Assert.ThrowsAny<ArgumentException>(() => new PartitionBatch(string.Empty, Write(1)));
        Assert.ThrowsAny<ArgumentException>(() => new PartitionBatch(new string('p', StoreLimits.MaxPartitionLength + 1), Write(1)));
        Assert.Single(new PartitionBatch(new string('p', StoreLimits.MaxPartitionLength), Write(1)).Writes);
    }

    [Theory]
    [InlineData("has/slash")]
    [InlineData("has\\backslash")]
    [InlineData("has?question")]
    [InlineData("has#hash")]
    [InlineData("")]
    public void Ids_with_characters_cosmos_db_forbids_or_no_characters_are_refused(string id)
    {
        Assert.ThrowsAny<ArgumentException>(() => DocumentWrite.Create(id, "entry", SomeBody));
        Assert.ThrowsAny<ArgumentException>(() => DocumentWrite.Delete(id, "entry"));
    }

    [Theory]
    [InlineData("has/slash")]
    [InlineData("")]
    public void Types_follow_the_same_rules_as_ids(string type)
    {
        Assert.ThrowsAny<ArgumentException>(() => DocumentWrite.Create("doc", type, SomeBody));
        Assert.ThrowsAny<ArgumentException>(() => new RangeQuery("account-a", type, null, null, descending: false, limit: 10));
        Assert.ThrowsAny<ArgumentException>(() => new IndexQuery(type, "key", prefix: false, continuation: null, limit: 10));
    }

    [Fact]
    public void Ids_may_be_up_to_255_characters_and_may_hold_other_punctuation_and_unicode()
    {
        Assert.Equal(255, DocumentWrite.Create(new string('i', StoreLimits.MaxIdLength), "entry", SomeBody).Id.Length);
        Assert.Throws<ArgumentException>(() => DocumentWrite.Create(new string('i', StoreLimits.MaxIdLength + 1), "entry", SomeBody));
        Assert.Equal("transfer:42|credit-é", DocumentWrite.Create("transfer:42|credit-é", "entry", SomeBody).Id);
    }

    [Fact]
    public void A_body_must_not_be_empty_except_for_a_delete()
    {
        Assert.Throws<ArgumentException>(() => DocumentWrite.Create("doc", "entry", ReadOnlyMemory<byte>.Empty));
        Assert.Throws<ArgumentException>(() => DocumentWrite.Upsert("doc", "entry", ReadOnlyMemory<byte>.Empty));
        Assert.Throws<ArgumentException>(() => DocumentWrite.Replace("doc", "entry", ReadOnlyMemory<byte>.Empty, "etag"));
        Assert.True(DocumentWrite.Delete("doc", "entry").Body.IsEmpty);
    }

    [Fact]
    public void A_body_may_be_at_most_512_kilobytes()
    {
        Assert.Equal(DocumentWrite.MaxBodyBytes, DocumentWrite.Create("doc", "entry", new byte[DocumentWrite.MaxBodyBytes]).Body.Length);
        Assert.Throws<ArgumentException>(() => DocumentWrite.Create("doc", "entry", new byte[DocumentWrite.MaxBodyBytes + 1]));
    }

    [Fact]
    public void An_index_key_may_be_at_most_512_characters()
    {
        Assert.NotNull(DocumentWrite.Create("doc", "entry", SomeBody, indexKey: new string('k', StoreLimits.MaxIndexKeyLength)));
        Assert.Throws<ArgumentException>(() => DocumentWrite.Create("doc", "entry", SomeBody, indexKey: new string('k', StoreLimits.MaxIndexKeyLength + 1)));
    }

    [Fact]
    public void A_store_keeps_an_immutable_body_as_it_is_and_copies_any_other()
    {
        var immutable = ImmutableArray.Create("kept"u8);
        var buffer = "copied"u8.ToArray();

        var kept = DocumentWrite.Create("a", "entry", immutable).BodyToKeep();
        var copied = DocumentWrite.Create("b", "entry", buffer).BodyToKeep();

        Assert.Same(ImmutableCollectionsMarshal.AsArray(immutable), kept);
        Assert.NotSame(buffer, copied);
        Assert.Equal(buffer, copied);
        Assert.True(DocumentWrite.Upsert("c", "entry", immutable).BodyIsImmutable);
        Assert.True(DocumentWrite.Replace("c", "entry", immutable, "1").BodyIsImmutable);
        Assert.False(DocumentWrite.Create("d", "entry", buffer).BodyIsImmutable);
    }

    [Fact]
    public void A_default_immutable_body_is_refused_like_a_missing_one()
    {
        Assert.Throws<ArgumentException>(() => DocumentWrite.Create("a", "entry", default(ImmutableArray<byte>)));
        Assert.Throws<ArgumentException>(() => DocumentWrite.Create("a", "entry", ImmutableArray<byte>.Empty));
    }

    [Fact]
    public void A_replace_always_names_the_etag_it_expects()
    {
        Assert.ThrowsAny<ArgumentException>(() => DocumentWrite.Replace("doc", "entry", SomeBody, string.Empty));
        Assert.Equal("etag-1", DocumentWrite.Replace("doc", "entry", SomeBody, "etag-1").IfMatchETag);
    }

    [Fact]
    public void A_create_never_carries_an_etag_and_a_delete_carries_no_body()
    {
        var create = DocumentWrite.Create("doc", "entry", SomeBody, sortKey: 3, indexKey: "key");
        var delete = DocumentWrite.Delete("doc", "entry", "etag-1");

        Assert.Equal((WriteKind.Create, (string?)null, 3L, "key"), (create.Kind, create.IfMatchETag, create.SortKey!.Value, create.IndexKey));
        Assert.Equal((WriteKind.Delete, "etag-1", (long?)null, (string?)null), (delete.Kind, delete.IfMatchETag, delete.SortKey, delete.IndexKey));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(StoreLimits.MaxPageSize + 1)]
    public void Page_sizes_outside_one_to_one_thousand_are_refused(int limit)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RangeQuery("account-a", "entry", null, null, descending: false, limit));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IndexQuery("entry", "key", prefix: false, continuation: null, limit));
        Assert.Throws<ArgumentOutOfRangeException>(() => StoreLimits.RequireValidPageSize(limit));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(StoreLimits.MaxPageSize)]
    public void Page_sizes_of_one_and_one_thousand_are_accepted(int limit)
    {
        Assert.Equal(limit, new RangeQuery("account-a", "entry", null, null, descending: false, limit).Limit);
        Assert.Equal(limit, new IndexQuery("entry", "key", prefix: true, continuation: null, limit).Limit);
    }

    [Fact]
    public void An_index_query_needs_a_key()
    {
        Assert.ThrowsAny<ArgumentException>(() => new IndexQuery("entry", string.Empty, prefix: true, continuation: null, limit: 10));
    }

    [Fact]
    public void A_failure_result_needs_a_failing_outcome_and_a_write_index()
    {
        Assert.Throws<ArgumentException>(() => BatchResult.Failure(BatchOutcome.Committed, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchResult.Failure(BatchOutcome.Conflict, -1));

        var failure = BatchResult.Failure(BatchOutcome.NotFound, 2);
        Assert.Equal((false, 2, 0), (failure.IsCommitted, failure.FailedWriteIndex, failure.ETags.Count));
    }

    [Fact]
    public void A_success_result_has_no_failing_index()
    {
        var committedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var success = BatchResult.Success(["etag-1"], committedAt);

        Assert.Equal((true, -1, committedAt), (success.IsCommitted, success.FailedWriteIndex, success.CommittedAt));
    }

    [Fact]
    public void A_change_id_names_the_partition_the_document_and_its_version()
    {
        var document = new StoredDocument("account-a", "doc", "entry", null, null, SomeBody, "17", DateTimeOffset.UnixEpoch);

        Assert.Equal("account-a/doc@17", document.ChangeId);
    }
}
