namespace Ledger.Storage.InMemory;

/// <summary>
/// Orders strings by Unicode code point, which is the order of their UTF-8 bytes. SQLite compares text
/// by its UTF-8 bytes, so the in-memory store must use this order (and not UTF-16 ordinal order, which
/// differs for characters above U+E000 versus surrogate pairs) to page and sort exactly like SQLite.
/// </summary>
internal sealed class Utf8OrdinalComparer : IComparer<string>
{
    public static readonly Utf8OrdinalComparer Instance = new();

    private Utf8OrdinalComparer()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var commonLength = Math.Min(x.Length, y.Length);
        for (var position = 0; position < commonLength; position++)
        {
            var left = x[position];
            var right = y[position];
            if (left != right)
            {
                return CodePointRank(left) - CodePointRank(right);
            }
        }

        return x.Length - y.Length;
    }

    /// <summary>
    /// Moves surrogates (which encode code points above U+FFFF) above every other UTF-16 unit, so that
    /// comparing ranks unit by unit gives code point order.
    /// </summary>
    private static int CodePointRank(char unit) => unit switch
    {
        >= '\uE000' => unit - 0x800,
        >= '\uD800' => unit + 0x2000,
        _ => unit,
    };
}
