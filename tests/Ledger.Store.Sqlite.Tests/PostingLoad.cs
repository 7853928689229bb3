using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ledger.Storage;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>
/// Writes what the engine writes for a keyed posting, many at once: the idempotency claim in its own
/// partition, then the account's batch (its replaced account document and a new entry). It measures the
/// store's write amplification: WAL pages written per posting, from the writer's own counter, and, run
/// under <c>strace -f -e trace=pwrite64,fdatasync</c>, from the system calls themselves.
/// </summary>
internal static class PostingLoad
{
    public const string Command = "posting-load";

    private static readonly byte[] ClaimBody = Body(180);
    private static readonly byte[] AccountBody = Body(260);
    private static readonly byte[] EntryBody = Body(420);

    /// <summary>The measured figures of one run.</summary>
    public readonly record struct Measurement(int Postings, long Transactions, long WalPages, TimeSpan Elapsed)
    {
        public double PagesPerPosting => (double)WalPages / Postings;

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"postings={Postings} seconds={Elapsed.TotalSeconds:F2} postings/s={Postings / Elapsed.TotalSeconds:F0} transactions={Transactions} wal_pages={WalPages} pages/posting={PagesPerPosting:F2} postings/transaction={(double)Postings / Transactions:F1}");
    }

    public static async Task<int> RunAsync(string dataDirectory, int postings, int accounts, int concurrency, bool atomic)
    {
        await using var store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = dataDirectory });
        await Console.Out.WriteLineAsync((await MeasureAsync(store, postings, accounts, concurrency, atomic)).ToString());
        return 0;
    }

    /// <summary>
    /// Opens the accounts, then runs the postings through <paramref name="concurrency"/> writers; with
    /// <paramref name="atomic"/> each posting's claim and account batch are one multi-partition commit.
    /// </summary>
    public static async Task<Measurement> MeasureAsync(SqliteLedgerStore store, int postings, int accounts, int concurrency, bool atomic = false)
    {
        var etags = new string[accounts];
        var gates = new SemaphoreSlim[accounts];
        for (var account = 0; account < accounts; account++)
        {
            gates[account] = new SemaphoreSlim(1, 1);
            var opened = await store.CommitAsync(
                new PartitionBatch(AccountPartition(account), DocumentWrite.Create("account", "account", AccountBody, indexKey: $"app-1|owner-{account % 97}")),
                CancellationToken.None);
            etags[account] = opened.ETags[0];
        }

        var pagesBefore = store.WalPagesWritten;
        var transactionsBefore = store.WriteTransactionCount;
        var next = -1;
        var clock = Stopwatch.StartNew();
        var writers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (var number = Interlocked.Increment(ref next); number < postings; number = Interlocked.Increment(ref next))
            {
                await PostAsync(store, number, (int)((uint)(number * 7919) % (uint)accounts), etags, gates, atomic);
            }
        }));
        await Task.WhenAll(writers);
        return new Measurement(postings, store.WriteTransactionCount - transactionsBefore, store.WalPagesWritten - pagesBefore, clock.Elapsed);
    }

    private static async Task PostAsync(SqliteLedgerStore store, int number, int account, string[] etags, SemaphoreSlim[] gates, bool atomic)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(number)));
        var claim = new PartitionBatch($"idem/app-1/{key}", DocumentWrite.Create("claim", "idempotency_claim", ClaimBody));
        if (!atomic)
        {
            Require(await store.CommitAsync(claim, CancellationToken.None));
        }

        // Like the engine's partition pipeline, one account's batches go one at a time.
        await gates[account].WaitAsync();
        try
        {
            var posting = new PartitionBatch(
                AccountPartition(account),
                DocumentWrite.Replace("account", "account", AccountBody, etags[account], indexKey: $"app-1|owner-{account % 97}"),
                DocumentWrite.Create($"tx:{key[..32]}", "entry", EntryBody, sortKey: number));
            if (atomic)
            {
                var both = await store.CommitAtomicallyAsync([claim, posting], CancellationToken.None);
                Require(both.IsCommitted ? both.Batches[1] : BatchResult.Failure(both.Outcome, both.FailedWriteIndex));
                etags[account] = both.Batches[1].ETags[0];
            }
            else
            {
                var committed = await store.CommitAsync(posting, CancellationToken.None);
                Require(committed);
                etags[account] = committed.ETags[0];
            }
        }
        finally
        {
            gates[account].Release();
        }
    }

    private static string AccountPartition(int account) => $"app-1/account-{account:D6}";

    private static void Require(BatchResult result)
    {
        if (!result.IsCommitted)
        {
            throw new InvalidOperationException($"A load write failed with {result.Outcome} at write {result.FailedWriteIndex}.");
        }
    }

    private static byte[] Body(int length)
    {
        var text = new StringBuilder("{\"filler\":\"");
        while (text.Length < length - 2)
        {
            text.Append((char)('a' + (text.Length % 26)));
        }

        return Encoding.UTF8.GetBytes(text.Append("\"}").ToString());
    }
}
