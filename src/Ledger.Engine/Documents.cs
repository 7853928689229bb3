using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine;

/// <summary>
/// The document types the engine stores and the ids it gives them. Ids are deterministic, so that a
/// repeated request or a repeated saga step meets its own earlier write and fails atomically instead
/// of writing twice.
/// </summary>
public static class DocumentTypes
{
    public const string Account = "account";
    public const string Entry = "entry";
    public const string Transfer = "transfer";
    public const string CreditRefusal = "credit_refusal";
    public const string RefundTracker = "refund_tracker";
    public const string IdempotencyClaim = "idempotency_claim";
    public const string Snapshot = "snapshot";
    public const string Refusal = "refusal";
    public const string CaptureMarker = "capture_marker";

    public const string AccountDocumentId = "account";
    public const string ClaimDocumentId = "claim";

    public static string EntryId(TransactionId transactionId) => "tx:" + transactionId.Value;

    public static string TransferDocumentId(string transferId) => "transfer:" + transferId;

    public static string RefundTrackerId(string refundedId) => "refunds:" + refundedId;

    /// <summary>Accounts are namespaced by app, so two apps can never see or touch each other's accounts.</summary>
    public static string AccountPartition(AppId app, AccountId account) => app.Value + "/" + account.Value;

    /// <summary>
    /// Each idempotency key has its own partition: one small document, never hot. It is named by a digest
    /// of the key, because keys may be as long as a partition key may be.
    /// </summary>
    public static string ClaimPartition(AppId app, IdempotencyKey key)
        => DigestedIds.Of("idem/" + app.Value + "/", 64, key.Value);

    /// <summary>The index key that lists an app's accounts of one owner (and, by prefix, all of the app's accounts).</summary>
    public static string OwnerIndexKey(AppId app, OwnerId owner) => app.Value + "|" + owner.Value;

    public static string AppIndexPrefix(AppId app) => app.Value + "|";

    /// <summary>
    /// The index key transfers that had not reached a final state carried before they were indexed by when
    /// they are due; it is the prefix of every open transfer's key, so a prefix query finds them all.
    /// </summary>
    public const string OpenTransferIndexKey = "open-transfer";

    /// <summary>An open hold's key: its expiry, so the expiry sweep reads only the holds that are due.</summary>
    public const string HoldExpiryIndexPrefix = OpenTransferIndexKey + "|expiry|";

    /// <summary>An open transfer's key: when it is next due for a drive (its last change, or the end of its back-off).</summary>
    public const string TransferDueIndexPrefix = OpenTransferIndexKey + "|due|";

    /// <summary>A stuck transfer's key, per app, so an app lists its own and the sweep finds them all.</summary>
    public const string StuckTransferIndexPrefix = OpenTransferIndexKey + "|stuck|";

    public static string StuckTransferIndexPrefixOf(AppId app) => StuckTransferIndexPrefix + app.Value + "|";

    /// <summary>An instant in a fixed-width, ordinally sortable form, for index keys compared as strings.</summary>
    public static string SortableTime(DateTimeOffset at)
        => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The exclusive upper bound that takes, under <paramref name="prefix"/>, every key at or before <paramref name="at"/>.</summary>
    public static string DueUpTo(string prefix, DateTimeOffset at)
        => prefix + SortableTime(at == DateTimeOffset.MaxValue ? at : at.AddTicks(1));

    /// <summary>The index key of an open transfer (null once final): by expiry for a hold, per app when stuck, else by due time.</summary>
    public static string? OpenTransferIndexKeyOf(TransferRecord transfer)
    {
        if (transfer.IsFinal)
        {
            return null;
        }

        if (transfer.StuckSince is { } stuckSince)
        {
            return StuckTransferIndexPrefixOf(transfer.App) + SortableTime(stuckSince);
        }

        return transfer.State == TransferState.Reserved && transfer.ExpiresAt is { } expiresAt
            ? HoldExpiryIndexPrefix + SortableTime(Later(expiresAt, transfer.RetryAfter))
            : TransferDueIndexPrefix + SortableTime(Later(transfer.UpdatedAt, transfer.RetryAfter));
    }

    private static DateTimeOffset Later(DateTimeOffset first, DateTimeOffset? second) => second is { } other && other > first ? other : first;
}

public sealed record AccountDocument
{
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("owner_id")] public required string OwnerId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("floor")] public required long Floor { get; init; }
    [JsonPropertyName("balance")] public required long Balance { get; init; }
    [JsonPropertyName("pending_debits")] public required long PendingDebits { get; init; }
    [JsonPropertyName("issuance_contra_balance")] public required long IssuanceContraBalance { get; init; }
    [JsonPropertyName("last_sequence")] public required long LastSequence { get; init; }
    [JsonPropertyName("low_balance_threshold")] public long? LowBalanceThreshold { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("last_posted_at")] public DateTimeOffset? LastPostedAt { get; init; }
    [JsonPropertyName("opened_by_key")] public string? OpenedByKey { get; init; }
    [JsonPropertyName("last_entry_hash")] public string? LastEntryHash { get; init; }
    [JsonPropertyName("chain_start_sequence")] public long? ChainStartSequence { get; init; }

    public static AccountDocument From(AccountState state) => new()
    {
        AccountId = state.Id.Value,
        AppId = state.App.Value,
        OwnerId = state.Owner.Value,
        Status = StatusName(state.Status),
        Floor = state.Floor,
        Balance = state.Balance,
        PendingDebits = state.PendingDebits,
        IssuanceContraBalance = state.IssuanceContraBalance,
        LastSequence = state.LastSequence,
        LowBalanceThreshold = state.LowBalanceThreshold,
        CreatedAt = state.CreatedAt,
        UpdatedAt = state.UpdatedAt,
        LastPostedAt = state.LastPostedAt,
        OpenedByKey = state.OpenedByKey,
        LastEntryHash = state.LastEntryHash,
        ChainStartSequence = state.ChainStartSequence,
    };

    public AccountState ToState()
    {
        var state = new AccountState
        {
            Id = Domain.AccountId.From(AccountId),
            App = Domain.AppId.From(AppId),
            Owner = Domain.OwnerId.From(OwnerId),
            Status = ParseStatus(Status),
            Floor = Floor,
            Balance = Balance,
            PendingDebits = PendingDebits,
            IssuanceContraBalance = IssuanceContraBalance,
            LastSequence = LastSequence,
            LowBalanceThreshold = LowBalanceThreshold,
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            LastPostedAt = LastPostedAt,
            OpenedByKey = OpenedByKey,
            LastEntryHash = LastEntryHash,
            ChainStartSequence = ChainStartSequence,
        };

        // Checked on every read as well as before every write: invariants are checked in pairs.
        state.AssertInvariants();
        return state;
    }

    public static string StatusName(AccountStatus status) => status switch
    {
        AccountStatus.Open => "open",
        AccountStatus.Frozen => "frozen",
        AccountStatus.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static AccountStatus ParseStatus(string status) => status switch
    {
        "open" => AccountStatus.Open,
        "frozen" => AccountStatus.Frozen,
        "closed" => AccountStatus.Closed,
        _ => throw new InvalidOperationException($"Stored account has unknown status '{status}'."),
    };
}

public sealed record LegDocument(
    [property: JsonPropertyName("account_id")] string AccountId,
    [property: JsonPropertyName("amount")] long Amount);

public sealed record EntryDocument
{
    [JsonPropertyName("transaction_id")] public required string TransactionId { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("sequence")] public required long Sequence { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("operation")] public string? Operation { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("amount")] public required long Amount { get; init; }
    [JsonPropertyName("balance_after")] public required long BalanceAfter { get; init; }
    [JsonPropertyName("counterparty")] public required string Counterparty { get; init; }
    [JsonPropertyName("transfer_id")] public string? TransferId { get; init; }
    [JsonPropertyName("reverses_transaction_id")] public string? ReversesTransactionId { get; init; }
    [JsonPropertyName("posted_at")] public required DateTimeOffset PostedAt { get; init; }
    [JsonPropertyName("legs")] public required IReadOnlyList<LegDocument> Legs { get; init; }

    /// <summary>The entry's link in its account's hash chain (<see cref="EntryChain"/>); absent on entries older than chains.</summary>
    [JsonPropertyName("hash")] public string? Hash { get; init; }

    public static EntryDocument From(LedgerEntry entry) => new()
    {
        TransactionId = entry.TransactionId.Value,
        AccountId = entry.Account.Value,
        Sequence = entry.Sequence,
        Kind = KindName(entry.Kind),
        Operation = entry.Operation,
        Reason = entry.Details.Reason,
        Memo = entry.Details.Memo,
        Category = entry.Details.Category,
        Amount = entry.AmountMinorUnits,
        BalanceAfter = entry.BalanceAfter,
        Counterparty = entry.Counterparty.Value,
        TransferId = entry.TransferId,
        ReversesTransactionId = entry.ReversesTransactionId?.Value,
        PostedAt = entry.PostedAt,
        Legs = LegDocuments(entry.Legs),
        Hash = entry.Hash,
    };

    /// <summary>The legs as stored; a loop rather than LINQ because every posting runs it.</summary>
    private static LegDocument[] LegDocuments(IReadOnlyList<Leg> legs)
    {
        var documents = new LegDocument[legs.Count];
        for (var index = 0; index < documents.Length; index++)
        {
            documents[index] = new LegDocument(legs[index].Account.Value, legs[index].AmountMinorUnits);
        }

        return documents;
    }

    public static string KindName(TransactionKind kind) => TransactionKinds.NameOf(kind);

    /// <summary>
    /// The entry this document stores, or why it is not one (a document changed outside the ledger may
    /// break the identifier and text rules); the chain verifier hashes what this returns.
    /// </summary>
    public Result<LedgerEntry> ToEntry()
    {
        var transactionId = Domain.TransactionId.Parse(TransactionId, "transaction_id");
        var account = Domain.AccountId.Parse(AccountId);
        var counterparty = ParseAccountOrIssuance(Counterparty, "counterparty");
        var reverses = ReversesTransactionId is null ? default(Result<TransactionId>?) : Domain.TransactionId.Parse(ReversesTransactionId, "reverses_transaction_id");
        var details = TransactionDetails.Create(Reason, Memo, Category);
        var kind = TransactionKinds.Parse(Kind);
        var legs = Legs.Select(leg => (Account: ParseAccountOrIssuance(leg.AccountId, "legs"), leg.Amount)).ToArray();
        var legError = legs.Select(leg => leg.Account.Error).FirstOrDefault(error => error is not null);
        if ((transactionId.Error ?? account.Error ?? counterparty.Error ?? reverses?.Error ?? details.Error ?? legError) is { } error)
        {
            return error;
        }

        if (kind is not { } knownKind)
        {
            return LedgerError.Invalid("kind", $"'{Kind}' is not a kind of entry.");
        }

        return new LedgerEntry
        {
            TransactionId = transactionId.Value,
            Account = account.Value,
            Sequence = Sequence,
            Kind = knownKind,
            Operation = Operation,
            Details = details.Value,
            Legs = legs.Select(leg => new Leg(leg.Account.Value, leg.Amount)).ToArray(),
            AmountMinorUnits = Amount,
            BalanceAfter = BalanceAfter,
            Counterparty = counterparty.Value,
            TransferId = TransferId,
            ReversesTransactionId = reverses?.Value,
            PostedAt = PostedAt,
            Hash = Hash,
        };
    }

    private static Result<AccountId> ParseAccountOrIssuance(string value, string field)
        => value == Domain.AccountId.Issuance.Value ? Domain.AccountId.Issuance : Domain.AccountId.Parse(value, field);
}

/// <summary>
/// The idempotency claim of one key: what request it was first used for. A retry with the same
/// fingerprint replays; a different request with the same key is refused.
/// </summary>
public sealed record ClaimDocument
{
    [JsonPropertyName("app_id")] public required string AppId { get; init; }
    [JsonPropertyName("idempotency_key")] public required string IdempotencyKey { get; init; }
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// A keyed request that the rules refused, recorded under the id its effect would have had. Whichever
/// of the two is written first is the request's outcome for good, so a repeat gets the original status
/// and body even when the account has changed since.
/// </summary>
public sealed record RefusalDocument
{
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("field")] public string? Field { get; init; }
    [JsonPropertyName("refused_at")] public required DateTimeOffset RefusedAt { get; init; }

    public LedgerError ToError() => new(Code, Message, Field);

    public static DocumentWrite Write(string id, LedgerError error, DateTimeOffset now)
        => DocumentWrite.Create(
            id,
            DocumentTypes.Refusal,
            DocumentCodec.Encode(new RefusalDocument { Code = error.Code, Message = error.Message, Field = error.Field, RefusedAt = now }, LedgerDocumentJsonContext.Documents.RefusalDocument));

    /// <summary>Whether a refusal is the request's final answer; contention is transient and never recorded.</summary>
    public static bool IsRecorded(LedgerError error) => error.Code != ErrorCodes.Contention;
}
