using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;

namespace Ledger.Store.Cosmos;

/// <summary>
/// Where a reader stands in the change feed: a Cosmos DB continuation token, and — only when the last
/// page had to be cut — which changes after that token were already handed out.
/// </summary>
/// <remarks>
/// The change feed keeps a transactional batch together: a page can hold more items than were asked
/// for, and its continuation lies after all of them. To give a reader at most <c>maxItems</c> without
/// losing the rest, the store hands out part of the page and stays at the old token, remembering the
/// handed-out changes by a 64-bit hash of their <see cref="StoredDocument.ChangeId"/>; the next read
/// repeats the same token and skips them. Identity, not position, is remembered, so the skip stays
/// right even when the repeated read returns a different page. The plain form is Cosmos DB's own token;
/// the cut form is <see cref="Prefix"/> followed by base64url of: one version byte, one byte saying
/// whether a token follows, a 16-bit count, the 8-byte hashes, and the token's UTF-8 bytes.
/// </remarks>
internal sealed class ChangeFeedPosition
{
    public const string Prefix = "ledger-cf1.";

    private const byte FormatVersion = 1;
    private const int HeaderBytes = 4;
    private const int HashBytes = sizeof(ulong);

    /// <summary>Most remembered changes: a page holds at most a page size plus one transactional batch.</summary>
    internal const int MaxDelivered = StoreLimits.MaxPageSize + PartitionBatch.MaxWrites;

    private readonly HashSet<ulong> _delivered;

    private ChangeFeedPosition(string? cosmosToken, HashSet<ulong> delivered)
    {
        CosmosToken = cosmosToken;
        _delivered = delivered;
    }

    public static ChangeFeedPosition Beginning => new(null, []);

    /// <summary>Cosmos DB's continuation, or null for the beginning of the feed.</summary>
    public string? CosmosToken { get; }

    public int DeliveredCount => _delivered.Count;

    public ChangeFeedStartFrom StartFrom()
        => CosmosToken is null ? ChangeFeedStartFrom.Beginning() : ChangeFeedStartFrom.ContinuationToken(CosmosToken);

    public bool WasDelivered(StoredDocument change) => _delivered.Count > 0 && _delivered.Contains(Hash(change));

    public static ChangeFeedPosition Parse(string? continuation)
    {
        if (string.IsNullOrEmpty(continuation))
        {
            return Beginning;
        }

        if (!continuation.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return new ChangeFeedPosition(continuation, []);
        }

        try
        {
            var bytes = Base64Url.DecodeFromChars(continuation.AsSpan(Prefix.Length));
            if (bytes.Length < HeaderBytes || bytes[0] != FormatVersion || bytes[1] > 1)
            {
                throw new FormatException("Unknown change-feed position header.");
            }

            var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2));
            var tokenStart = HeaderBytes + (count * HashBytes);
            if (count > MaxDelivered || bytes.Length < tokenStart)
            {
                throw new FormatException("A change-feed position holds too few bytes for its hashes.");
            }

            var delivered = new HashSet<ulong>(count);
            for (var index = 0; index < count; index++)
            {
                delivered.Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(HeaderBytes + (index * HashBytes))));
            }

            var token = bytes[1] == 1 ? Encoding.UTF8.GetString(bytes, tokenStart, bytes.Length - tokenStart) : null;
            return new ChangeFeedPosition(token, delivered);
        }
        catch (FormatException exception)
        {
            throw new ArgumentException("The change-feed continuation is malformed; pass back a continuation this store returned.", nameof(continuation), exception);
        }
    }

    /// <summary>The position inside a cut page: the same token plus what has been handed out so far.</summary>
    public string WithDelivered(IEnumerable<StoredDocument> handedOut)
    {
        var delivered = new HashSet<ulong>(_delivered);
        foreach (var change in handedOut)
        {
            delivered.Add(Hash(change));
        }

        return Serialize(CosmosToken, delivered);
    }

    /// <summary>This position as a continuation string.</summary>
    public string Serialize() => _delivered.Count == 0 && CosmosToken is not null ? CosmosToken : Serialize(CosmosToken, _delivered);

    private static string Serialize(string? token, HashSet<ulong> delivered)
    {
        if (delivered.Count > MaxDelivered)
        {
            throw new InvalidOperationException($"A change-feed position cannot remember {delivered.Count} changes.");
        }

        var tokenBytes = token is null ? [] : Encoding.UTF8.GetBytes(token);
        var bytes = new byte[HeaderBytes + (delivered.Count * HashBytes) + tokenBytes.Length];
        bytes[0] = FormatVersion;
        bytes[1] = token is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), checked((ushort)delivered.Count));
        var offset = HeaderBytes;
        foreach (var hash in delivered.Order())
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), hash);
            offset += HashBytes;
        }

        tokenBytes.CopyTo(bytes.AsSpan(offset));
        return Prefix + Base64Url.EncodeToString(bytes);
    }

    private static ulong Hash(StoredDocument change)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(change.ChangeId), digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }
}
