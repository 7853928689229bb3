using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
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
    public static string Link(string previousHash, LedgerEntry entry)
    {
        // Every posting seals an entry, so the bytes are laid out once, in one buffer behind the previous
        // hash, and hashed in one call: no intermediate arrays and no hash object per entry.
        var length = SHA256.HashSizeInBytes + CanonicalLength(entry);
        byte[]? rented = null;
        var buffer = length <= StackBufferBytes ? stackalloc byte[StackBufferBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            WritePreviousHash(buffer, previousHash);
            var written = WriteCanonical(buffer[SHA256.HashSizeInBytes..], entry);
            Debug.Assert(written == length - SHA256.HashSizeInBytes, "The canonical length and the bytes written agree.");
            return HashToHex(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The hash of an entry whose canonical bytes are <paramref name="canonicalBytes"/>, linked after <paramref name="previousHash"/>.</summary>
    public static string Link(string previousHash, ReadOnlySpan<byte> canonicalBytes)
    {
        var linked = new byte[SHA256.HashSizeInBytes + canonicalBytes.Length];
        WritePreviousHash(linked, previousHash);
        canonicalBytes.CopyTo(linked.AsSpan(SHA256.HashSizeInBytes));
        return HashToHex(linked);
    }

    /// <summary>The hash a new entry of <paramref name="account"/> links to: the account's last hash, or genesis.</summary>
    public static string PreviousHashOf(AccountState account) => account.LastEntryHash ?? Genesis;

    /// <summary><paramref name="entry"/> with its <see cref="LedgerEntry.Hash"/> set, linked after the account's last entry.</summary>
    public static LedgerEntry Sealed(AccountState account, LedgerEntry entry) => entry with { Hash = Link(PreviousHashOf(account), entry) };

    /// <summary>The canonical encoding of an entry's content (everything but its hash); see the remarks on <see cref="EntryChain"/>.</summary>
    public static byte[] CanonicalBytes(LedgerEntry entry)
    {
        var bytes = new byte[CanonicalLength(entry)];
        var written = WriteCanonical(bytes, entry);
        Debug.Assert(written == bytes.Length, "The canonical length and the bytes written agree.");
        return bytes;
    }

    /// <summary>Entries whose linked bytes fit here are hashed from the stack; most do, the rest use a pooled buffer.</summary>
    private const int StackBufferBytes = 512;

    private static void WritePreviousHash(Span<byte> destination, string previousHash)
    {
        var status = Convert.FromHexString(previousHash, destination[..SHA256.HashSizeInBytes], out var charsConsumed, out var bytesWritten);
        if (status != OperationStatus.Done || charsConsumed != previousHash.Length || bytesWritten != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("A chain hash is 32 bytes of hex.", nameof(previousHash));
        }
    }

    private static string HashToHex(ReadOnlySpan<byte> linked)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var written = SHA256.HashData(linked, hash);
        Debug.Assert(written == SHA256.HashSizeInBytes, "SHA-256 writes 32 bytes.");
        return Convert.ToHexStringLower(hash);
    }

    private static int CanonicalLength(LedgerEntry entry)
    {
        var length = StringLength(FormatTag) + StringLength(entry.TransactionId.Value) + StringLength(entry.Account.Value)
            + StringLength(TransactionKinds.NameOf(entry.Kind)) + StringLength(entry.Operation) + StringLength(entry.Details.Reason)
            + StringLength(entry.Details.Memo) + StringLength(entry.Details.Category) + StringLength(entry.Counterparty.Value)
            + StringLength(entry.TransferId) + StringLength(entry.ReversesTransactionId?.Value)
            + (5 * sizeof(long)); // sequence, amount, balance after, posted-at and the leg count
        foreach (var leg in entry.Legs)
        {
            length += StringLength(leg.Account.Value) + sizeof(long);
        }

        return length;
    }

    private static int WriteCanonical(Span<byte> destination, LedgerEntry entry)
    {
        var position = 0;
        WriteString(destination, ref position, FormatTag);
        WriteNumber(destination, ref position, entry.Sequence);
        WriteString(destination, ref position, entry.TransactionId.Value);
        WriteString(destination, ref position, entry.Account.Value);
        WriteString(destination, ref position, TransactionKinds.NameOf(entry.Kind));
        WriteString(destination, ref position, entry.Operation);
        WriteString(destination, ref position, entry.Details.Reason);
        WriteString(destination, ref position, entry.Details.Memo);
        WriteString(destination, ref position, entry.Details.Category);
        WriteNumber(destination, ref position, entry.AmountMinorUnits);
        WriteNumber(destination, ref position, entry.BalanceAfter);
        WriteString(destination, ref position, entry.Counterparty.Value);
        WriteString(destination, ref position, entry.TransferId);
        WriteString(destination, ref position, entry.ReversesTransactionId?.Value);
        WriteNumber(destination, ref position, entry.PostedAt.UtcTicks);
        WriteNumber(destination, ref position, entry.Legs.Count);
        foreach (var leg in entry.Legs)
        {
            WriteString(destination, ref position, leg.Account.Value);
            WriteNumber(destination, ref position, leg.AmountMinorUnits);
        }

        return position;
    }

    /// <summary>A string's encoded size: its 4-byte length, then its UTF-8 bytes (none when absent).</summary>
    private static int StringLength(string? value) => sizeof(int) + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private static void WriteString(Span<byte> destination, ref int position, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(destination[position..], -1);
            position += sizeof(int);
            return;
        }

        var byteCount = Encoding.UTF8.GetBytes(value, destination[(position + sizeof(int))..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[position..], byteCount);
        position += sizeof(int) + byteCount;
    }

    private static void WriteNumber(Span<byte> destination, ref int position, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination[position..], value);
        position += sizeof(long);
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
