using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections.Audit;

/// <summary>A change the audit reads: an account document, an entry or a transfer, decoded, with the app and account of its partition.</summary>
public abstract record AuditChange(AppId App, string AccountId, StoredDocument Change)
{
    /// <summary>The audited form of <paramref name="change"/>; null for documents the audit does not check (snapshots, claims, exports…).</summary>
    public static AuditChange? Of(StoredDocument change)
    {
        if (change.Type is not (DocumentTypes.Account or DocumentTypes.Entry or DocumentTypes.Transfer))
        {
            return null;
        }

        var slash = change.Partition.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || AppId.Parse(change.Partition[..slash]) is not { IsSuccess: true } app)
        {
            return null;
        }

        var account = change.Partition[(slash + 1)..];
        try
        {
            return change.Type switch
            {
                DocumentTypes.Account => new AccountChange(app.Value, account, change, DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.AccountDocument)),
                DocumentTypes.Entry => new EntryChange(app.Value, account, change, DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.EntryDocument)),
                _ => new TransferChange(app.Value, account, change, DocumentCodec.Decode(change, LedgerDocumentJsonContext.Default.TransferDocument)),
            };
        }
        catch (System.Text.Json.JsonException exception)
        {
            // A ledger document that does not read is itself what an audit is for: reported, not set aside.
            return new UnreadableChange(app.Value, account, change, exception.Message);
        }
    }

    /// <summary>The transfer whose legs document this change touches, if any.</summary>
    public virtual string? LegsTransferId => null;
}

public sealed record AccountChange(AppId App, string AccountId, StoredDocument Change, AccountDocument Account) : AuditChange(App, AccountId, Change);

public sealed record EntryChange(AppId App, string AccountId, StoredDocument Change, EntryDocument Entry) : AuditChange(App, AccountId, Change)
{
    public bool IsTransferLeg => Entry.TransferId is not null && Entry.Kind is TransferCreditKind or TransferDebitKind;

    public override string? LegsTransferId => IsTransferLeg ? Entry.TransferId : null;

    public const string TransferCreditKind = "transfer_credit";
    public const string TransferDebitKind = "transfer_debit";
}

public sealed record TransferChange(AppId App, string AccountId, StoredDocument Change, TransferDocument Transfer) : AuditChange(App, AccountId, Change)
{
    public const string Posted = "posted";
    public const string Voided = "voided";

    public bool IsFinal => Transfer.State is Posted or Voided;

    public override string? LegsTransferId => IsFinal ? Transfer.TransferId : null;
}

public sealed record UnreadableChange(AppId App, string AccountId, StoredDocument Change, string Error) : AuditChange(App, AccountId, Change);
