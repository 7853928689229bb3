using Ledger.Client;
using Ledger.Client.Offline;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Client.Offline.Device;

/// <summary>
/// <c>enqueue QUEUE ACCOUNT</c>: appends mints of 1, 2, 3… to ACCOUNT forever, printing each sequence once its
/// row is committed (a line on stdout is a promise the row is on disk).
/// <c>replay QUEUE URL API_KEY</c>: replays the queue against the ledger until it is drained and prints
/// <c>confirmed N</c>, the writes this device sent and saw confirmed.
/// </summary>
public static class DeviceProgram
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["enqueue", var queue, var account]:
                Enqueue(queue, account);
                return 0;
            case ["replay", var queue, var url, var apiKey]:
                return await ReplayAsync(queue, new Uri(url), apiKey);
            default:
                await Console.Error.WriteLineAsync("usage: enqueue QUEUE ACCOUNT | replay QUEUE URL API_KEY");
                return 2;
        }
    }

    private static void Enqueue(string queue, string account)
    {
        // No ledger is reachable here: the address is never used, only the queue file.
        var offline = new OfflineLedger(queue, new LedgerClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") }));
        var next = offline.All().Count + 1;
        while (true)
        {
            var written = offline.Enqueue(OfflineWrite.Of(TransactionRequest.Mint(account, next, "credit_purchase")));
            Console.Out.WriteLine(written.Sequence);
            Console.Out.Flush();
            next++;
        }
    }

    private static async Task<int> ReplayAsync(string queue, Uri url, string apiKey)
    {
        var services = new ServiceCollection();
        services.AddLedgerClient(options => (options.BaseAddress, options.ApiKey) = (url, apiKey));
        await using var provider = services.BuildServiceProvider();
        var offline = new OfflineLedger(queue, provider.GetRequiredService<LedgerClient>());
        var confirmed = 0;
        var pending = offline.Pending().Count;
        var lastProgress = System.Diagnostics.Stopwatch.StartNew();

        // Gives up only when no device has settled a write for a while: how long a whole drain takes depends on
        // the machine, and while the other device replays this one only waits for its turn.
        while (lastProgress.Elapsed < TimeSpan.FromSeconds(30))
        {
            var report = await offline.ReplayAsync();
            confirmed += report.Confirmed.Count;
            var left = offline.Pending().Count;
            if (left == 0)
            {
                Console.Out.WriteLine($"confirmed {confirmed}");
                return 0;
            }

            if (left < pending)
            {
                (pending, lastProgress) = (left, System.Diagnostics.Stopwatch.StartNew());
            }

            // The other device holds the lease, or the ledger is busy: try again shortly.
            await Task.Delay(50);
        }

        Console.Out.WriteLine($"confirmed {confirmed} (gave up with writes pending)");
        return 1;
    }
}
