namespace Ledger.Storage;

/// <summary>Bounds shared by every store, chosen to fit Cosmos DB's own limits.</summary>
public static class StoreLimits
{
    /// <summary>Cosmos DB partition key values are limited to 2 KB; ours stay far below.</summary>
    public const int MaxPartitionLength = 256;

    /// <summary>Cosmos DB ids are limited to 255 characters.</summary>
    public const int MaxIdLength = 255;

    public const int MaxIndexKeyLength = 512;

    /// <summary>Largest page any range read, index query or change-feed read returns.</summary>
    public const int MaxPageSize = 1000;

    private static readonly System.Buffers.SearchValues<char> ForbiddenIdCharacters = System.Buffers.SearchValues.Create("/\\?#");

    public static void RequireValidPartition(string partition)
    {
        ArgumentException.ThrowIfNullOrEmpty(partition);
        if (partition.Length > MaxPartitionLength)
        {
            throw new ArgumentException($"Partition key longer than {MaxPartitionLength} characters.", nameof(partition));
        }
    }

    public static void RequireValidId(string id, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, parameterName);
        if (id.Length > MaxIdLength)
        {
            throw new ArgumentException($"Longer than {MaxIdLength} characters.", parameterName);
        }

        // Cosmos DB forbids these characters in ids; refusing them everywhere keeps stores equivalent.
        if (id.AsSpan().IndexOfAny(ForbiddenIdCharacters) >= 0)
        {
            throw new ArgumentException("Ids must not contain '/', '\\', '?' or '#'.", parameterName);
        }
    }

    public static void RequireValidPageSize(int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"Page size must be 1 to {MaxPageSize}.");
        }
    }
}
