using System.Globalization;

namespace Ledger.Storage.Continuations;

/// <summary>
/// A change-feed continuation is the commit sequence number (lsn) of the last change read, as decimal
/// text; null means "before the first change".
/// </summary>
public static class FeedContinuation
{
    /// <summary>A long has at most 19 decimal digits; anything longer is not one of ours.</summary>
    private const int MaxLength = 19;

    public static long Parse(string? continuation)
    {
        if (continuation is null)
        {
            return 0;
        }

        if (continuation.Length is 0 or > MaxLength
            || !long.TryParse(continuation, NumberStyles.None, CultureInfo.InvariantCulture, out var lsn))
        {
            throw new ArgumentException("The change feed continuation is not one this store issued.", nameof(continuation));
        }

        return lsn;
    }

    public static string Format(long lsn) => lsn.ToString(CultureInfo.InvariantCulture);
}
