using System.Collections.Concurrent;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Storage;
using Ledger.Store.Sqlite;

namespace Ledger.Host.Tests.Transfers;

/// <summary>
/// Invariants 6 and 7 with a real process: the built host is SIGKILLed while transfers between
/// a few accounts are in flight, right after some were acknowledged, then started again on the same data
/// directory. The host re-drives unfinished transfers at start-up; every transfer must end posted or voided
/// (or never have been reserved), every acknowledged one must be there, and the balances must add up.
/// </summary>
public sealed class TransferKillTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Requests in flight at once: below the host's in-flight bound, so none is shed and the kill finds some in flight.</summary>
    private const int Senders = 32;

    private sealed record Sent(string Key, string From, string To, long Amount, string TransferId)
    {
        /// <summary>Whether the request went out; those that did not are never reserved.</summary>
        public bool Started { get; set; }

        public int Status { get; set; }
    }

    [Fact]
    public async Task Transfers_in_flight_when_the_host_is_killed_are_all_final_after_a_restart_and_the_balances_add_up()
    {
        using var data = new TemporaryDirectory();
        var port = HostProcess.FreePort();
        var accounts = new List<string>();
        var sent = new List<Sent>();
        var random = new Random(20261121);

        await using (var first = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = new LedgerClient(first.CreateClient());
            for (var index = 0; index < 6; index++)
            {
                var account = await client.OpenAccountAsync(Ids.Owner($"k{index}"));
                await client.MintAsync(account, 1000);
                accounts.Add(account);
            }

            for (var index = 0; index < 400; index++)
            {
                var from = accounts[random.Next(accounts.Count)];
                var to = accounts[(accounts.IndexOf(from) + 1 + random.Next(accounts.Count - 1)) % accounts.Count];
                var key = Ids.Nonce();
                sent.Add(new Sent(key, from, to, 1 + random.Next(40), TransferId.Derive(AppId.From("app1"), IdempotencyKey.From(key), "transfer", AccountId.From(from)).Value));
            }

            // Each sender posts the next transfer as soon as its last one is answered, until the kill cuts
            // it off, so requests are always in flight; the kill comes right after the tenth
            // acknowledgement. (Sending all 400 at once let the in-flight bound shed most of them at
            // once, and sometimes every request was answered before the kill landed.)
            var acknowledged = 0;
            var next = -1;
            var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
            {
                for (var index = Interlocked.Increment(ref next); index < sent.Count; index = Interlocked.Increment(ref next))
                {
                    var transfer = sent[index];
                    transfer.Started = true;
                    try
                    {
                        var response = await client.PostAsync("/transfers", TransferApi.Transfer(transfer.From, transfer.To, transfer.Amount, nonce: transfer.Key));
                        transfer.Status = response.Status;
                        if (response.Status is 201 or 202 && Interlocked.Increment(ref acknowledged) == 10)
                        {
                            killNow.TrySetResult();
                        }
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // Cut off by the kill: the client never learned the outcome.
                        return;
                    }
                }
            })).ToArray();

            await Task.WhenAny(killNow.Task, Task.WhenAll(senders));
            await first.KillAsync();
            await Task.WhenAll(senders);
        }

        var acknowledgedBeforeKill = sent.Where(transfer => transfer.Status is 201 or 202).ToArray();
        Assert.True(acknowledgedBeforeKill.Length >= 10, $"only {acknowledgedBeforeKill.Length} acknowledged");
        Assert.Contains(sent, transfer => transfer.Started && transfer.Status == 0);

        var states = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await using (var second = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = new LedgerClient(second.CreateClient());

            // The host re-drives at start-up: each transfer ends final, or was never reserved (404).
            foreach (var transfer in sent)
            {
                var final = await TransferApi.PollAsync(client, $"/transfers/{transfer.TransferId}", response =>
                    response.Status == 404 || (response.Status == 200 && response.State() is "posted" or "voided"));
                states[transfer.TransferId] = final.Status == 404 ? "absent" : final.State();
            }

            // What was acknowledged survived: a 201 was posted before the reply, a 202 was at least reserved.
            Assert.All(acknowledgedBeforeKill, transfer => Assert.NotEqual("absent", states[transfer.TransferId]));
            Assert.All(acknowledgedBeforeKill.Where(transfer => transfer.Status == 201), transfer => Assert.Equal("posted", states[transfer.TransferId]));

            // Balances: each is 1000 less what it sent plus what it received, by posted transfers; nothing pending.
            long total = 0;
            foreach (var account in accounts)
            {
                var expected = 1000
                    - sent.Where(transfer => transfer.From == account && states[transfer.TransferId] == "posted").Sum(transfer => transfer.Amount)
                    + sent.Where(transfer => transfer.To == account && states[transfer.TransferId] == "posted").Sum(transfer => transfer.Amount);
                var (balance, pending, _) = await TransferApi.BalanceAsync(client, account);
                Assert.Equal(expected, balance);
                Assert.Equal(0, pending);
                total += balance;
            }

            Assert.Equal(6000, total);

            // Replays of the acknowledged requests answer the same transfer and move nothing more.
            foreach (var transfer in acknowledgedBeforeKill.Take(20))
            {
                var replay = await client.PostAsync("/transfers", TransferApi.Transfer(transfer.From, transfer.To, transfer.Amount, nonce: transfer.Key));
                Assert.True(replay.Status == 201, replay.ToString());
                Assert.Equal(transfer.TransferId, replay.Id());
                Assert.Equal(states[transfer.TransferId], replay.State());
            }

            Assert.Equal(6000, (await Task.WhenAll(accounts.Select(account => TransferApi.BalanceAsync(client, account)))).Sum(balance => balance.Balance));
            output.WriteLine(
                $"{sent.Count(transfer => transfer.Started)} sent, {acknowledgedBeforeKill.Length} acknowledged before the kill ({sent.Count(transfer => transfer.Status == 422)} refused, {sent.Count(transfer => transfer.Started && transfer.Status == 0)} cut off); " +
                $"after the restart {states.Values.Count(state => state == "posted")} posted, {states.Values.Count(state => state == "voided")} voided, {states.Values.Count(state => state == "absent")} never reserved; " +
                $"{sent.Count(transfer => transfer.Started && transfer.Status == 0 && states[transfer.TransferId] == "posted")} of the cut-off ones were posted.");
        }

        // The data directory itself: no transfer is left open, and each account's entries add up to its balance.
        await using var store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = data.Path });
        var open = await store.QueryIndexAsync(new IndexQuery(DocumentTypes.Transfer, DocumentTypes.OpenTransferIndexKey, prefix: true, continuation: null, limit: 100), CancellationToken.None);
        Assert.Empty(open.Documents);
        foreach (var account in accounts)
        {
            var partition = DocumentTypes.AccountPartition(AppId.From("app1"), AccountId.From(account));
            var transfers = await store.ReadRangeAsync(new RangeQuery(partition, DocumentTypes.Transfer, null, null, descending: false, limit: 1000), CancellationToken.None);
            Assert.All(transfers, document => Assert.Contains(DocumentCodec.Decode(document, LedgerDocumentJsonContext.Documents.TransferDocument).State, new[] { "posted", "voided" }));
            var entries = await store.ReadRangeAsync(new RangeQuery(partition, DocumentTypes.Entry, null, null, descending: false, limit: 1000), CancellationToken.None);
            var stored = DocumentCodec.Decode(
                (await store.ReadAsync(partition, DocumentTypes.AccountDocumentId, CancellationToken.None))!,
                LedgerDocumentJsonContext.Documents.AccountDocument);
            Assert.Equal(stored.Balance, entries.Sum(entry => DocumentCodec.Decode(entry, LedgerDocumentJsonContext.Documents.EntryDocument).Amount));
        }
    }
}
