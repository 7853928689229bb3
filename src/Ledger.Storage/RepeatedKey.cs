namespace Ledger.Storage;

/// <summary>
/// Finds a key that repeats in a list: a document id in a batch, a partition in a multi-partition commit.
/// Most such lists hold a handful of items, and comparing pairs then costs less than building a set.
/// </summary>
internal static class RepeatedKey
{
    private const int PairwiseCheckLimit = 16;

    /// <summary>
    /// The first key, in list order, that an earlier item already had; null when every key is distinct.
    /// Keys are taken in list order, so <paramref name="keyOf"/> may throw for an item it refuses.
    /// </summary>
    public static string? Find<T>(IReadOnlyList<T> items, Func<T, string> keyOf)
    {
        HashSet<string>? seen = items.Count > PairwiseCheckLimit ? new(items.Count, StringComparer.Ordinal) : null;
        for (var index = 0; index < items.Count; index++)
        {
            var key = keyOf(items[index]);
            if (seen is null ? AppearsBefore(items, index, key, keyOf) : !seen.Add(key))
            {
                return key;
            }
        }

        return null;
    }

    private static bool AppearsBefore<T>(IReadOnlyList<T> items, int index, string key, Func<T, string> keyOf)
    {
        for (var earlier = 0; earlier < index; earlier++)
        {
            if (string.Equals(keyOf(items[earlier]), key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
