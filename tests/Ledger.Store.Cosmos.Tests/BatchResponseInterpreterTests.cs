using System.Net;
using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>Every outcome of a transactional batch, read from mocked SDK responses.</summary>
public sealed class BatchResponseInterpreterTests
{
    private static readonly ReadOnlyMemory<byte> Body = Encoding.UTF8.GetBytes("{}");

    private static PartitionBatch ThreeWrites() => new(
        "acct",
        DocumentWrite.Create("tx:1", "entry", Body),
        DocumentWrite.Replace("account", "account", Body, "\"v1\""),
        DocumentWrite.Create("tx:2", "entry", Body));

    private static BatchVerdict Interpret(TransactionalBatchResponse response, PartitionBatch? batch = null)
        => BatchResponseInterpreter.Interpret(response, batch ?? ThreeWrites(), CosmosMocks.Now);

    [Fact]
    public void A_successful_batch_yields_the_etag_of_each_operation_in_order_and_the_commit_time()
    {
        var verdict = Interpret(CosmosMocks.Committed(3));

        Assert.Equal(BatchVerdictKind.Completed, verdict.Kind);
        Assert.True(verdict.Result!.IsCommitted);
        Assert.Equal(["\"etag-0\"", "\"etag-1\"", "\"etag-2\""], verdict.Result.ETags);
        Assert.Equal(CosmosMocks.Now, verdict.Result.CommittedAt);
    }

    [Fact]
    public void A_delete_reports_an_empty_etag()
    {
        var batch = new PartitionBatch("acct", DocumentWrite.Create("a", "t", Body), DocumentWrite.Delete("b", "t"));
        var response = CosmosMocks.BatchResponse(HttpStatusCode.OK, [CosmosMocks.OperationResult(HttpStatusCode.Created, "\"e\""), CosmosMocks.OperationResult(HttpStatusCode.NoContent)]);

        var verdict = Interpret(response, batch);

        Assert.Equal(["\"e\"", string.Empty], verdict.Result!.ETags);
    }

    [Fact]
    public void When_the_second_of_three_operations_conflicts_the_outcome_is_conflict_at_index_one()
    {
        var verdict = Interpret(CosmosMocks.FailedAt(3, 1, HttpStatusCode.Conflict));

        Assert.Equal(BatchVerdictKind.Completed, verdict.Kind);
        Assert.Equal(BatchOutcome.Conflict, verdict.Result!.Outcome);
        Assert.Equal(1, verdict.Result.FailedWriteIndex);
        Assert.Empty(verdict.Result.ETags);
    }

    [Fact]
    public void When_the_second_of_three_operations_fails_its_precondition_the_outcome_is_precondition_failed_at_index_one()
    {
        var verdict = Interpret(CosmosMocks.FailedAt(3, 1, HttpStatusCode.PreconditionFailed));

        Assert.Equal(BatchOutcome.PreconditionFailed, verdict.Result!.Outcome);
        Assert.Equal(1, verdict.Result.FailedWriteIndex);
    }

    [Fact]
    public void When_the_second_of_three_operations_finds_nothing_to_replace_the_outcome_is_not_found_at_index_one()
    {
        var verdict = Interpret(CosmosMocks.FailedAt(3, 1, HttpStatusCode.NotFound));

        Assert.Equal(BatchOutcome.NotFound, verdict.Result!.Outcome);
        Assert.Equal(1, verdict.Result.FailedWriteIndex);
    }

    [Fact]
    public void A_conflict_at_the_first_or_last_operation_names_that_index()
    {
        Assert.Equal(0, Interpret(CosmosMocks.FailedAt(3, 0, HttpStatusCode.Conflict)).Result!.FailedWriteIndex);
        Assert.Equal(2, Interpret(CosmosMocks.FailedAt(3, 2, HttpStatusCode.Conflict)).Result!.FailedWriteIndex);
    }

    [Fact]
    public void A_single_write_batch_that_conflicts_names_index_zero()
    {
        var batch = new PartitionBatch("acct", DocumentWrite.Create("claim", "idempotency_claim", Body));

        var verdict = Interpret(CosmosMocks.FailedAt(1, 0, HttpStatusCode.Conflict), batch);

        Assert.Equal(BatchOutcome.Conflict, verdict.Result!.Outcome);
        Assert.Equal(0, verdict.Result.FailedWriteIndex);
    }

    [Fact]
    public void A_not_found_on_a_create_means_the_container_is_gone_and_the_store_is_unavailable()
    {
        var verdict = Interpret(CosmosMocks.FailedAt(3, 0, HttpStatusCode.NotFound));

        Assert.Equal(BatchVerdictKind.Unavailable, verdict.Kind);
    }

    [Fact]
    public void A_not_found_of_the_whole_request_blames_no_write_and_the_store_is_unavailable()
    {
        var verdict = Interpret(CosmosMocks.FailedWhole(3, HttpStatusCode.NotFound));

        Assert.Equal(BatchVerdictKind.Unavailable, verdict.Kind);
        Assert.Equal(-1, verdict.OperationIndex);
    }

    [Fact]
    public void A_throttled_batch_asks_for_a_retry_after_the_operations_retry_after()
    {
        var verdict = Interpret(CosmosMocks.FailedWhole(3, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(250)));

        Assert.Equal(BatchVerdictKind.Throttled, verdict.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(250), verdict.RetryAfter);
    }

    [Fact]
    public void A_throttled_batch_without_operation_results_uses_the_responses_retry_after()
    {
        var response = CosmosMocks.BatchResponse(CosmosStatus.TooManyRequests, [], retryAfter: TimeSpan.FromMilliseconds(75));

        var verdict = Interpret(response);

        Assert.Equal(BatchVerdictKind.Throttled, verdict.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(75), verdict.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.Gone)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData((HttpStatusCode)449)]
    public void Timeouts_and_service_faults_are_transient(HttpStatusCode status)
    {
        Assert.Equal(BatchVerdictKind.Transient, Interpret(CosmosMocks.FailedWhole(3, status)).Kind);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public void A_bad_or_too_large_batch_is_a_programming_error_that_names_the_operation(HttpStatusCode status)
    {
        var verdict = Interpret(CosmosMocks.FailedAt(3, 1, status));

        Assert.Equal(BatchVerdictKind.ProgrammingError, verdict.Kind);
        Assert.Equal(1, verdict.OperationIndex);
        Assert.Contains("write 1", verdict.Detail, StringComparison.Ordinal);
        Assert.Contains("account", verdict.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public void Authorization_failures_make_the_store_unavailable_without_retries(HttpStatusCode status)
    {
        Assert.Equal(BatchVerdictKind.Unavailable, Interpret(CosmosMocks.FailedWhole(3, status)).Kind);
    }

    [Fact]
    public void A_failed_batch_whose_operations_all_report_failed_dependency_blames_no_write()
    {
        var verdict = Interpret(CosmosMocks.BatchResponse((HttpStatusCode)424, Enumerable.Range(0, 3).Select(_ => CosmosMocks.OperationResult(CosmosStatus.FailedDependency)).ToArray()));

        Assert.Equal(BatchVerdictKind.Unavailable, verdict.Kind);
        Assert.Equal(-1, verdict.OperationIndex);
    }

    [Fact]
    public void A_success_with_fewer_results_than_writes_is_refused_loudly()
    {
        var verdict = Interpret(CosmosMocks.Committed(2));

        Assert.Equal(BatchVerdictKind.ProgrammingError, verdict.Kind);
    }
}
