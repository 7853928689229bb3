namespace Ledger.Domain;

/// <summary>How an account's chain breaks; the names are the stable <c>reason</c> codes the verify route answers.</summary>
public static class ChainBreakReasons
{
    /// <summary>The entry's stored hash is not the hash of its content linked after the entry before it: it was changed.</summary>
    public const string HashMismatch = "hash_mismatch";

    /// <summary>An entry from the account's chain start on has no hash.</summary>
    public const string MissingHash = "missing_hash";

    /// <summary>A sequence number is missing (a removed entry) or out of order.</summary>
    public const string MissingSequence = "missing_sequence";

    /// <summary>The entry's balance after does not follow from the entries before it, or the account's balance from its entries.</summary>
    public const string BalanceMismatch = "balance_mismatch";

    /// <summary>The stored entry cannot be read as an entry at all.</summary>
    public const string UnreadableEntry = "unreadable_entry";

    /// <summary>The account's record of its newest entry (sequence and hash) does not match the chain's end.</summary>
    public const string HeadMismatch = "head_mismatch";
}

/// <summary>Where and how an account's chain first breaks: the entry (sequence, transaction id when known) and the reason.</summary>
public sealed record ChainBreak(long Sequence, string? TransactionId, string Reason, string Detail);

/// <summary>
/// How far a verification got: the next sequence it expects, the hash to link to (null before the first
/// hashed entry) and the balance the entries so far add up to. A verification can resume from it.
/// </summary>
public sealed record ChainCheckpoint(long NextSequence, string? PreviousHash, long Balance)
{
    public static ChainCheckpoint Start { get; } = new(1, null, 0);
}

/// <summary>
/// Recomputes an account's chain and balance entry by entry, in sequence order, and names the first entry
/// that breaks either. Pure and incremental: the caller feeds entries a page at a time and keeps only
/// <see cref="Checkpoint"/>, so verifying a long account needs bounded memory. Entries before
/// <paramref name="chainStartSequence"/> (the account's first hashed entry; null when it has none) are
/// older than chains: their balances are checked, their hashes are not.
/// </summary>
public sealed class ChainVerifier(ChainCheckpoint from, long? chainStartSequence)
{
    public ChainCheckpoint Checkpoint { get; private set; } = from;

    /// <summary>The entry last accepted, for naming the end of the chain.</summary>
    public LedgerEntry? Last { get; private set; }

    /// <summary>Checks the next entry; null when it continues the chain, else the break (and the verifier stops there).</summary>
    public ChainBreak? Accept(LedgerEntry entry)
    {
        var id = entry.TransactionId.Value;
        if (entry.Sequence != Checkpoint.NextSequence)
        {
            return new ChainBreak(Checkpoint.NextSequence, entry.Sequence > Checkpoint.NextSequence ? null : id, ChainBreakReasons.MissingSequence,
                $"Entry {Checkpoint.NextSequence} is missing: the next stored entry is {entry.Sequence} ('{id}').");
        }

        string? hash = null;
        if (entry.Sequence >= chainStartSequence)
        {
            if (entry.Hash is null)
            {
                return new ChainBreak(entry.Sequence, id, ChainBreakReasons.MissingHash, $"Entry {entry.Sequence} has no hash, but the account's chain starts at {chainStartSequence}.");
            }

            hash = EntryChain.Link(Checkpoint.PreviousHash ?? EntryChain.Genesis, entry);
            if (!string.Equals(hash, entry.Hash, StringComparison.Ordinal))
            {
                return new ChainBreak(entry.Sequence, id, ChainBreakReasons.HashMismatch, $"Entry {entry.Sequence} hashes to {hash}, not the stored {entry.Hash}: its content or an earlier link changed.");
            }
        }

        var balance = checked(Checkpoint.Balance + entry.AmountMinorUnits);
        if (entry.BalanceAfter != balance || !LegsCarry(entry))
        {
            return new ChainBreak(entry.Sequence, id, ChainBreakReasons.BalanceMismatch,
                $"Entry {entry.Sequence} says balance {entry.BalanceAfter} after {entry.AmountMinorUnits}; the entries before it give {balance}.");
        }

        Checkpoint = new ChainCheckpoint(checked(entry.Sequence + 1), hash, balance);
        Last = entry;
        return null;
    }

    /// <summary>The break for a stored entry that could not be read as one.</summary>
    public static ChainBreak Unreadable(long sequence, string? transactionId, string why)
        => new(sequence, transactionId, ChainBreakReasons.UnreadableEntry, $"Entry {sequence} cannot be read: {why}");

    /// <summary>
    /// After the last entry: the account's newest sequence, last hash and balance must be where the chain
    /// ended, or entries are missing at the end or the account was changed apart from its entries.
    /// </summary>
    public ChainBreak? Finish(AccountState account)
    {
        var last = Checkpoint.NextSequence - 1;
        if (account.LastSequence > last)
        {
            return new ChainBreak(checked(last + 1), null, ChainBreakReasons.MissingSequence,
                $"The account's newest entry is {account.LastSequence}, but the entries end at {last}.");
        }

        if (account.LastSequence < last || !string.Equals(account.LastEntryHash, Checkpoint.PreviousHash, StringComparison.Ordinal))
        {
            return new ChainBreak(last, Last?.TransactionId.Value, ChainBreakReasons.HeadMismatch,
                $"The account records entry {account.LastSequence} with hash {account.LastEntryHash ?? "none"}; the chain ends at {last} with {Checkpoint.PreviousHash ?? "none"}.");
        }

        if (account.Balance != Checkpoint.Balance)
        {
            return new ChainBreak(last, Last?.TransactionId.Value, ChainBreakReasons.BalanceMismatch,
                $"The account's balance is {account.Balance}; its entries add up to {Checkpoint.Balance}.");
        }

        return null;
    }

    /// <summary>The entry's own leg is its amount, and the legs it carries in this partition are consistent with its kind.</summary>
    private static bool LegsCarry(LedgerEntry entry)
    {
        var own = entry.Legs.Where(leg => leg.Account == entry.Account).Sum(leg => leg.AmountMinorUnits);
        var isTransferSide = entry.Kind is TransactionKind.TransferCredit or TransactionKind.TransferDebit;
        var total = entry.Legs.Sum(leg => leg.AmountMinorUnits);
        return own == entry.AmountMinorUnits && (isTransferSide || total == 0);
    }
}
