using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Microsoft.DurableTask.Client;

namespace Ledger.Functions.Tests;

/// <summary>
/// The saga driver the HTTP functions and the recovery timer use in Azure, with a mocked
/// <see cref="DurableTaskClient"/>: one orchestration per transfer, started at most once, waited for at
/// most the request's wait, and the answer is always the transfer's state in the store.
/// </summary>
public sealed class DurableTransferSagaDriverTests
{
    [Fact]
    public async Task A_transfer_without_an_orchestration_gets_one_named_after_it_and_the_answer_is_the_stores_state()
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host);

        var result = await new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);

        var (name, input, options) = Assert.Single(client.Scheduled);
        Assert.Equal(TransferOrchestration.OrchestratorName, name.Name);
        Assert.Equal(key, input);
        Assert.Equal(TransferOrchestration.InstanceIdFor(key), options!.InstanceId);
        Assert.Equal([TransferOrchestration.InstanceIdFor(key)], client.Waited);
        Assert.Equal("posted", result!.State);
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Pending)]
    [InlineData(OrchestrationRuntimeStatus.Running)]
    public async Task A_transfer_whose_orchestration_is_under_way_is_not_started_again(OrchestrationRuntimeStatus status)
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host) { Existing = status };

        var result = await new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Empty(client.Scheduled);
        Assert.Equal("posted", result!.State);
    }

    [Fact]
    public async Task A_wait_that_runs_out_answers_the_current_state_without_failing()
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host) { CompletesWithinWait = false };

        var result = await new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromMilliseconds(50), CancellationToken.None);

        Assert.Single(client.Scheduled);
        Assert.Equal("crediting", result!.State);
    }

    [Fact]
    public async Task A_start_that_lost_a_race_to_another_starter_finds_the_orchestration_and_goes_on()
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host) { StartFails = true, ExistsAfterFailedStart = true };

        var result = await new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal("posted", result!.State);
    }

    [Fact]
    public async Task A_start_that_failed_with_no_orchestration_to_show_for_it_fails()
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host) { StartFails = true, ExistsAfterFailedStart = false };

        await Assert.ThrowsAsync<InvalidOperationException>(() => new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_mistaken_for_the_end_of_the_wait()
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host) { CompletesWithinWait = false };
        using var aborted = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromMinutes(5), aborted.Token));
    }

    /// <summary>
    /// A transfer whose orchestration failed (its retries ran out while the store was down) is still in
    /// Crediting with credits reserved; the recovery timer hands it to this driver every minute, and only
    /// a new orchestration can finish it.
    /// </summary>
    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated)]
    public async Task A_transfer_whose_orchestration_ended_without_finishing_it_gets_a_new_one(OrchestrationRuntimeStatus status)
    {
        await using var host = new FunctionsTestHost();
        var key = await ReserveAsync(host);
        var client = new DurableClientMock(host) { Existing = status };

        var result = await new DurableTransferSagaDriver(client.Object, host.Engine).RunAsync(key, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Single(client.Scheduled);
        Assert.Equal("posted", result!.State);
    }

    private static async Task<TransferKey> ReserveAsync(FunctionsTestHost host)
    {
        await host.OpenAsync("acct-src", funds: 100);
        await host.OpenAsync("acct-dst");
        var transfer = await host.ReserveTransferAsync("acct-src", "acct-dst", 30, "transfer-1");
        return FunctionsTestHost.Key(transfer.TransferId);
    }
}
