using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Ledger.Storage;

/// <summary>What one write inside a <see cref="PartitionBatch"/> does.</summary>
public enum WriteKind
{
    /// <summary>Insert; the batch fails with <see cref="BatchOutcome.Conflict"/> if the id exists.</summary>
    Create,

    /// <summary>Overwrite an existing document; fails with NotFound if it is missing and with
    /// PreconditionFailed if <see cref="DocumentWrite.IfMatchETag"/> is set and does not match.</summary>
    Replace,

    /// <summary>Insert or overwrite, honouring <see cref="DocumentWrite.IfMatchETag"/> when set.</summary>
    Upsert,

    /// <summary>Remove; fails with NotFound if missing and PreconditionFailed on an ETag mismatch.</summary>
    Delete,
}

/// <summary>One write of a batch. Use the factory methods: they keep the preconditions consistent.</summary>
public sealed record DocumentWrite
{
    /// <summary>Largest document body a store must accept. Cosmos DB allows 2 MB per item; staying
    /// well below leaves room for the envelope and keeps every store equivalent.</summary>
    public const int MaxBodyBytes = 512 * 1024;

    public WriteKind Kind { get; }
    public string Id { get; }
    public string Type { get; }
    public long? SortKey { get; }
    public string? IndexKey { get; }
    public ReadOnlyMemory<byte> Body { get; }
    public string? IfMatchETag { get; }

    /// <summary>The array of a body that came as an <see cref="ImmutableArray{T}"/>; null for any other body.</summary>
    private readonly byte[]? immutableBody;

    /// <summary>
    /// True when <see cref="Body"/> came as an <see cref="ImmutableArray{T}"/>: nobody can change it
    /// afterwards, so a store may keep it as it is instead of copying it (see <see cref="BodyToKeep"/>).
    /// </summary>
    public bool BodyIsImmutable => immutableBody is not null;

    /// <param name="immutableBody"><paramref name="body"/>'s own array when it came as an <see cref="ImmutableArray{T}"/>.</param>
    private DocumentWrite(WriteKind kind, string id, string type, long? sortKey, string? indexKey, ReadOnlyMemory<byte> body, string? ifMatchETag, byte[]? immutableBody = null)
    {
        StoreLimits.RequireValidId(id, nameof(id));
        StoreLimits.RequireValidId(type, nameof(type));
        if (indexKey is not null && indexKey.Length > StoreLimits.MaxIndexKeyLength)
        {
            throw new ArgumentException($"Index key longer than {StoreLimits.MaxIndexKeyLength} characters.", nameof(indexKey));
        }

        if (body.Length > MaxBodyBytes)
        {
            throw new ArgumentException($"Document body of {body.Length} bytes exceeds {MaxBodyBytes}.", nameof(body));
        }

        if (kind != WriteKind.Delete && body.Length == 0)
        {
            throw new ArgumentException("A document body must not be empty.", nameof(body));
        }

        if (kind == WriteKind.Replace)
        {
            ArgumentException.ThrowIfNullOrEmpty(ifMatchETag);
        }

        Kind = kind;
        Id = id;
        Type = type;
        SortKey = sortKey;
        IndexKey = indexKey;
        Body = body;
        IfMatchETag = ifMatchETag;
        this.immutableBody = immutableBody;
    }

    /// <summary>
    /// The body as an array no caller can change after this write was handed over: an immutable body's
    /// own array, or a copy of any other, because its caller may reuse the buffer once the call returns.
    /// </summary>
    public byte[] BodyToKeep() => immutableBody ?? Body.ToArray();

    public static DocumentWrite Create(string id, string type, ReadOnlyMemory<byte> body, long? sortKey = null, string? indexKey = null)
        => new(WriteKind.Create, id, type, sortKey, indexKey, body, null);

    public static DocumentWrite Replace(string id, string type, ReadOnlyMemory<byte> body, string ifMatchETag, long? sortKey = null, string? indexKey = null)
        => new(WriteKind.Replace, id, type, sortKey, indexKey, body, ifMatchETag);

    public static DocumentWrite Upsert(string id, string type, ReadOnlyMemory<byte> body, long? sortKey = null, string? indexKey = null, string? ifMatchETag = null)
        => new(WriteKind.Upsert, id, type, sortKey, indexKey, body, ifMatchETag);

    /// <summary>Creates with a body nobody can change afterwards, which a store keeps without copying.</summary>
    public static DocumentWrite Create(string id, string type, ImmutableArray<byte> body, long? sortKey = null, string? indexKey = null)
        => WithImmutableBody(WriteKind.Create, id, type, sortKey, indexKey, body, null);

    /// <inheritdoc cref="Replace(string, string, ReadOnlyMemory{byte}, string, long?, string?)"/>
    public static DocumentWrite Replace(string id, string type, ImmutableArray<byte> body, string ifMatchETag, long? sortKey = null, string? indexKey = null)
        => WithImmutableBody(WriteKind.Replace, id, type, sortKey, indexKey, body, ifMatchETag);

    /// <inheritdoc cref="Upsert(string, string, ReadOnlyMemory{byte}, long?, string?, string?)"/>
    public static DocumentWrite Upsert(string id, string type, ImmutableArray<byte> body, long? sortKey = null, string? indexKey = null, string? ifMatchETag = null)
        => WithImmutableBody(WriteKind.Upsert, id, type, sortKey, indexKey, body, ifMatchETag);

    public static DocumentWrite Delete(string id, string type, string? ifMatchETag = null)
        => new(WriteKind.Delete, id, type, null, null, ReadOnlyMemory<byte>.Empty, ifMatchETag);

    private static DocumentWrite WithImmutableBody(WriteKind kind, string id, string type, long? sortKey, string? indexKey, ImmutableArray<byte> body, string? ifMatchETag)
    {
        var array = ImmutableCollectionsMarshal.AsArray(body) ?? throw new ArgumentException("A document body must not be a default ImmutableArray.", nameof(body));
        return new(kind, id, type, sortKey, indexKey, array, ifMatchETag, array);
    }
}
