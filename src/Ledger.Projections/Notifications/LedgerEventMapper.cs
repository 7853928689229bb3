using Azure.Messaging;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections.Notifications;

/// <summary>
/// Turns changes into CloudEvents, purely: the same change always gives the same events with the same ids
/// (the change's id, plus a suffix for an event derived from it), so a change seen twice publishes events a
/// receiver recognises as repeats. The subject is the account's path, <c>/apps/{app}/accounts/{account}</c>.
/// </summary>
public sealed class LedgerEventMapper(string source)
{
    public static string AccountSubject(string app, string account) => "/apps/" + app + "/accounts/" + account;

    /// <summary>The events of one change. <paramref name="lowBalanceThreshold"/> is the account's, for entries.</summary>
    public void Map(StoredDocument change, long? lowBalanceThreshold, ICollection<CloudEvent> events)
    {
        switch (change.Type)
        {
            case DocumentTypes.Entry:
                MapEntry(change, lowBalanceThreshold, events);
                break;
            case DocumentTypes.Transfer:
                MapTransfer(change, events);
                break;
            case ExportDocuments.Type when change.Partition.StartsWith(ExportDocuments.PartitionPrefix, StringComparison.Ordinal):
                MapExport(change, events);
                break;
        }
    }

    /// <summary>
    /// Whether an entry takes the balance from at or above the threshold to below it. Only the crossing is
    /// announced, not every posting while low, and it is decided from the entry alone (balance before =
    /// balance after − amount), so a replay decides the same.
    /// </summary>
    public static bool CrossesBelow(long amount, long balanceAfter, long threshold)
        => balanceAfter < threshold && checked(balanceAfter - amount) >= threshold;

    /// <summary>The app of an account partition ("{app}/{account}").</summary>
    public static string AppOf(string partition)
    {
        var slash = partition.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? partition[..slash] : throw new InvalidOperationException($"'{partition}' is not an account partition.");
    }

    private void MapEntry(StoredDocument change, long? threshold, ICollection<CloudEvent> events)
    {
        var entry = DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.EntryDocument);
        var app = AppOf(change.Partition);
        var subject = AccountSubject(app, entry.AccountId);
        events.Add(Create(change.ChangeId, LedgerEventTypes.EntryPosted, subject, entry.PostedAt, new LedgerEventData
        {
            AppId = app,
            AccountId = entry.AccountId,
            Amount = entry.Amount,
            Balance = entry.BalanceAfter,
            Sequence = entry.Sequence,
            Kind = entry.Kind,
            Operation = entry.Operation,
            Reason = entry.Reason,
            Category = entry.Category,
            Counterparty = entry.Counterparty,
            TransactionId = entry.TransactionId,
            TransferId = entry.TransferId,
        }));

        if (threshold is { } limit && CrossesBelow(entry.Amount, entry.BalanceAfter, limit))
        {
            events.Add(Create(change.ChangeId + LedgerEventTypes.BalanceLowIdSuffix, LedgerEventTypes.BalanceLow, subject, entry.PostedAt, new LedgerEventData
            {
                AppId = app,
                AccountId = entry.AccountId,
                Amount = entry.Amount,
                Balance = entry.BalanceAfter,
                Threshold = limit,
                Sequence = entry.Sequence,
                TransactionId = entry.TransactionId,
            }));
        }
    }

    private void MapTransfer(StoredDocument change, ICollection<CloudEvent> events)
    {
        var transfer = DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.TransferDocument);
        string type;
        DateTimeOffset time;
        long amount;
        switch (transfer.State)
        {
            case "posted":
                type = LedgerEventTypes.TransferPosted;
                time = transfer.PostedAt ?? transfer.UpdatedAt;
                amount = transfer.SettleAmount ?? transfer.Amount;
                break;
            case "voided":
                type = transfer.FailureCode == LedgerEventTypes.HoldExpiredFailureCode ? LedgerEventTypes.HoldExpired : LedgerEventTypes.TransferVoided;
                time = transfer.VoidedAt ?? transfer.UpdatedAt;
                amount = transfer.Amount;
                break;
            case "reserved" or "crediting" when transfer.StuckSince is { } stuckSince && stuckSince == transfer.UpdatedAt:
                // Only the change that marked it stuck: its later retries change the document again, and the
                // alert is raised once. The failure code carries why it is stuck.
                type = LedgerEventTypes.TransferStuck;
                time = stuckSince;
                amount = transfer.SettleAmount ?? transfer.Amount;
                break;
            default:
                // Reserved and crediting are steps of the saga, not outcomes: nothing to announce yet.
                return;
        }

        // The transfer document lives in the partition of the account it debits; the event is about that account.
        events.Add(Create(change.ChangeId, type, AccountSubject(transfer.AppId, transfer.From), time, new LedgerEventData
        {
            AppId = transfer.AppId,
            AccountId = transfer.From,
            Amount = amount,
            Kind = transfer.Kind,
            Reason = transfer.Reason,
            Category = transfer.Category,
            TransferId = transfer.TransferId,
            TransactionId = transfer.TransactionId,
            From = transfer.From,
            To = transfer.To,
            State = transfer.State,
            FailureCode = transfer.StuckReason ?? transfer.FailureCode,
        }));
    }

    private void MapExport(StoredDocument change, ICollection<CloudEvent> events)
    {
        var export = ExportService.Decode(change);
        if (export.Status != ExportStatus.Completed)
        {
            return;
        }

        var subject = export.AccountId is { } account ? AccountSubject(export.AppId, account) : "/apps/" + export.AppId;
        events.Add(Create(change.ChangeId, LedgerEventTypes.ExportCompleted, subject, export.CompletedAt ?? change.CommittedAt, new LedgerEventData
        {
            AppId = export.AppId,
            AccountId = export.AccountId,
            ExportId = export.ExportId,
            RowCount = export.RowCount,
            FileUrl = "/exports/" + export.ExportId + "/file",
        }));
    }

    /// <summary>The event of an audit violation; its id is the violation's, so a step repeated after a crash publishes a repeat receivers recognise.</summary>
    public CloudEvent AuditViolation(Audit.AuditViolation violation)
        => Create(violation.Id, LedgerEventTypes.AuditViolation, violation.AccountId is { } account ? AccountSubject(violation.AppId, account) : "/apps/" + violation.AppId, violation.DetectedAt, new LedgerEventData
        {
            AppId = violation.AppId,
            AccountId = violation.AccountId,
            TransferId = violation.TransferId,
            Violation = violation.Code,
            Expected = violation.Expected,
            Actual = violation.Actual,
            Detail = violation.Detail,
        });

    private CloudEvent Create(string id, string type, string subject, DateTimeOffset time, LedgerEventData data)
        => new(source, type, BinaryData.FromBytes(DocumentCodec.Encode(data, ProjectionJsonContext.Default.LedgerEventData).AsMemory()), "application/json", CloudEventDataFormat.Json)
        {
            Id = id,
            Subject = subject,
            Time = time,
        };
}
