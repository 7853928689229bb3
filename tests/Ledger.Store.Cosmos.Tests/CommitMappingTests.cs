using System.Net;
using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Moq;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>What <see cref="CosmosLedgerStore.CommitAsync"/> makes of each batch outcome, retries included.</summary>
public sealed class CommitMappingTests
{
    private static readonly ReadOnlyMemory<byte> Body = Encoding.UTF8.GetBytes("{}");

    private static PartitionBatch ThreeWrites() => new(
        "acct",
        DocumentWrite.Create("tx:1", "entry", Body),
        DocumentWrite.Replace("account", "account", Body, "\"v1\""),
        DocumentWrite.Create("tx:2", "entry", Body));

    private static (CosmosLedgerStore Store, List<TimeSpan> Delays, List<PartitionKey> Sends) StoreAnswering(int maxAttempts, TimeSpan maxTotalWait, params Func<TransactionalBatchResponse>[] responses)
    {
        var queue = new Queue<Func<TransactionalBatchResponse>>(responses);
        var delays = new List<TimeSpan>();
        var sends = new List<PartitionKey>();
        var container = CosmosMocks.LedgerContainer([], sends, () => queue.Dequeue()());
        return (CosmosMocks.Store(container.Object, delays: delays, maxAttempts: maxAttempts, maxTotalWait: maxTotalWait), delays, sends);
    }

    [Fact]
    public async Task A_conflict_at_the_second_of_three_writes_is_a_result_not_an_exception_and_is_not_retried()
    {
        var (store, delays, sends) = StoreAnswering(5, TimeSpan.FromSeconds(10), () => CosmosMocks.FailedAt(3, 1, HttpStatusCode.Conflict));

        var result = await store.CommitAsync(ThreeWrites(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Conflict, result.Outcome);
        Assert.Equal(1, result.FailedWriteIndex);
        Assert.Single(sends);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task A_precondition_failure_is_returned_for_the_engine_to_decide_again()
    {
        var (store, _, sends) = StoreAnswering(5, TimeSpan.FromSeconds(10), () => CosmosMocks.FailedAt(3, 1, HttpStatusCode.PreconditionFailed));

        var result = await store.CommitAsync(ThreeWrites(), CancellationToken.None);

        Assert.Equal(BatchOutcome.PreconditionFailed, result.Outcome);
        Assert.Single(sends);
    }

    [Fact]
    public async Task A_throttled_batch_waits_exactly_the_retry_after_and_is_sent_again()
    {
        var (store, delays, sends) = StoreAnswering(
            5,
            TimeSpan.FromSeconds(10),
            () => CosmosMocks.FailedWhole(3, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(300)),
            () => CosmosMocks.FailedWhole(3, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(700)),
            () => CosmosMocks.Committed(3));

        var result = await store.CommitAsync(ThreeWrites(), CancellationToken.None);

        Assert.True(result.IsCommitted);
        Assert.Equal([TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(700)], delays);
        Assert.Equal(3, sends.Count);
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_attempt_budget_throws_store_unavailable()
    {
        var (store, delays, sends) = StoreAnswering(
            3,
            TimeSpan.FromSeconds(10),
            Enumerable.Repeat<Func<TransactionalBatchResponse>>(() => CosmosMocks.FailedWhole(3, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(10)), 3).ToArray());

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAsync(ThreeWrites(), CancellationToken.None));

        Assert.Contains("3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, sends.Count);
        Assert.Equal(2, delays.Count);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_remaining_wait_budget_gives_up_at_once()
    {
        var (store, delays, sends) = StoreAnswering(
            10,
            TimeSpan.FromSeconds(1),
            () => CosmosMocks.FailedWhole(3, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(600)),
            () => CosmosMocks.FailedWhole(3, CosmosStatus.TooManyRequests, TimeSpan.FromMilliseconds(600)));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAsync(ThreeWrites(), CancellationToken.None));

        Assert.Contains("retry budget", error.Message, StringComparison.Ordinal);
        Assert.Equal([TimeSpan.FromMilliseconds(600)], delays);
        Assert.Equal(2, sends.Count);
    }

    [Fact]
    public async Task A_timeout_is_retried_after_a_back_off_and_then_commits()
    {
        var (store, delays, _) = StoreAnswering(
            5,
            TimeSpan.FromSeconds(10),
            () => CosmosMocks.FailedWhole(3, HttpStatusCode.RequestTimeout),
            () => CosmosMocks.FailedWhole(3, HttpStatusCode.ServiceUnavailable),
            () => CosmosMocks.Committed(3));

        var result = await store.CommitAsync(ThreeWrites(), CancellationToken.None);

        Assert.True(result.IsCommitted);
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)], delays);
    }

    [Fact]
    public async Task A_timeout_thrown_by_the_sdk_is_retried_like_a_timeout_response()
    {
        var (store, delays, _) = StoreAnswering(
            5,
            TimeSpan.FromSeconds(10),
            () => throw new CosmosException("timed out", HttpStatusCode.RequestTimeout, 0, "activity", 0.5),
            () => throw new CosmosOperationCanceledException(new OperationCanceledException("request timeout"), new Mock<CosmosDiagnostics>().Object),
            () => CosmosMocks.Committed(3));

        var result = await store.CommitAsync(ThreeWrites(), CancellationToken.None);

        Assert.True(result.IsCommitted);
        Assert.Equal(2, delays.Count);
    }

    [Fact]
    public async Task Service_unavailable_until_the_attempts_run_out_throws_store_unavailable()
    {
        var (store, _, sends) = StoreAnswering(
            4,
            TimeSpan.FromSeconds(10),
            Enumerable.Repeat<Func<TransactionalBatchResponse>>(() => CosmosMocks.FailedWhole(3, HttpStatusCode.ServiceUnavailable), 4).ToArray());

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAsync(ThreeWrites(), CancellationToken.None));

        Assert.Equal(4, sends.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task A_bad_or_too_large_batch_throws_invalid_operation_at_once(HttpStatusCode status)
    {
        var (store, delays, sends) = StoreAnswering(5, TimeSpan.FromSeconds(10), () => CosmosMocks.FailedAt(3, 1, status));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.CommitAsync(ThreeWrites(), CancellationToken.None));

        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Single(sends);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task Forbidden_throws_store_unavailable_without_retrying()
    {
        var (store, delays, sends) = StoreAnswering(5, TimeSpan.FromSeconds(10), () => CosmosMocks.FailedWhole(3, HttpStatusCode.Forbidden));

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAsync(ThreeWrites(), CancellationToken.None));

        Assert.Single(sends);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task A_cancelled_commit_throws_and_sends_nothing()
    {
        var (store, _, sends) = StoreAnswering(5, TimeSpan.FromSeconds(10), () => CosmosMocks.Committed(3));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.CommitAsync(ThreeWrites(), cancelled.Token));

        Assert.Empty(sends);
    }

    [Fact]
    public async Task The_caller_cancelling_during_a_request_is_not_mistaken_for_a_timeout()
    {
        using var cancellation = new CancellationTokenSource();
        var (store, delays, sends) = StoreAnswering(5, TimeSpan.FromSeconds(10), () =>
        {
            cancellation.Cancel();
            throw new CosmosOperationCanceledException(new OperationCanceledException(cancellation.Token), new Mock<CosmosDiagnostics>().Object);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.CommitAsync(ThreeWrites(), cancellation.Token));

        Assert.Single(sends);
        Assert.Empty(delays);
    }

    [Fact]
    public void Transient_back_off_doubles_per_attempt_with_jitter_and_is_capped()
    {
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var charges = new RequestChargeRecorder(logger);
        var lowest = new CosmosRetryPolicy(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), charges, logger, (_, _) => Task.CompletedTask, () => 0.0);
        var highest = new CosmosRetryPolicy(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), charges, logger, (_, _) => Task.CompletedTask, () => 1.0);

        Assert.Equal(TimeSpan.FromMilliseconds(50), lowest.Backoff(1));
        Assert.Equal(TimeSpan.FromMilliseconds(100), highest.Backoff(1));
        Assert.Equal(TimeSpan.FromMilliseconds(400), highest.Backoff(3));
        Assert.Equal(TimeSpan.FromSeconds(5), highest.Backoff(30));
        Assert.Equal(TimeSpan.FromSeconds(2.5), lowest.Backoff(30));
    }
}
