using System.Text.Json;
using Azure.Core.Pipeline;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Notifications;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;

namespace Ledger.Projections.Tests;

public sealed class NotificationTests
{
    /// <summary>
    /// The real <see cref="EventGridPublisherClient"/> against an Event Grid endpoint on 127.0.0.1 that
    /// refuses the first requests with 500, while a lost checkpoint makes the consumer publish a batch
    /// twice: every event type arrives, a receiver that de-duplicates by id keeps each change once, and
    /// each account's events arrive in the order of its changes.
    /// </summary>
    [Fact]
    public async Task Event_Grid_receives_every_event_type_at_least_once_in_order_per_account_through_outages_and_repeats()
    {
        await using var receiver = await EventGridReceiver.StartAsync();
        InstrumentedStore? store = null;
        await using var ledger = TestLedger.Create(StoreKind.Sqlite, inner => store = new InstrumentedStore(inner));
        var expected = await BuildScenarioAsync(ledger);

        var clientOptions = new EventGridPublisherClientOptions { Transport = new HttpClientTransport(receiver.TrustingHandler()) };
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(5);
        clientOptions.Retry.MaxDelay = TimeSpan.FromMilliseconds(20);
        var options = new NotificationOptions { EventGridEndpoint = receiver.Endpoint, EventGridKey = EventGridReceiver.Key, MaxEventsPerPublish = 3 };
        options.Validate();
        var consumer = new NotificationConsumer(ledger.Store, EventGridPublisher.Create(options, clientOptions), options);

        // An outage longer than the SDK's own retries, then a checkpoint lost after a batch was delivered.
        receiver.FailNextRequests(EventGridPublisher.SdkMaxRetries + 3);
        store!.FailNextCheckpointWrites(1);
        await RunUntilAsync(ledger, consumer, () => receiver.Distinct().Count >= expected.Count);

        Assert.Empty(receiver.Violations);
        Assert.Equal(EventGridPublisher.SdkMaxRetries + 3, receiver.RefusedRequests);
        var distinct = receiver.Distinct();
        Assert.True(receiver.Events.Count > distinct.Count, "the lost checkpoint made the consumer publish some events again");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), distinct.Select(received => received.Id).Order(StringComparer.Ordinal));
        // A stuck transfer needs commits that keep failing; its event is checked on the mapper below. Audit violations come from the audit consumer.
        Assert.Equal(LedgerEventTypes.All.Except([LedgerEventTypes.TransferStuck, LedgerEventTypes.AuditViolation]).Order(StringComparer.Ordinal), distinct.Select(received => received.Type).Distinct().Order(StringComparer.Ordinal));
        foreach (var received in distinct)
        {
            Assert.Equal(expected[received.Id].Type, received.Type);
            Assert.Equal(NotificationOptions.DefaultSource, received.Source);
        }

        AssertInOrderPerAccount(distinct, expected);
        AssertEntryEventCarriesTheEntry(distinct, await ledger.EntriesAsync("alice"));
    }

    [Fact]
    public async Task The_webhook_receives_the_same_cloud_events_batch()
    {
        await using var receiver = await EventGridReceiver.StartAsync();
        await using var ledger = TestLedger.Create();
        var expected = await BuildScenarioAsync(ledger);
        using var http = new HttpClient(receiver.TrustingHandler());
        http.DefaultRequestHeaders.Add("aeg-sas-key", EventGridReceiver.Key);
        var options = new NotificationOptions { WebhookUrl = receiver.Endpoint };
        options.Validate();
        receiver.FailNextRequests(2);

        await RunUntilAsync(ledger, new NotificationConsumer(ledger.Store, new WebhookPublisher(http, receiver.Endpoint), options), () => receiver.Distinct().Count >= expected.Count);

        Assert.Empty(receiver.Violations);
        var distinct = receiver.Distinct();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), distinct.Select(received => received.Id).Order(StringComparer.Ordinal));
        AssertInOrderPerAccount(distinct, expected);
        AssertEntryEventCarriesTheEntry(distinct, await ledger.EntriesAsync("alice"));
    }

    [Theory]
    [InlineData(-10, 10, 15, true)]
    [InlineData(-1, 9, 15, false)]
    [InlineData(-5, 14, 15, true)]
    [InlineData(-5, 15, 15, false)]
    [InlineData(10, 5, 15, false)]
    [InlineData(-1, -1, 0, true)]
    public void Balance_low_is_raised_when_an_entry_takes_the_balance_below_the_threshold(long amount, long balanceAfter, long threshold, bool raised)
        => Assert.Equal(raised, LedgerEventMapper.CrossesBelow(amount, balanceAfter, threshold));

    [Fact]
    public void Saga_steps_that_are_not_outcomes_and_unrelated_documents_raise_no_event()
    {
        var mapper = new LedgerEventMapper(NotificationOptions.DefaultSource);
        var events = new List<CloudEvent>();
        mapper.Map(Stored("app1/alice", DocumentTypes.TransferDocumentId("t1"), DocumentTypes.Transfer, DocumentCodec.Encode(Transfer("t1", "reserved", null), LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray()), null, events);
        mapper.Map(Stored("app1/alice", DocumentTypes.TransferDocumentId("t2"), DocumentTypes.Transfer, DocumentCodec.Encode(Transfer("t2", "crediting", null), LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray()), null, events);
        mapper.Map(Stored("app1/alice", "snapshot:1", DocumentTypes.Snapshot, "{}"u8.ToArray()), null, events);
        mapper.Map(Stored("app1/alice", DocumentTypes.AccountDocumentId, DocumentTypes.Account, "{}"u8.ToArray()), null, events);
        Assert.Empty(events);
    }

    [Fact]
    public void A_transfer_marked_stuck_raises_one_stuck_event_with_its_reason_and_its_later_retries_raise_none()
    {
        var mapper = new LedgerEventMapper(NotificationOptions.DefaultSource);
        var markedAt = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var marked = Transfer("t1", "crediting", null) with { SettleAmount = 3, StuckSince = markedAt, StuckReason = TransferFailureCodes.CommitFailing, FailedAttempts = 10, UpdatedAt = markedAt };
        var retried = marked with { FailedAttempts = 11, UpdatedAt = markedAt.AddHours(1) };
        var events = new List<CloudEvent>();

        mapper.Map(Stored("app1/alice", DocumentTypes.TransferDocumentId("t1"), DocumentTypes.Transfer, DocumentCodec.Encode(marked, LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray()), null, events);
        mapper.Map(Stored("app1/alice", DocumentTypes.TransferDocumentId("t1"), DocumentTypes.Transfer, DocumentCodec.Encode(retried, LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray()), null, events);

        var stuck = Assert.Single(events);
        Assert.Equal((LedgerEventTypes.TransferStuck, "/apps/app1/accounts/alice", markedAt), (stuck.Type, stuck.Subject, stuck.Time));
        var data = stuck.Data!.ToObjectFromJson<System.Text.Json.JsonElement>();
        Assert.Equal((TransferFailureCodes.CommitFailing, "crediting", "t1"), (data.GetProperty("failure_code").GetString(), data.GetProperty("state").GetString(), data.GetProperty("transfer_id").GetString()));
    }

    [Fact]
    public void Options_refuse_two_destinations_an_endpoint_without_a_key_and_plain_http_for_Event_Grid()
    {
        Assert.Throws<InvalidOperationException>(() => new NotificationOptions { EventGridEndpoint = new Uri("https://topic.example/api/events"), EventGridKey = "k", WebhookUrl = new Uri("https://hook.example/") }.Validate());
        Assert.Throws<InvalidOperationException>(() => new NotificationOptions { EventGridEndpoint = new Uri("https://topic.example/api/events") }.Validate());
        Assert.Throws<InvalidOperationException>(() => new NotificationOptions { EventGridEndpoint = new Uri("http://topic.example/api/events"), EventGridKey = "k" }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new NotificationOptions { WebhookUrl = new Uri("https://hook.example/"), MaxEventsPerPublish = 0 }.Validate());
        new NotificationOptions { EventGridEndpoint = new Uri("https://topic.example/api/events"), UseManagedIdentity = true }.Validate();
        Assert.False(new NotificationOptions().IsEnabled);
    }

    /// <summary>
    /// Postings, transfers in every final state and a completed export; returns every event the feed must
    /// produce (id → type and the feed position of its change, for the order check).
    /// </summary>
    private static async Task<Dictionary<string, (string Type, int Position, string Subject)>> BuildScenarioAsync(TestLedger ledger)
    {
        await ledger.OpenAsync("alice", owner: "owner-a", lowBalanceThreshold: 15);
        await ledger.OpenAsync("bob", owner: "owner-b");
        await ledger.PostAsync("alice", 20);
        await ledger.PostAsync("alice", -10);   // 10: below 15 → balance.low
        await ledger.PostAsync("bob", 5);
        await ledger.PostAsync("alice", -1);    // 9: still low, no new alert
        await ledger.PostAsync("alice", 10);    // 19
        await ledger.PostAsync("bob", -2);
        await ledger.PostAsync("alice", -5);    // 14: below again → balance.low
        foreach (var (id, state, failure) in new[] { ("t-posted", "posted", (string?)null), ("t-voided", "voided", "account_closed"), ("t-hold", "voided", LedgerEventTypes.HoldExpiredFailureCode), ("t-open", "reserved", null) })
        {
            var transfer = Transfer(id, state, failure);
            var committed = await ledger.Store.CommitAsync(new PartitionBatch("app1/alice", DocumentWrite.Create(DocumentTypes.TransferDocumentId(id), DocumentTypes.Transfer, DocumentCodec.Encode(transfer, LedgerDocumentJsonContext.Default.TransferDocument).AsSpan().ToArray())), CancellationToken.None);
            Assert.True(committed.IsCommitted);
        }

        var exports = new ExportService(ledger.Engine, new LocalExportFileStore(ledger.FilesDirectory), ledger.Clock);
        Assert.True((await exports.RequestAsync(TestLedger.App1, IdempotencyKey.From("notify-export"), new ExportRequest(AccountId.From("bob"), null, null), CancellationToken.None)).IsSuccess);
        await ledger.DrainAsync(new ExportConsumer(ledger.Store, new LocalExportFileStore(ledger.FilesDirectory), new ExportOptions(), ledger.Clock));

        var expected = new Dictionary<string, (string Type, int Position, string Subject)>(StringComparer.Ordinal);
        var feed = await ledger.Store.ReadChangesAsync(null, StoreLimits.MaxPageSize, CancellationToken.None);
        for (var position = 0; position < feed.Changes.Count; position++)
        {
            var change = feed.Changes[position];
            switch (change.Type)
            {
                case DocumentTypes.Entry:
                    var entry = DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.EntryDocument);
                    var subject = "/apps/app1/accounts/" + entry.AccountId;
                    expected.Add(change.ChangeId, (LedgerEventTypes.EntryPosted, position * 2, subject));
                    if (entry.AccountId == "alice" && entry.BalanceAfter is 10 or 14)
                    {
                        expected.Add(change.ChangeId + LedgerEventTypes.BalanceLowIdSuffix, (LedgerEventTypes.BalanceLow, (position * 2) + 1, subject));
                    }

                    break;
                case DocumentTypes.Transfer:
                    var transfer = DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.TransferDocument);
                    var type = transfer.TransferId switch
                    {
                        "t-posted" => LedgerEventTypes.TransferPosted,
                        "t-voided" => LedgerEventTypes.TransferVoided,
                        "t-hold" => LedgerEventTypes.HoldExpired,
                        _ => null,
                    };
                    if (type is not null)
                    {
                        expected.Add(change.ChangeId, (type, position * 2, "/apps/app1/accounts/alice"));
                    }

                    break;
                case ExportDocuments.Type:
                    expected.Add(change.ChangeId, (LedgerEventTypes.ExportCompleted, position * 2, "/apps/app1/accounts/bob"));
                    break;
            }
        }

        return expected;
    }

    private static async Task RunUntilAsync(TestLedger ledger, NotificationConsumer consumer, Func<bool> done)
    {
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, TestLedger.FastOptions(batchSize: 4), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var running = processor.RunAsync(stop.Token);
        await Eventually.TrueAsync(async () => done() && (await processor.GetStatusAsync(CancellationToken.None)).ChangesBehind == 0, "every event was delivered");
        await stop.CancelAsync();
        await running;
    }

    private static void AssertInOrderPerAccount(List<ReceivedEvent> distinct, Dictionary<string, (string Type, int Position, string Subject)> expected)
    {
        foreach (var account in distinct.GroupBy(received => received.Subject))
        {
            var positions = account.Select(received => expected[received.Id].Position).ToList();
            Assert.Equal(positions.Order(), positions);
            Assert.All(account, received => Assert.Equal(expected[received.Id].Subject, received.Subject));
        }
    }

    private static void AssertEntryEventCarriesTheEntry(List<ReceivedEvent> distinct, List<EntryDocument> aliceEntries)
    {
        var second = aliceEntries.Single(entry => entry.Sequence == 2);
        var posted = distinct.Single(received => received.Type == LedgerEventTypes.EntryPosted && received.Subject == "/apps/app1/accounts/alice" && received.Data.GetProperty("sequence").GetInt64() == 2);
        Assert.Equal("app1", posted.Data.GetProperty("app_id").GetString());
        Assert.Equal("alice", posted.Data.GetProperty("account_id").GetString());
        Assert.Equal(-10, posted.Data.GetProperty("amount").GetInt64());
        Assert.Equal(10, posted.Data.GetProperty("balance").GetInt64());
        Assert.Equal(second.PostedAt, DateTimeOffset.Parse(posted.Time!, System.Globalization.CultureInfo.InvariantCulture));
        var low = distinct.Single(received => received.Id == posted.Id + LedgerEventTypes.BalanceLowIdSuffix);
        Assert.Equal(15, low.Data.GetProperty("threshold").GetInt64());
        Assert.Equal(10, low.Data.GetProperty("balance").GetInt64());
        var hold = distinct.Single(received => received.Type == LedgerEventTypes.HoldExpired);
        Assert.Equal(JsonValueKind.String, hold.Data.GetProperty("transfer_id").ValueKind);
        var export = distinct.Single(received => received.Type == LedgerEventTypes.ExportCompleted);
        Assert.Equal(2, export.Data.GetProperty("row_count").GetInt64());
    }

    private static TransferDocument Transfer(string id, string state, string? failureCode) => new()
    {
        TransferId = id,
        AppId = "app1",
        Kind = failureCode == LedgerEventTypes.HoldExpiredFailureCode ? "hold" : "transfer",
        From = "alice",
        To = "bob",
        Amount = 3,
        State = state,
        Reason = "content_unlock",
        TransactionId = "tx_" + id,
        FailureCode = failureCode,
        CreatedAt = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero),
        PostedAt = state == "posted" ? new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero) : null,
        VoidedAt = state == "voided" ? new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero) : null,
    };

    private static StoredDocument Stored(string partition, string id, string type, byte[] body)
        => new(partition, id, type, null, null, body, "1", DateTimeOffset.UnixEpoch);
}
