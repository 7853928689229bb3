namespace Ledger.Storage;

/// <summary>
/// One document as the store holds it. The store never interprets <see cref="Body"/>; the engine owns
/// its meaning. <see cref="SortKey"/> orders documents of one type inside a partition (history pages),
/// <see cref="IndexKey"/> makes a document findable across partitions (off the hot path only).
/// </summary>
public sealed record StoredDocument(
    string Partition,
    string Id,
    string Type,
    long? SortKey,
    string? IndexKey,
    ReadOnlyMemory<byte> Body,
    string ETag,
    DateTimeOffset CommittedAt)
{
    /// <summary>
    /// A stable identity for this version of the document: the same on every re-read of the change
    /// feed, so consumers and event receivers can de-duplicate on it.
    /// </summary>
    public string ChangeId => $"{Partition}/{Id}@{ETag}";
}
