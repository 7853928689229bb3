using Ledger.Client.Offline.Tests.Infrastructure;
using Ledger.Client.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Ledger.Client.Offline.Tests;

/// <summary>The offline queue against the ledger in-process, with the device's network switched off and on.</summary>
public sealed class OfflineLedgerTests : IClassFixture<LedgerTestHost>
{
    private readonly LedgerTestHost _host;

    public OfflineLedgerTests(LedgerTestHost host) => _host = host;

    [Fact]
    public async Task Writes_made_offline_are_kept_in_order_and_replayed_once_each_when_the_ledger_answers_again()
    {
        using var queue = new QueuePath();
        using var device = new SimulatedDevice(_host, queue.Path);
        var user = await OpenAsync(device.Client);
        device.Network.GoDown();

        var outcomes = new List<SubmitOutcome>();
        for (var amount = 1; amount <= 5; amount++)
        {
            outcomes.Add(await device.Offline.SubmitAsync(OfflineWrite.Of(TransactionRequest.Mint(user, amount, "credit_purchase"))));
        }

        Assert.All(outcomes, outcome => Assert.Equal((WriteState.Pending, ReplayStop.Unreachable), (outcome.State, outcome.Replay.Stop)));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], device.Offline.Pending().Select(write => ((QueuedTransaction)write.Write).Request.Amount!.Value));

        device.Network.ComeBack();
        var replay = await device.Offline.ReplayAsync();
        var again = await device.Offline.ReplayAsync();

        Assert.Equal(ReplayStop.Drained, replay.Stop);
        Assert.Equal(outcomes.Select(outcome => outcome.Write.IdempotencyKey), replay.Confirmed.Select(write => write.IdempotencyKey));
        Assert.Empty(again.Confirmed);
        var entries = (await device.Client.ListEntriesAsync(user)).Entries;
        Assert.Equal([5L, 4L, 3L, 2L, 1L], entries.Select(entry => entry.Amount));
        Assert.Equal(15, (await device.Client.GetBalanceAsync(user)).Amount);
    }

    [Fact]
    public async Task A_write_whose_answer_was_lost_is_replayed_with_its_key_and_takes_effect_once()
    {
        using var queue = new QueuePath();
        using var device = new SimulatedDevice(_host, queue.Path);
        var user = await OpenAsync(device.Client);

        // Every attempt reaches the ledger and posts (the first) or replays (the retries), but no answer comes back.
        device.Network.LoseNextAnswers(3);
        var lost = await device.Offline.SubmitAsync(OfflineWrite.Of(TransactionRequest.Mint(user, 25, "credit_purchase")));
        var replay = await device.Offline.ReplayAsync();

        Assert.Equal((WriteState.Pending, ReplayStop.Unreachable), (lost.State, lost.Replay.Stop));
        Assert.Equal(lost.Write.IdempotencyKey, Assert.Single(replay.Confirmed).IdempotencyKey);
        Assert.Equal(25, Assert.Single((await device.Client.ListEntriesAsync(user)).Entries).Amount);
        Assert.Equal(25, (await device.Client.GetBalanceAsync(user)).Amount);
    }

    [Fact]
    public async Task A_write_refused_on_replay_is_reported_with_its_original_request_and_never_sent_again()
    {
        using var queue = new QueuePath();
        using var device = new SimulatedDevice(_host, queue.Path);
        var user = await OpenAsync(device.Client);
        await device.Client.PostTransactionAsync(TransactionRequest.Mint(user, 10, "credit_purchase"));
        device.Network.GoDown();
        var overdraw = TransactionRequest.Burn(user, 50, "creator_payout") with { IdempotencyKey = "payout-" + user };
        await device.Offline.SubmitAsync(OfflineWrite.Of(overdraw));
        await device.Offline.SubmitAsync(OfflineWrite.Of(TransactionRequest.Mint(user, 3, "daily_bonus")));
        var settled = new List<QueuedWrite>();
        device.Offline.Settled += settled.Add;

        device.Network.ComeBack();
        var replay = await device.Offline.ReplayAsync();
        var sentBefore = device.Network.Requests;
        var again = await device.Offline.ReplayAsync();

        var refused = Assert.Single(replay.Refused);
        Assert.Equal(("insufficient_funds", 422), (refused.Problem!.Code, refused.Problem.Status));
        Assert.Equal(overdraw, ((QueuedTransaction)refused.Write).Request);
        Assert.Equal(refused, Assert.Single(device.Offline.Refused()));
        Assert.Equal(3, ((QueuedTransaction)Assert.Single(replay.Confirmed).Write).Request.Amount);
        Assert.Equal([WriteState.Refused, WriteState.Confirmed], settled.Select(write => write.State));
        Assert.Equal((ReplayStop.Drained, sentBefore), (again.Stop, device.Network.Requests));
        Assert.Equal(13, (await device.Client.GetBalanceAsync(user)).Amount);
    }

    [Fact]
    public async Task The_local_view_adds_the_queued_effects_to_the_last_known_balance_and_marks_it_unconfirmed()
    {
        using var queue = new QueuePath();
        using var device = new SimulatedDevice(_host, queue.Path);
        var (user, creator) = (await OpenAsync(device.Client), await OpenAsync(device.Client, "creator"));
        await device.Offline.SubmitAsync(OfflineWrite.Of(TransactionRequest.Mint(user, 100, "credit_purchase")));
        Assert.True(await device.Offline.TryRefreshBalanceAsync(creator));
        device.Network.GoDown();

        await device.Offline.SubmitAsync(OfflineWrite.Of(new TransferRequest { From = user, To = creator, Amount = 30, Reason = "content_unlock" }));
        await device.Offline.SubmitAsync(OfflineWrite.Of(TransactionRequest.ApplyOperation(user, "DAILY_REWARD")));
        await device.Offline.SubmitAsync(OfflineWrite.Of(TransactionRequest.ApplyOperation(user, "APP_ONLY_OPERATION", 7)));
        var offline = device.Offline.GetLocalBalance(user);
        var creatorOffline = device.Offline.GetLocalBalance(creator);

        Assert.Equal((100L, -29L, 3, true, false), (offline.LastKnownBalance!.Value, offline.PendingDelta, offline.PendingWrites, offline.HasUnknownEffects, offline.IsConfirmed));
        Assert.Equal(71, offline.Balance);
        Assert.Equal((0L, 30L, 30L, false), (creatorOffline.LastKnownBalance!.Value, creatorOffline.PendingDelta, creatorOffline.Balance!.Value, creatorOffline.IsConfirmed));

        device.Network.ComeBack();
        var replay = await device.Offline.ReplayAsync();
        var online = device.Offline.GetLocalBalance(user);

        Assert.Equal(ReplayStop.Drained, replay.Stop);
        Assert.Equal("unknown_operation", Assert.Single(replay.Refused).Problem!.Code);
        Assert.Equal((71L, 0, true), (online.Balance!.Value, online.PendingWrites, online.IsConfirmed));
        Assert.Equal(30, device.Offline.GetLocalBalance(creator).Balance);
        Assert.Equal(71, (await device.Client.GetBalanceAsync(user)).Amount);
    }

    [Fact]
    public async Task A_device_finds_the_queue_it_shares_being_replayed_by_another_and_leaves_it_alone()
    {
        using var queue = new QueuePath();
        using var first = new SimulatedDevice(_host, queue.Path, new OfflineLedgerOptions { DeviceId = "phone" });
        using var second = new SimulatedDevice(_host, queue.Path, new OfflineLedgerOptions { DeviceId = "tablet" });
        var user = await OpenAsync(first.Client);
        first.Offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(user, 1, "credit_purchase")));
        first.Offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(user, 2, "credit_purchase")));

        // The phone's replay is stuck on its first send (its network hangs) while the tablet tries to replay.
        var hang = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var phone = HangingReplay(first, hang, release);
        await hang.Task;
        var tablet = await second.Offline.ReplayAsync();
        release.SetResult();
        var phoneReport = await phone;

        Assert.Equal((ReplayStop.ReplayedElsewhere, 0), (tablet.Stop, tablet.Confirmed.Count));
        Assert.Equal(0, second.Network.Requests);
        Assert.Equal((ReplayStop.Drained, 2), (phoneReport.Stop, phoneReport.Confirmed.Count));
        Assert.Equal(3, (await first.Client.GetBalanceAsync(user)).Amount);
    }

    [Fact]
    public async Task A_device_waiting_for_its_turn_neither_takes_nor_waits_for_the_write_lock_of_the_replaying_one()
    {
        using var queue = new QueuePath();
        using var first = new SimulatedDevice(_host, queue.Path, new OfflineLedgerOptions { DeviceId = "phone" });
        using var second = new SimulatedDevice(_host, queue.Path, new OfflineLedgerOptions { DeviceId = "tablet" });
        var user = await OpenAsync(first.Client);
        first.Offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(user, 4, "credit_purchase")));
        var hang = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var phone = HangingReplay(first, hang, release);
        await hang.Task;

        // The phone holds the lease and is committing (the file's write lock is taken) while the tablet looks for its turn.
        using (var committing = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = queue.Path, Pooling = false }.ToString()))
        {
            committing.Open();
            using var transaction = committing.BeginTransaction(deferred: false);
            var tablet = await Task.Run(() => second.Offline.ReplayAsync()).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(ReplayStop.ReplayedElsewhere, tablet.Stop);
        }

        release.SetResult();
        Assert.Equal((ReplayStop.Drained, 1), ((await phone).Stop, (await phone).Confirmed.Count));
        Assert.Equal(0, second.Network.Requests);
    }

    [Fact]
    public async Task Two_devices_sending_the_same_row_after_a_lease_ran_out_still_post_it_once()
    {
        using var queue = new QueuePath();
        var clock = new ManualClock();
        using var first = new SimulatedDevice(_host, queue.Path, new OfflineLedgerOptions { DeviceId = "phone", TimeProvider = clock, ReplayLease = TimeSpan.FromSeconds(5) });
        using var second = new SimulatedDevice(_host, queue.Path, new OfflineLedgerOptions { DeviceId = "tablet", TimeProvider = clock, ReplayLease = TimeSpan.FromSeconds(5) });
        var user = await OpenAsync(first.Client);
        first.Offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(user, 9, "credit_purchase")));
        var phoneSentBefore = first.Network.Requests;

        // The phone sends the row and stalls before it can settle it; its lease runs out and the tablet takes over.
        var hang = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var phone = HangingReplay(first, hang, release, afterSending: true);
        await hang.Task;
        clock.Advance(TimeSpan.FromSeconds(6));
        var tablet = await second.Offline.ReplayAsync();
        release.SetResult();
        var phoneReport = await phone;

        Assert.Equal((1, 1), (first.Network.Requests - phoneSentBefore, second.Network.Requests));
        Assert.Equal(ReplayStop.Drained, tablet.Stop);
        var entry = Assert.Single((await first.Client.ListEntriesAsync(user)).Entries);
        Assert.Contains(entry.TransactionId, Assert.Single(tablet.Confirmed).ResponseJson);
        Assert.Equal((ReplayStop.Drained, 0), (phoneReport.Stop, phoneReport.Confirmed.Count));
        Assert.Equal(9, entry.Amount);
    }

    /// <summary>Replays <paramref name="device"/>'s queue with its first request held (before or after it reached the ledger) until released.</summary>
    private static Task<ReplayReport> HangingReplay(SimulatedDevice device, TaskCompletionSource hang, TaskCompletionSource release, bool afterSending = false)
    {
        device.Network.Hold(hang, release, afterSending);
        return Task.Run(() => device.Offline.ReplayAsync());
    }

    private static async Task<string> OpenAsync(LedgerClient client, string prefix = "user")
    {
        var account = Ids.Account(prefix);
        await client.OpenAccountAsync(new OpenAccountRequest { OwnerId = account, AccountId = account });
        return account;
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
