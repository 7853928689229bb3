using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Transfers;

/// <summary>
/// 202 Accepted: a transfer whose saga cannot finish while the request waits (here the destination's
/// partition is made unreachable for the credit step) answers 202 with its current state and a Location;
/// the host's saga runner finishes it once the store is back, and the client reads the outcome there.
/// </summary>
public sealed class TransferAcceptedTests : IAsyncLifetime
{
    private readonly TransferHostFactory host = new(faultyStore: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_transfer_whose_credit_cannot_be_written_answers_202_with_a_Location_and_is_posted_later_by_the_saga_runner()
    {
        using var app1 = host.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var store = host.Store!;
        var body = TransferApi.Transfer(source, destination, 30).ToJsonString();

        store.FailCredits = true;
        var accepted = await app1.PostAsync("/transfers", body);

        var json = TransferApi.AssertTransfer(accepted, 202, "transfer", "crediting", source, destination, 30);
        Assert.Equal($"/transfers/{accepted.Id()}", accepted.Header("Location"));
        Assert.True(store.Failed >= 1);
        Assert.Equal((100, 30, 70), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal(json.Text("transfer_id"), (await app1.GetAsync(accepted.Header("Location")!)).Expect(200).Id());

        // A replay while it is still unfinished answers the same transfer, still accepted.
        var replay = await app1.PostAsync("/transfers", body);
        Assert.Equal(202, replay.Status);
        Assert.Equal(accepted.Id(), replay.Id());

        store.FailCredits = false;
        var posted = await TransferApi.PollAsync(app1, accepted.Header("Location")!, response => response.State() == "posted");

        TransferApi.AssertTransfer(posted, 200, "transfer", "posted", source, destination, 30);
        Assert.Equal((70, 0, 70), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((30, 0, 30), await TransferApi.BalanceAsync(app1, destination));
        var final = await app1.PostAsync("/transfers", body);
        Assert.Equal((201, posted.Body), (final.Status, final.Body));
    }

    [Fact]
    public async Task A_capture_and_a_refund_that_cannot_finish_answer_202_and_are_finished_by_the_saga_runner()
    {
        using var app1 = host.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var store = host.Store!;
        var hold = (await app1.PostAsync("/holds", TransferApi.Hold(source, destination, 40))).Expect(201).Id();
        var transfer = (await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 20))).Expect(201).Id();

        store.FailCredits = true;
        var capture = await app1.PostAsync($"/holds/{hold}/capture", TransferApi.WithAmount(25));
        var refund = await app1.PostAsync($"/transfers/{transfer}/refunds", TransferApi.WithAmount(5));

        TransferApi.AssertTransfer(capture, 202, "hold", "crediting", source, destination, 40);
        Assert.Equal($"/holds/{hold}", capture.Header("Location"));
        TransferApi.AssertTransfer(refund, 202, "refund", "crediting", destination, source, 5);
        Assert.Equal($"/transfers/{refund.Id()}", refund.Header("Location"));

        store.FailCredits = false;
        await TransferApi.PollAsync(app1, $"/holds/{hold}", response => response.State() == "posted");
        await TransferApi.PollAsync(app1, $"/transfers/{refund.Id()}", response => response.State() == "posted");

        Assert.Equal((100 - 20 - 25 + 5, 0, 60), await TransferApi.BalanceAsync(app1, source));
        Assert.Equal((20 + 25 - 5, 0, 40), await TransferApi.BalanceAsync(app1, destination));
    }

    [Fact]
    public async Task A_reservation_the_store_cannot_write_is_503_store_unavailable_and_nothing_was_reserved()
    {
        using var app1 = host.App1();
        var (source, destination) = await TransferApi.FundedPairAsync(app1, 100);
        var store = host.Store!;

        store.FailReservations = true;
        var refused = await app1.PostAsync("/transfers", TransferApi.Transfer(source, destination, 30));
        store.FailReservations = false;

        ProblemAssert.Is(refused, 503, "store_unavailable");
        Assert.Equal("1", refused.Header("Retry-After"));
        Assert.Equal((100, 0, 100), await TransferApi.BalanceAsync(app1, source));
    }
}
