using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain;

/// <summary>
/// The per-account hash chain that makes entries tamper-evident: each entry's hash is
/// SHA-256(previous entry's hash ‖ canonical bytes of this entry), so changing, removing or reordering
/// any entry changes every hash after it. The first hashed entry of an account links to
/// <see cref="Genesis"/> (32 zero bytes); entries written before chains existed carry no hash, and the
/// chain starts at the first entry that has one.
/// </summary>
/// <remarks>
/// The canonical bytes (version <see cref="FormatTag"/>) are, in this order: the tag as a string, then
/// sequence, transaction id, account id, kind name, operation, reason, memo, category, amount,
/// balance after, counterparty, transfer id, reverses-transaction id, posted-at, and the legs (a count,
/// then account id and amount of each). A string is its UTF-8 length as a 4-byte big-endian signed
/// integer followed by its UTF-8 bytes, an absent string is the length −1 with no bytes; a number is
/// 8 bytes big-endian two's complement; posted-at is its UTC ticks (100 ns since 0001-01-01) as a number.
/// No text formatting is involved, so the encoding does not depend on culture or JSON spelling.
/// </remarks>
public static class EntryChain
{
    public const string FormatTag = "ledger.entry.v1";

    /// <summary>The hash the first hashed entry of an account links to, as lower-case hex.</summary>
    public static readonly string Genesis = new('0', SHA256.HashSizeInBytes * 2);

    /// <summary>The hash of <paramref name="entry"/> linked after <paramref name="previousHash"/> (lower-case hex).</summary>
    public static string Link(string previousHash, LedgerEntry entry) => Link(previousHash, CanonicalBytes(entry));

    /// <summary>The hash of an entry whose canonical bytes are <paramref name="canonicalBytes"/>, linked after <paramref name="previousHash"/>.</summary>
    public static string Link(string previousHash, ReadOnlySpan<byte> canonicalBytes)
    {
        var previous = Convert.FromHexString(previousHash);
        if (previous.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("A chain hash is 32 bytes of hex.", nameof(previousHash));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        hash.AppendData(canonicalBytes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The hash a new entry of <paramref name="account"/> links to: the account's last hash, or genesis.</summary>
    public static string PreviousHashOf(AccountState account) => account.LastEntryHash ?? Genesis;

    /// <summary><paramref name="entry"/> with its <see cref="LedgerEntry.Hash"/> set, linked after the account's last entry.</summary>
    public static LedgerEntry Sealed(AccountState account, LedgerEntry entry) => entry with { Hash = Link(PreviousHashOf(account), entry) };

    /// <summary>The canonical encoding of an entry's content (everything but its hash); see the remarks on <see cref="EntryChain"/>.</summary>
    public static byte[] CanonicalBytes(LedgerEntry entry)
    {
        var buffer = new List<byte>(256);
        WriteString(buffer, FormatTag);
        WriteNumber(buffer, entry.Sequence);
        WriteString(buffer, entry.TransactionId.Value);
        WriteString(buffer, entry.Account.Value);
        WriteString(buffer, TransactionKinds.NameOf(entry.Kind));
        WriteString(buffer, entry.Operation);
        WriteString(buffer, entry.Details.Reason);
        WriteString(buffer, entry.Details.Memo);
        WriteString(buffer, entry.Details.Category);
        WriteNumber(buffer, entry.AmountMinorUnits);
        WriteNumber(buffer, entry.BalanceAfter);
        WriteString(buffer, entry.Counterparty.Value);
        WriteString(buffer, entry.TransferId);
        WriteString(buffer, entry.ReversesTransactionId?.Value);
        WriteNumber(buffer, entry.PostedAt.UtcTicks);
        WriteNumber(buffer, entry.Legs.Count);
        foreach (var leg in entry.Legs)
        {
            WriteString(buffer, leg.Account.Value);
            WriteNumber(buffer, leg.AmountMinorUnits);
        }

        return [.. buffer];
    }

    private static void WriteString(List<byte> buffer, string? value)
    {
        if (value is null)
        {
            WriteLength(buffer, -1);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        WriteLength(buffer, bytes.Length);
        buffer.AddRange(bytes);
    }

    private static void WriteLength(List<byte> buffer, int length)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, length);
        buffer.AddRange(bytes);
    }

    private static void WriteNumber(List<byte> buffer, long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        buffer.AddRange(bytes);
    }
}

/// <summary>The wire names of <see cref="TransactionKind"/>: stored, answered and hashed, so they never change.</summary>
public static class TransactionKinds
{
    public static string NameOf(TransactionKind kind) => kind switch
    {
        TransactionKind.Mint => "mint",
        TransactionKind.Burn => "burn",
        TransactionKind.Operation => "operation",
        TransactionKind.TransferDebit => "transfer_debit",
        TransactionKind.TransferCredit => "transfer_credit",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static TransactionKind? Parse(string name) => name switch
    {
        "mint" => TransactionKind.Mint,
        "burn" => TransactionKind.Burn,
        "operation" => TransactionKind.Operation,
        "transfer_debit" => TransactionKind.TransferDebit,
        "transfer_credit" => TransactionKind.TransferCredit,
        _ => null,
    };
}
