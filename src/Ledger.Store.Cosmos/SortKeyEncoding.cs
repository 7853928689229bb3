using System.Globalization;

namespace Ledger.Store.Cosmos;

/// <summary>
/// Sort keys are stored as 16 hexadecimal digits of the key with its sign bit flipped, so that
/// Cosmos DB's string order equals the numeric order of every <see cref="long"/>. A JSON number would
/// not do: Cosmos DB holds numbers as doubles, which lose integers beyond ±2^53 (time in ticks, say).
/// </summary>
internal static class SortKeyEncoding
{
    private const ulong SignBit = 0x8000_0000_0000_0000;

    public static string Encode(long sortKey)
        => (unchecked((ulong)sortKey) ^ SignBit).ToString("x16", CultureInfo.InvariantCulture);

    public static long Decode(string encoded)
    {
        if (encoded.Length != 16 || !ulong.TryParse(encoded, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flipped))
        {
            throw new InvalidOperationException($"Stored sort key '{encoded}' is not 16 hexadecimal digits.");
        }

        return unchecked((long)(flipped ^ SignBit));
    }
}
