using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Ledger.Store.Sqlite;

/// <summary>
/// The integer keys the ledger file indexes its documents by, instead of their text partition and id.
/// </summary>
/// <remarks>
/// A document's key puts its partition's hash in the high 32 bits and its id's hash in the low 32, so
/// the key index holds eight bytes per document where the text pair took about a hundred (its pages hold
/// ten times the documents, so fewer of them are dirtied per commit and more stay cached), and a
/// partition's documents are one range of keys. Keys are not unique: every lookup also compares the
/// partition and id text, so two documents whose hashes collide are still told apart, and only cost a
/// step more. The hash is seeded with a secret drawn when the file was created and kept in it, so
/// nobody choosing account ids or idempotency keys can aim collisions at another partition. The hash
/// reads a string's UTF-16 code units in memory order: a file moves only between little-endian hosts,
/// which are all the hosts .NET 10 runs on.
/// </remarks>
internal sealed class DocumentKeys(long seed)
{
    /// <summary>The seed's name in the file's <c>store_settings</c> table.</summary>
    public const string SeedSettingName = "document_key_seed";

    private const int HashBits = 32;

    /// <summary>The document's key: its partition's hash, then its id's.</summary>
    public long Of(string partition, string id)
        => unchecked((long)((PartitionHash(partition) << HashBits) | (Hash(id) >> HashBits)));

    /// <summary>The partition's hash, as the sort-key index holds it.</summary>
    public long PartitionOf(string partition) => (long)PartitionHash(partition);

    /// <summary>The partition's hash read back from a document's key (its high half), without hashing again.</summary>
    public static long PartitionOfKey(long key) => (long)(unchecked((ulong)key) >> HashBits);

    /// <summary>The least and greatest key any document of <paramref name="partition"/> can have.</summary>
    public (long Lowest, long Highest) RangeOf(string partition)
    {
        // The low half of the lowest key is zero, so adding the most it can hold never overflows.
        var lowest = unchecked((long)(PartitionHash(partition) << HashBits));
        return (lowest, lowest + uint.MaxValue);
    }

    private ulong PartitionHash(string partition) => Hash(partition) >> HashBits;

    private ulong Hash(string text) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan()), seed);
}
