namespace Ledger.Domain;

public enum TransactionKind
{
    Mint,
    Burn,
    Operation,

    /// <summary>The debit side of a two-phase transfer, posted in the source account's partition.</summary>
    TransferDebit,

    /// <summary>The credit side of a two-phase transfer, posted in the destination account's partition.</summary>
    TransferCredit,
}

/// <summary>One leg of a double-entry transaction: a signed amount on one account (credit positive).</summary>
public readonly record struct Leg(AccountId Account, long AmountMinorUnits);

/// <summary>
/// What one transaction posted in one account's partition: immutable, append-only, numbered by
/// <see cref="Sequence"/>. Mints, burns and operations carry both legs (the user's and the issuance
/// contra-account's), so they sum to zero inside the partition; a transfer's two legs live in the two
/// accounts' partitions and sum to zero across them.
/// </summary>
public sealed record LedgerEntry
{
    public required TransactionId TransactionId { get; init; }
    public required AccountId Account { get; init; }
    public required long Sequence { get; init; }
    public required TransactionKind Kind { get; init; }
    public string? Operation { get; init; }
    public required TransactionDetails Details { get; init; }
    public required IReadOnlyList<Leg> Legs { get; init; }

    /// <summary>The change of this account's balance: the leg on <see cref="Account"/>.</summary>
    public required long AmountMinorUnits { get; init; }

    public required long BalanceAfter { get; init; }

    /// <summary>The other side: the issuance contra-account for mints, burns and operations, the other account for transfers.</summary>
    public required AccountId Counterparty { get; init; }

    /// <summary>The transfer this entry belongs to, when it is one side of a transfer.</summary>
    public string? TransferId { get; init; }

    /// <summary>The transaction this one reverses or refunds (invariant 5: corrections point at the original).</summary>
    public TransactionId? ReversesTransactionId { get; init; }

    public required DateTimeOffset PostedAt { get; init; }

    /// <summary>
    /// SHA-256 of the previous entry's hash and this entry's canonical bytes, as lower-case hex
    /// (<see cref="EntryChain"/>); null only on entries written before chains existed.
    /// </summary>
    public string? Hash { get; init; }
}
