namespace Ledger.Storage;

/// <summary>
/// An ordered read of one document type inside one partition, by sort key. Bounds are inclusive and
/// optional; <see cref="Descending"/> gives newest first when sort keys grow with time.
/// </summary>
public sealed record RangeQuery
{
    public string Partition { get; }
    public string Type { get; }
    public long? MinSortKey { get; }
    public long? MaxSortKey { get; }
    public bool Descending { get; }
    public int Limit { get; }

    public RangeQuery(string partition, string type, long? minSortKey, long? maxSortKey, bool descending, int limit)
    {
        StoreLimits.RequireValidPartition(partition);
        StoreLimits.RequireValidId(type, nameof(type));
        StoreLimits.RequireValidPageSize(limit);
        Partition = partition;
        Type = type;
        MinSortKey = minSortKey;
        MaxSortKey = maxSortKey;
        Descending = descending;
        Limit = limit;
    }
}

/// <summary>
/// A cross-partition lookup of one document type by index key (exact, or by prefix). Never used on a
/// hot path: in Cosmos DB it is a cross-partition query.
/// </summary>
public sealed record IndexQuery
{
    public string Type { get; }
    public string IndexKey { get; }
    public bool Prefix { get; }
    public string? Continuation { get; }
    public int Limit { get; }

    /// <summary>
    /// For a prefix query, an exclusive upper bound on the index key (ordinal): keys that embed a sortable
    /// time (an expiry, a due time) are then read only up to that time, however many lie beyond it.
    /// </summary>
    public string? Before { get; }

    public IndexQuery(string type, string indexKey, bool prefix, string? continuation, int limit, string? before = null)
    {
        StoreLimits.RequireValidId(type, nameof(type));
        ArgumentException.ThrowIfNullOrEmpty(indexKey);
        StoreLimits.RequireValidPageSize(limit);
        if (before is not null && (!prefix || !before.StartsWith(indexKey, StringComparison.Ordinal)))
        {
            throw new ArgumentException("An upper bound needs a prefix query and must start with the prefix.", nameof(before));
        }

        Type = type;
        IndexKey = indexKey;
        Prefix = prefix;
        Continuation = continuation;
        Limit = limit;
        Before = before;
    }
}

/// <summary>A page of documents; <see cref="Continuation"/> is null when there is nothing more.</summary>
public sealed record DocumentPage(IReadOnlyList<StoredDocument> Documents, string? Continuation);

/// <summary>
/// A page of the change feed: the latest version of each changed document, in commit order per
/// partition. Feed <see cref="Continuation"/> back to read on; it never goes backwards.
/// </summary>
public sealed record ChangePage(IReadOnlyList<StoredDocument> Changes, string Continuation)
{
    /// <summary>True when a filtered read returned nothing but its continuation moved past changes of other types.</summary>
    public bool SkippedAhead { get; init; }
}

/// <summary>How far a reader at some continuation is behind the head of the change feed.</summary>
public sealed record ChangeFeedLag(long ChangesBehind, DateTimeOffset? OldestPendingCommittedAt);
