using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>Everything the audit read: every account of the app, its entries, and every transfer, hold and refund.</summary>
internal sealed record AuditReport(
    IReadOnlyDictionary<string, AccountState> Accounts,
    IReadOnlyDictionary<string, IReadOnlyList<EntryDocument>> Entries,
    IReadOnlyDictionary<string, TransferDocument> Transfers,
    int OpenIndexed)
{
    public IEnumerable<TransferDocument> Open => Transfers.Values.Where(transfer => transfer.State is "reserved" or "crediting");

    public long SumOfBalances => Accounts.Values.Sum(account => account.Balance);

    public TransferDocument Transfer(string id) => Transfers[id];

    public int CreditEntriesOf(string transferId)
        => Entries.Values.SelectMany(entries => entries).Count(entry => entry.TransferId == transferId && entry.Kind == "transfer_credit");

    public int DebitEntriesOf(string transferId)
        => Entries.Values.SelectMany(entries => entries).Count(entry => entry.TransferId == transferId && entry.Kind == "transfer_debit");
}

/// <summary>
/// Reads the whole ledger of one app through the engine's public API and the store's range reads and
/// index queries, and checks every invariant of the design that holds at a quiescent point:
/// legs of every transaction sum to zero (a transfer's across its two partitions), each balance is the
/// sum of its entries, available never goes below the floor, pending debits are exactly the open
/// reservations, the destination of a transfer is credited at most once and only when the transfer is
/// posted (or being posted), refunds never exceed what they refund, and the sum of all balances is
/// minted − burned, plus whatever a half-finished transfer has credited but not yet debited.
/// </summary>
internal static class LedgerAudit
{
    public static async Task<AuditReport> CheckAsync(LedgerEngine engine, AppId app, long issued)
    {
        var store = engine.Store;
        var none = CancellationToken.None;

        var accounts = new Dictionary<string, AccountState>(StringComparer.Ordinal);
        string? continuation = null;
        do
        {
            var page = await store.QueryIndexAsync(new IndexQuery(DocumentTypes.Account, DocumentTypes.AppIndexPrefix(app), prefix: true, continuation, StoreLimits.MaxPageSize), none);
            foreach (var document in page.Documents)
            {
                var account = DocumentCodec.Decode(document, LedgerDocumentJsonContext.Default.AccountDocument).ToState();
                accounts.Add(account.Id.Value, account);
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);

        var entries = new Dictionary<string, IReadOnlyList<EntryDocument>>(StringComparer.Ordinal);
        var transfers = new Dictionary<string, TransferDocument>(StringComparer.Ordinal);
        var trackers = new Dictionary<(string Partition, string RefundedId), RefundTrackerDocument>();
        var refusals = new List<(string Account, CreditRefusalDocument Refusal)>();
        foreach (var account in accounts.Values)
        {
            var partition = DocumentTypes.AccountPartition(app, account.Id);
            var list = new List<EntryDocument>();
            string? cursor = null;
            do
            {
                var page = Expect.Success(await engine.GetEntriesAsync(app, account.Id, cursor, LedgerEngine.MaxPageSize, none));
                list.AddRange(page.Entries);
                cursor = page.NextCursor;
            }
            while (cursor is not null);

            entries.Add(account.Id.Value, list);

            foreach (var document in await ReadAllOfTypeAsync(store, partition, DocumentTypes.Transfer))
            {
                var transfer = DocumentCodec.Decode(document, LedgerDocumentJsonContext.Default.TransferDocument);
                Assert.Equal(account.Id.Value, transfer.From);
                transfers.Add(transfer.TransferId, transfer);
            }

            foreach (var document in await ReadAllOfTypeAsync(store, partition, DocumentTypes.RefundTracker))
            {
                var tracker = DocumentCodec.Decode(document, LedgerDocumentJsonContext.Default.RefundTrackerDocument);
                trackers.Add((account.Id.Value, tracker.RefundedId), tracker);
            }

            foreach (var document in await ReadAllOfTypeAsync(store, partition, DocumentTypes.CreditRefusal))
            {
                refusals.Add((account.Id.Value, DocumentCodec.Decode(document, LedgerDocumentJsonContext.Default.CreditRefusalDocument)));
            }
        }

        var openIndexed = 0;
        continuation = null;
        do
        {
            var page = await store.QueryIndexAsync(new IndexQuery(DocumentTypes.Transfer, DocumentTypes.OpenTransferIndexKey, prefix: true, continuation, StoreLimits.MaxPageSize), none);
            foreach (var document in page.Documents.Where(document => document.Partition.StartsWith(app.Value + "/", StringComparison.Ordinal)))
            {
                var open = DocumentCodec.Decode(document, LedgerDocumentJsonContext.Default.TransferDocument);
                Assert.True(open.State is "reserved" or "crediting", $"Transfer {open.TransferId} is {open.State} but still indexed as open.");
                openIndexed++;
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);

        var report = new AuditReport(accounts, entries, transfers, openIndexed);
        Assert.Equal(report.Open.Count(), openIndexed);

        // Each account: balance = sum of its legs, entries numbered 1..n, available ≥ floor, pending = open reservations.
        foreach (var account in accounts.Values)
        {
            var own = entries[account.Id.Value];
            Assert.Equal(account.Balance, own.Sum(entry => entry.Amount));
            Assert.Equal(account.Balance, own.SelectMany(entry => entry.Legs).Where(leg => leg.AccountId == account.Id.Value).Sum(leg => leg.Amount));
            Assert.Equal(account.IssuanceContraBalance, own.SelectMany(entry => entry.Legs).Where(leg => leg.AccountId == AccountId.Issuance.Value).Sum(leg => leg.Amount));
            Assert.Equal(Enumerable.Range(1, own.Count).Reverse().Select(sequence => (long)sequence), own.Select(entry => entry.Sequence));
            Assert.Equal(account.LastSequence, own.Count);
            Assert.True(account.Available >= account.Floor, $"{account.Id} has {account.Available} available, below its floor {account.Floor}.");
            var reserved = transfers.Values.Where(transfer => transfer.From == account.Id.Value && transfer.State is "reserved" or "crediting").Sum(transfer => transfer.Amount);
            Assert.True(account.PendingDebits == reserved, $"{account.Id} has {account.PendingDebits} pending but its open transfers reserve {reserved}.");
        }

        // Each transaction: legs sum to zero. Postings carry both legs in one entry; a transfer's legs are
        // the debit in the source and the credit in the destination, under one transaction id.
        var allEntries = entries.Values.SelectMany(list => list).ToArray();
        foreach (var entry in allEntries.Where(entry => entry.TransferId is null))
        {
            Assert.Equal(0, entry.Legs.Sum(leg => leg.Amount));
        }

        foreach (var entry in allEntries.Where(entry => entry.TransferId is not null))
        {
            Assert.True(transfers.ContainsKey(entry.TransferId!), $"Entry {entry.TransactionId} in {entry.AccountId} belongs to no known transfer {entry.TransferId}.");
        }

        long creditedNotDebited = 0;
        foreach (var transfer in transfers.Values)
        {
            var legs = allEntries.Where(entry => entry.TransferId == transfer.TransferId).ToArray();
            var credits = legs.Where(entry => entry.Kind == "transfer_credit").ToArray();
            var debits = legs.Where(entry => entry.Kind == "transfer_debit").ToArray();
            Assert.All(legs, leg => Assert.Equal(transfer.TransactionId, leg.TransactionId));
            Assert.All(credits, credit => Assert.Equal(transfer.To, credit.AccountId));
            Assert.All(debits, debit => Assert.Equal(transfer.From, debit.AccountId));
            Assert.True(credits.Length <= 1, $"Transfer {transfer.TransferId} credited {credits.Length} times.");
            Assert.True(debits.Length <= 1, $"Transfer {transfer.TransferId} debited {debits.Length} times.");
            switch (transfer.State)
            {
                case "posted":
                    Assert.True(credits.Length == 1 && debits.Length == 1, $"Posted transfer {transfer.TransferId} has {credits.Length} credits and {debits.Length} debits.");
                    Assert.Equal(transfer.SettleAmount, credits[0].Amount);
                    Assert.Equal(-transfer.SettleAmount, debits[0].Amount);
                    Assert.Equal(0, legs.SelectMany(leg => leg.Legs).Sum(leg => leg.Amount));
                    Assert.True(transfer.SettleAmount <= transfer.Amount);
                    break;
                case "crediting":
                    Assert.Empty(debits);
                    creditedNotDebited += credits.Sum(credit => credit.Amount);
                    break;
                default:
                    Assert.True(legs.Length == 0, $"{transfer.State} transfer {transfer.TransferId} has {legs.Length} entries.");
                    break;
            }

            if (transfer.State == "voided")
            {
                Assert.False(string.IsNullOrEmpty(transfer.FailureCode), $"Voided transfer {transfer.TransferId} has no failure code.");
            }
        }

        // A refusal and a credit never coexist, and a refused transfer never posts.
        foreach (var (account, refusal) in refusals)
        {
            var transfer = transfers[refusal.TransferId];
            Assert.Equal(transfer.To, account);
            Assert.Equal(0, report.CreditEntriesOf(refusal.TransferId));
            Assert.True(transfer.State is "voided" or "crediting", $"Refused transfer {transfer.TransferId} is {transfer.State}.");
        }

        // Refunds: never more than what they refund, and each tracker counts exactly the refunds not voided.
        foreach (var group in transfers.Values.Where(transfer => transfer.RefundOf is not null).GroupBy(refund => refund.RefundOf!))
        {
            var original = transfers[group.Key];
            Assert.Equal("posted", original.State);
            Assert.NotEqual("refund", original.Kind);
            var live = group.Where(refund => refund.State != "voided").Sum(refund => refund.Amount);
            Assert.True(live <= original.SettleAmount, $"Refunds of {original.TransferId} take {live} of {original.SettleAmount}.");
            Assert.All(group, refund =>
            {
                Assert.Equal(original.To, refund.From);
                Assert.Equal(original.From, refund.To);
            });
            Assert.True(trackers.TryGetValue((original.To, original.TransferId), out var tracker), $"No refund tracker for {original.TransferId}.");
            Assert.Equal(live, tracker!.RefundedAmount);
            Assert.Equal(original.SettleAmount, tracker.OriginalAmount);
        }

        // Money: user balances are minted − burned, plus what half-finished transfers credited but did not yet debit.
        Assert.Equal(issued + creditedNotDebited, report.SumOfBalances);
        Assert.Equal(-issued, accounts.Values.Sum(account => account.IssuanceContraBalance));
        return report;
    }

    /// <summary>The audit, plus: nothing is left half-way (holds may still wait, unexpired, for their capture).</summary>
    public static async Task<AuditReport> CheckSettledAsync(LedgerEngine engine, AppId app, long issued)
    {
        var report = await CheckAsync(engine, app, issued);
        var now = engine.Time.GetUtcNow();
        Assert.All(report.Open, open =>
        {
            Assert.True(open.Kind == "hold" && open.State == "reserved" && open.ExpiresAt > now, $"{open.Kind} {open.TransferId} is still {open.State} (expires {open.ExpiresAt}, now {now}).");
        });
        return report;
    }

    /// <summary>The audit, plus: every transfer, hold and refund is posted or voided.</summary>
    public static async Task<AuditReport> CheckAllFinalAsync(LedgerEngine engine, AppId app, long issued)
    {
        var report = await CheckAsync(engine, app, issued);
        Assert.True(!report.Open.Any(), "Not final: " + string.Join(", ", report.Open.Select(open => $"{open.Kind} {open.TransferId} {open.State}")));
        Assert.Equal(0, report.OpenIndexed);
        return report;
    }

    private static async Task<IReadOnlyList<StoredDocument>> ReadAllOfTypeAsync(ILedgerStore store, string partition, string type)
    {
        var documents = await store.ReadRangeAsync(new RangeQuery(partition, type, minSortKey: null, maxSortKey: null, descending: false, StoreLimits.MaxPageSize), CancellationToken.None);
        Assert.True(documents.Count < StoreLimits.MaxPageSize, $"More than {StoreLimits.MaxPageSize - 1} {type} documents in {partition}; the audit reads one page.");
        return documents;
    }
}
