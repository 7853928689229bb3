using Ledger.Client.Offline.Device;
using Ledger.Client.Offline.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Offline.Tests;

/// <summary>
/// The offline queue across real crashes: the ledger host stopped (SIGTERM) or killed (SIGKILL) while a
/// replay is sending, the device killed while it enqueues, and two device processes replaying one file.
/// </summary>
[Collection(nameof(RealProcesses))]
public sealed class RealProcessTests
{
    private const int QueuedWrites = 200;
    private const int SettledBeforeTheCrash = 20;

    [Fact]
    public Task A_ledger_stopped_and_restarted_in_the_middle_of_a_replay_takes_every_queued_write_once_in_order()
        => ReplayAcrossAnOutageAsync(ledger => ledger.StopAsync());

    [Fact]
    public Task A_ledger_killed_with_SIGKILL_in_the_middle_of_a_replay_takes_every_queued_write_once_in_order()
        => ReplayAcrossAnOutageAsync(ledger => ledger.KillAsync());

    [Fact]
    public async Task A_device_killed_while_enqueueing_leaves_every_promised_write_whole_and_in_order()
    {
        using var queue = new QueuePath();
        for (var round = 1; round <= 3; round++)
        {
            var before = Rows(queue.Path).Count;
            await using var device = ChildProcess.Start(DeviceAssembly, ["enqueue", queue.Path, "user-killed"]);
            await device.WaitForLinesAsync(100);
            await device.KillAsync();
            var promised = long.Parse(device.Lines[^1], System.Globalization.CultureInfo.InvariantCulture);

            Assert.Equal("ok", IntegrityCheck(queue.Path));
            var rows = Rows(queue.Path);
            Assert.InRange(rows.Count, promised, promised + 1);
            Assert.True(rows.Count >= before + 100, $"round {round}: {rows.Count} rows after {before}");
            Assert.Equal(Enumerable.Range(1, rows.Count).Select(sequence => (long)sequence), rows.Select(row => row.Sequence));
            Assert.All(rows, row => Assert.Equal(row.Sequence, ((QueuedTransaction)row.Write).Request.Amount));
            Assert.Equal(rows.Count, rows.Select(row => row.IdempotencyKey).Distinct().Count());
        }
    }

    [Fact]
    public async Task Two_device_processes_replaying_one_queue_file_send_each_write_once()
    {
        await using var ledger = new RealLedger();
        await ledger.StartAsync();
        using var queue = new QueuePath();
        using var services = ClientServices(ledger);
        var client = services.GetRequiredService<LedgerClient>();
        var user = await OpenAsync(client);
        var offline = new OfflineLedger(queue.Path, client);
        for (var amount = 1; amount <= QueuedWrites; amount++)
        {
            offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(user, amount, "credit_purchase")));
        }

        await using var phone = ChildProcess.Start(DeviceAssembly, ["replay", queue.Path, ledger.BaseAddress.ToString(), RealLedger.ApiKey]);
        await using var tablet = ChildProcess.Start(DeviceAssembly, ["replay", queue.Path, ledger.BaseAddress.ToString(), RealLedger.ApiKey]);
        Assert.True(await phone.WaitForExitAsync() == 0, phone.Output);
        Assert.True(await tablet.WaitForExitAsync() == 0, tablet.Output);

        var confirmedByEach = new[] { phone, tablet }.Select(device => int.Parse(device.Lines.Single(line => line.StartsWith("confirmed ", StringComparison.Ordinal))["confirmed ".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(QueuedWrites, confirmedByEach.Sum());
        await AssertEachWritePostedOnceInOrderAsync(client, user, offline);
    }

    private static async Task ReplayAcrossAnOutageAsync(Func<RealLedger, Task> outage)
    {
        await using var ledger = new RealLedger();
        await ledger.StartAsync();
        using var queue = new QueuePath();
        using var services = ClientServices(ledger);
        var client = services.GetRequiredService<LedgerClient>();
        var user = await OpenAsync(client);
        var offline = new OfflineLedger(queue.Path, client);
        for (var amount = 1; amount <= QueuedWrites; amount++)
        {
            offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(user, amount, "credit_purchase")));
        }

        var settled = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        offline.Settled += _ =>
        {
            if (Interlocked.Increment(ref settled) == SettledBeforeTheCrash)
            {
                enough.TrySetResult();
            }
        };

        // The outage strikes while the replay goes on sending: a write may be in flight, applied or not.
        var replay = Task.Run(() => offline.ReplayAsync());
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await outage(ledger);
        var interrupted = await replay.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains(interrupted.Stop, new[] { ReplayStop.Unreachable, ReplayStop.LedgerBusy });
        Assert.InRange(interrupted.Confirmed.Count, SettledBeforeTheCrash, QueuedWrites - 1);
        Assert.NotEmpty(offline.Pending());

        await ledger.StartAsync();
        for (var attempt = 0; attempt < 100 && offline.Pending().Count > 0; attempt++)
        {
            var resumed = await offline.ReplayAsync();
            Assert.Empty(resumed.Refused);
            await Task.Delay(resumed.Stop == ReplayStop.Drained ? 0 : 200);
        }

        await AssertEachWritePostedOnceInOrderAsync(client, user, offline);
    }

    private static async Task AssertEachWritePostedOnceInOrderAsync(LedgerClient client, string user, OfflineLedger offline)
    {
        Assert.All(offline.All(), write => Assert.Equal(WriteState.Confirmed, write.State));
        var entries = await client.EnumerateEntriesAsync(user, pageSize: 100).ToListAsync();
        Assert.Equal(Enumerable.Range(1, QueuedWrites).Select(amount => (long)amount), entries.Select(entry => entry.Amount).Reverse());
        Assert.Equal(QueuedWrites * (QueuedWrites + 1) / 2, (await client.GetBalanceAsync(user)).Amount);
    }

    private static ServiceProvider ClientServices(RealLedger ledger)
    {
        var services = new ServiceCollection();
        services.AddLedgerClient(options =>
        {
            (options.BaseAddress, options.ApiKey) = (ledger.BaseAddress, RealLedger.ApiKey);
            (options.MaxRetries, options.RetryDelay, options.AttemptTimeout, options.TotalTimeout) = (1, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(12));
        });
        return services.BuildServiceProvider();
    }

    private static async Task<string> OpenAsync(LedgerClient client)
    {
        var account = "user-" + Guid.NewGuid().ToString("N");
        await client.OpenAccountAsync(new OpenAccountRequest { OwnerId = account, AccountId = account });
        return account;
    }

    private static string DeviceAssembly => typeof(DeviceProgram).Assembly.Location;

    private static IReadOnlyList<QueuedWrite> Rows(string path)
        => new OfflineLedger(path, new LedgerClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") })).All();

    private static string IntegrityCheck(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }
}

/// <summary>Real processes run one test at a time, so their start-up and timing are not slowed by each other.</summary>
[CollectionDefinition(nameof(RealProcesses), DisableParallelization = true)]
public sealed class RealProcesses;
