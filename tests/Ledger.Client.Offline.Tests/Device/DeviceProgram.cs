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
        for (var round = 0; round < 600; round++)
        {
            var report = await offline.ReplayAsync();
            confirmed += report.Confirmed.Count;
            if (offline.Pending().Count == 0)
            {
                Console.Out.WriteLine($"confirmed {confirmed}");
                return 0;
            }

            // The other device holds the lease, or the ledger is busy: try again shortly.
            await Task.Delay(50);
        }

        Console.Out.WriteLine($"confirmed {confirmed} (gave up with writes pending)");
        return 1;
    }
}
