using Azure.Messaging;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Audit;
using Ledger.Projections.Notifications;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;
using Microsoft.Extensions.Configuration;

namespace Ledger.Projections.Tests;

/// <summary>The continuous audit over a real engine: silent on a clean ledger, precise on an injected inconsistency.</summary>
public sealed class AuditTests
{
    [Theory]
    [InlineData(StoreKind.InMemory, 7)]
    [InlineData(StoreKind.Sqlite, 7)]
    [InlineData(StoreKind.Sqlite, 500)]
    public async Task A_clean_ledger_under_mixed_load_reports_no_violation_and_its_trial_balance_adds_up(StoreKind kind, int batchSize)
    {
        await using var ledger = TestLedger.Create(kind);
        var publisher = new RecordingPublisher();
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, batchSize, publisher);
        await MixedLoadAsync(ledger, audit, batchSize);

        var totals = await TotalsAsync(ledger, TestLedger.App1);
        Assert.Equal(0, totals.Violations);
        Assert.Empty(publisher.Events);
        Assert.Equal(await SumOfBalancesAsync(ledger, TestLedger.App1, "alice", "bob", "carol"), totals.Balances);
        Assert.Equal(totals.Minted - totals.Burned, totals.Balances);
        Assert.Equal(-(totals.Minted - totals.Burned), totals.IssuanceContra);
        Assert.Equal(0, totals.InFlight);
        Assert.Equal(15, totals.Pending);
        Assert.Equal(3, totals.Accounts);
        Assert.Empty(totals.UnsettledAccounts);
        var other = await TotalsAsync(ledger, TestLedger.App2);
        Assert.Equal(0, other.Violations);
        Assert.Equal(9, other.Balances);
        Assert.Equal(1, other.Accounts);
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_balance_changed_without_an_entry_is_reported_logged_as_a_violation_event_and_on_the_status_report(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        var publisher = new RecordingPublisher();
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, 100, publisher);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 40);
        await ledger.DrainAsync(audit);

        await RewriteAccountAsync(ledger, "alice", account => account with { Balance = account.Balance + 1000 });
        await ledger.DrainAsync(audit);

        var totals = await TotalsAsync(ledger, TestLedger.App1);
        var found = totals.RecentViolations.Select(violation => violation.Code).ToArray();
        Assert.Contains(AuditViolationCodes.BalanceMismatch, found);
        Assert.Contains(AuditViolationCodes.IssuanceMismatch, found);
        var mismatch = totals.RecentViolations.First(violation => violation.Code == AuditViolationCodes.BalanceMismatch);
        Assert.Equal(("alice", 40L, 1040L), (mismatch.AccountId, mismatch.Expected, mismatch.Actual));
        Assert.Equal(totals.RecentViolations.Count, totals.Violations);
        Assert.Equal(totals.RecentViolations.Select(violation => violation.Id), publisher.Events.Select(published => published.Id));
        Assert.All(publisher.Events, published => Assert.Equal(LedgerEventTypes.AuditViolation, published.Type));
        Assert.Equal("/apps/app1/accounts/alice", publisher.Events.First(published => published.Id == mismatch.Id).Subject);

        var processors = new ChangeFeedProcessors([new ChangeFeedProcessor(ledger.Store, audit, TestLedger.FastOptions(), ledger.Clock)], new DeadLetterStore(ledger.Store), new AuditStore(ledger.Store));
        var operatorView = await processors.GetReportAsync(null, CancellationToken.None);
        var appView = await processors.GetReportAsync(TestLedger.App1, CancellationToken.None);
        Assert.Equal(totals.Violations, Assert.Single(operatorView.Audit!).Violations);
        Assert.Equal(totals.Violations, Assert.Single(appView.Audit!).Violations);
        Assert.Equal(0, Assert.Single((await processors.GetReportAsync(TestLedger.App2, CancellationToken.None)).Audit!).Violations);
    }

    [Fact]
    public async Task An_entry_whose_legs_do_not_sum_to_zero_is_reported_once_even_when_its_batch_is_handled_again()
    {
        await using var ledger = TestLedger.Create(StoreKind.Sqlite);
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, 100);
        await ledger.OpenAsync("alice");
        var first = await ledger.PostAsync("alice", 10);
        await ledger.DrainAsync(audit);

        // The next entry credits alice 5 with no issuance leg against it: money from nowhere.
        var forged = first with { TransactionId = "forged", Sequence = 2, Amount = 5, BalanceAfter = 15, Legs = [new LegDocument("alice", 5)] };
        var partition = DocumentTypes.AccountPartition(TestLedger.App1, AccountId.From("alice"));
        var written = await ledger.Store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Create("tx:forged", DocumentTypes.Entry, DocumentCodec.Encode(forged, LedgerDocumentJsonContext.Documents.EntryDocument), sortKey: 2)), CancellationToken.None);
        Assert.True(written.IsCommitted);
        var changes = (await ledger.Store.ReadChangesAsync(null, 1000, CancellationToken.None)).Changes;
        await audit.HandleAsync(changes, CancellationToken.None);
        await audit.HandleAsync(changes, CancellationToken.None);

        var totals = await TotalsAsync(ledger, TestLedger.App1);
        var unbalanced = Assert.Single(totals.RecentViolations, violation => violation.Code == AuditViolationCodes.TransactionUnbalanced);
        Assert.Equal(("alice", 0L, 5L), (unbalanced.AccountId, unbalanced.Expected, unbalanced.Actual));
        Assert.Equal(totals.RecentViolations.Count, totals.Violations);
    }

    [Fact]
    public async Task Pending_debits_that_no_reservation_explains_and_an_account_below_its_floor_are_reported()
    {
        await using var ledger = TestLedger.Create(StoreKind.InMemory);
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, 100);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 10);

        await RewriteAccountAsync(ledger, "alice", account => account with { PendingDebits = 25 });
        await ledger.DrainAsync(audit);

        var codes = (await TotalsAsync(ledger, TestLedger.App1)).RecentViolations.Select(violation => violation.Code).ToArray();
        Assert.Contains(AuditViolationCodes.PendingMismatch, codes);
        Assert.Contains(AuditViolationCodes.BelowFloor, codes);
    }

    [Fact]
    public async Task A_missing_entry_and_an_unreadable_document_are_reported_and_the_audit_goes_on()
    {
        await using var ledger = TestLedger.Create(StoreKind.InMemory);
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, 100);
        await ledger.OpenAsync("alice");
        var first = await ledger.PostAsync("alice", 10);
        var partition = DocumentTypes.AccountPartition(TestLedger.App1, AccountId.From("alice"));
        var skipped = first with { TransactionId = "skipped", Sequence = 3, BalanceAfter = 20 };
        await ledger.Store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Create("tx:skipped", DocumentTypes.Entry, DocumentCodec.Encode(skipped, LedgerDocumentJsonContext.Documents.EntryDocument), sortKey: 3)), CancellationToken.None);
        await ledger.Store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Create("tx:garbled", DocumentTypes.Entry, "{not json"u8.ToArray(), sortKey: 4)), CancellationToken.None);
        await ledger.DrainAsync(audit);

        var codes = (await TotalsAsync(ledger, TestLedger.App1)).RecentViolations.Select(violation => violation.Code).ToArray();
        Assert.Contains(AuditViolationCodes.EntryMissing, codes);
        Assert.Contains(AuditViolationCodes.UnreadableDocument, codes);
    }

    [Fact]
    public async Task A_new_consumer_resumes_from_the_stored_checkpoint_and_state_and_the_totals_stay_exact()
    {
        await using var ledger = TestLedger.Create(StoreKind.Sqlite);
        await ledger.OpenAsync("alice");
        await ledger.OpenAsync("bob");
        await ledger.PostAsync("alice", 100);
        await ledger.DrainAsync(new AuditConsumer(ledger.Store, ledger.Clock, 3), batchSize: 3);
        var before = await TotalsAsync(ledger, TestLedger.App1);

        await TransferAsync(ledger, "alice", "bob", 30, "after-restart");
        await ledger.PostAsync("bob", -5);
        await ledger.DrainAsync(new AuditConsumer(ledger.Store, ledger.Clock, 3), batchSize: 3);

        var after = await TotalsAsync(ledger, TestLedger.App1);
        Assert.Equal(0, after.Violations);
        Assert.Equal(100, before.Balances);
        Assert.Equal(95, after.Balances);
        Assert.Equal((100L, 5L), (after.Minted, after.Burned));
        Assert.True(after.ChangesAudited > before.ChangesAudited);
    }

    [Fact]
    public async Task Once_an_app_is_audited_its_next_steps_read_no_account_state_again_and_a_fresh_consumer_reads_those_it_needs()
    {
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(StoreKind.Sqlite, inner => store = new InstrumentedStore(inner));
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, 100);
        await ledger.OpenAsync("alice");
        await ledger.OpenAsync("bob");
        await ledger.PostAsync("alice", 100);
        await ledger.DrainAsync(audit);

        store!.ResetCounters();
        await ledger.PostAsync("alice", 5);
        await ledger.PostAsync("bob", 7);
        await TransferAsync(ledger, "alice", "bob", 30, "t-known");
        await ledger.DrainAsync(audit);
        var auditPartition = AuditDocuments.Partition(TestLedger.App1);
        var knownReads = store.PointReadsIn(auditPartition);
        Assert.Contains(AuditDocuments.TotalsId, knownReads);
        Assert.DoesNotContain(knownReads, id => id.StartsWith(AuditDocuments.AccountStateId(string.Empty), StringComparison.Ordinal));

        store.ResetCounters();
        await ledger.PostAsync("bob", -2);
        await ledger.DrainAsync(new AuditConsumer(ledger.Store, ledger.Clock, 100));
        Assert.Contains(AuditDocuments.AccountStateId("bob"), store.PointReadsIn(auditPartition));
        var totals = await TotalsAsync(ledger, TestLedger.App1);
        Assert.Equal(0, totals.Violations);
        Assert.Equal((105L + 7, 2L), (totals.Minted, totals.Burned));
        Assert.Equal(110, totals.Balances);
    }

    [Fact]
    public async Task A_consumer_whose_app_was_audited_by_another_since_its_last_step_reads_the_states_again_and_finds_nothing_wrong()
    {
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(StoreKind.Sqlite, inner => store = new InstrumentedStore(inner));
        var first = new AuditConsumer(ledger.Store, ledger.Clock, 100);
        var second = new AuditConsumer(ledger.Store, ledger.Clock, 100);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 10);
        await ledger.DrainAsync(first);
        await ledger.PostAsync("alice", 20);
        await ledger.DrainAsync(second);

        // What the first consumer saved is now one entry behind: trusted, it would report entry 3 as following entry 1.
        store!.ResetCounters();
        await ledger.PostAsync("alice", 30);
        await ledger.DrainAsync(first);

        Assert.Contains(AuditDocuments.AccountStateId("alice"), store.PointReadsIn(AuditDocuments.Partition(TestLedger.App1)));
        var totals = await TotalsAsync(ledger, TestLedger.App1);
        Assert.Equal(0, totals.Violations);
        Assert.Equal((60L, 60L), (totals.Minted, totals.Balances));
    }

    [Fact]
    public async Task A_step_whose_save_fails_leaves_nothing_behind_and_its_retry_counts_every_change_once()
    {
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(StoreKind.Sqlite, inner => store = new InstrumentedStore(inner));
        var audit = new AuditConsumer(ledger.Store, ledger.Clock, 1000);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 10);
        var seen = (await ledger.Store.ReadChangesAsync(null, 1000, CancellationToken.None)).Changes;
        await audit.HandleAsync(seen, CancellationToken.None);

        await ledger.PostAsync("alice", 20);
        await ledger.PostAsync("alice", -5);
        var all = (await ledger.Store.ReadChangesAsync(null, 1000, CancellationToken.None)).Changes;
        var next = all.Where(change => !seen.Any(earlier => earlier.ChangeId == change.ChangeId)).ToList();
        store!.FailNextCommitsTo(AuditDocuments.Partition(TestLedger.App1), 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => audit.HandleAsync(next, CancellationToken.None));
        await audit.HandleAsync(next, CancellationToken.None);

        var totals = await TotalsAsync(ledger, TestLedger.App1);
        Assert.Equal(0, totals.Violations);
        Assert.Equal((30L, 5L, 25L), (totals.Minted, totals.Burned, totals.Balances));
        Assert.Equal(seen.Concat(next).Count(change => AuditChange.Of(change) is not null), totals.ChangesAudited);
        Assert.Empty(totals.UnsettledAccounts);
    }

    [Fact]
    public void App_ids_that_name_the_stores_own_partitions_are_reserved_and_refused_at_configuration()
    {
        Assert.Equal(["exports", "idem", "$dead-letters", "$audit"], ReservedAppIds.All);
        Assert.True(ReservedAppIds.IsReserved(AppId.From("exports")));
        Assert.True(ReservedAppIds.IsReserved(AppId.From("Idem")));
        Assert.False(ReservedAppIds.IsReserved(AppId.From("exports2")));

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ledger:Apps:exports:ApiKeys:0"] = "a-key-for-the-exports-app-0123456789",
        }).Build();
        var refused = Assert.Throws<InvalidOperationException>(() => { _ = Ledger.Http.AppRegistry.FromConfiguration(configuration); });
        Assert.Contains("Ledger:Apps:exports", refused.Message, StringComparison.Ordinal);
        Assert.Contains("reserved", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Mints, burns, operations, transfers both ways, a refund, holds captured in part, voided and left open
    /// (15 reserved), in two apps, with the audit run in the middle (reservations open, credits landed) and at the end.
    /// </summary>
    private static async Task MixedLoadAsync(TestLedger ledger, AuditConsumer audit, int batchSize)
    {
        await ledger.OpenAsync("alice");
        await ledger.OpenAsync("bob");
        await ledger.OpenAsync("carol", floor: -50);
        await ledger.OpenAsync("dave", app: TestLedger.App2);
        await ledger.PostAsync("alice", 200);
        await ledger.PostAsync("bob", 50);
        await ledger.PostAsync("dave", 9, app: TestLedger.App2);
        await ledger.OperateAsync("alice", "CONTENT_CREATION");
        await ledger.DrainAsync(audit, batchSize);
        var transfer = await TransferAsync(ledger, "alice", "bob", 40, "t1");
        await TransferAsync(ledger, "bob", "carol", 20, "t2");
        await TransferAsync(ledger, "carol", "alice", 60, "t3-overdraft");
        var refund = await ledger.Engine.RefundTransferAsync(TestLedger.App1, IdempotencyKey.From("r1"), transfer.TransferId, new RefundRequest(15, null), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(refund.IsSuccess, refund.Error?.Message);
        var captured = await HoldAsync(ledger, "alice", "bob", 30, "h1");
        await ledger.DrainAsync(audit, batchSize);
        Assert.True((await ledger.Engine.CaptureHoldAsync(TestLedger.App1, IdempotencyKey.From("c1"), captured.TransferId, 12, TimeSpan.FromSeconds(10), CancellationToken.None)).IsSuccess);
        var voided = await HoldAsync(ledger, "bob", "alice", 10, "h2");
        Assert.True((await ledger.Engine.VoidHoldAsync(TestLedger.App1, voided.TransferId)).IsSuccess);
        await HoldAsync(ledger, "alice", "carol", 15, "h3-open");
        await ledger.PostAsync("bob", -3);
        await ledger.DrainAsync(audit, batchSize);
    }

    private static async Task<TransferDocument> TransferAsync(TestLedger ledger, string from, string to, long amount, string key)
    {
        var done = await ledger.Engine.TransferAsync(TestLedger.App1, IdempotencyKey.From(key), new TransferRequest(AccountId.From(from), AccountId.From(to), amount, TransactionDetails.From("content_unlock", null, null)), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(done.IsSuccess, done.Error?.Message);
        Assert.True(done.Value.Finished);
        Assert.Equal("posted", done.Value.Transfer.State);
        return done.Value.Transfer;
    }

    private static async Task<TransferDocument> HoldAsync(TestLedger ledger, string from, string to, long amount, string key)
    {
        var held = await ledger.Engine.PlaceHoldAsync(TestLedger.App1, IdempotencyKey.From(key), new HoldRequest(AccountId.From(from), AccountId.From(to), amount, TransactionDetails.From("content_unlock", null, null), new HoldExpiry(null, 3600)), CancellationToken.None);
        Assert.True(held.IsSuccess, held.Error?.Message);
        return held.Value;
    }

    private static async Task<long> SumOfBalancesAsync(TestLedger ledger, AppId app, params string[] accounts)
    {
        long sum = 0;
        foreach (var account in accounts)
        {
            sum += (await ledger.Engine.GetAccountAsync(app, AccountId.From(account), CancellationToken.None)).Value.Balance;
        }

        return sum;
    }

    private static async Task<AuditTotals> TotalsAsync(TestLedger ledger, AppId app)
        => Assert.Single(await new AuditStore(ledger.Store).ListTotalsAsync(app, CancellationToken.None));

    /// <summary>Writes an account document straight through the store, as a bug or a tamperer would, bypassing the engine.</summary>
    private static async Task RewriteAccountAsync(TestLedger ledger, string accountId, Func<AccountDocument, AccountDocument> change)
    {
        var partition = DocumentTypes.AccountPartition(TestLedger.App1, AccountId.From(accountId));
        var stored = await ledger.Store.ReadAsync(partition, DocumentTypes.AccountDocumentId, CancellationToken.None);
        var changed = change(DocumentCodec.Decode(stored!, LedgerDocumentJsonContext.Default.AccountDocument));
        var written = await ledger.Store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Replace(DocumentTypes.AccountDocumentId, DocumentTypes.Account, DocumentCodec.Encode(changed, LedgerDocumentJsonContext.Documents.AccountDocument), stored!.ETag)), CancellationToken.None);
        Assert.True(written.IsCommitted);
    }

    private sealed class RecordingPublisher : IEventPublisher
    {
        public List<CloudEvent> Events { get; } = [];

        public Task PublishAsync(IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
        {
            lock (Events)
            {
                Events.AddRange(events);
            }

            return Task.CompletedTask;
        }
    }
}
