using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Ledger.Storage.Continuations;

/// <summary>
/// The position of the last row of an index page: (index key, partition, id). Encoded as base64url
/// JSON so it is opaque to callers and safe in URLs.
/// </summary>
public readonly record struct IndexContinuation(string IndexKey, string Partition, string Id)
{
    /// <summary>Enough for the longest index key, partition and id, escaped, with room to spare.</summary>
    private const int MaxEncodedLength = 16 * 1024;

    public string Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new[] { IndexKey, Partition, Id });
        return Base64Url.EncodeToString(json);
    }

    public static IndexContinuation Decode(string continuation)
    {
        if (continuation.Length is 0 or > MaxEncodedLength)
        {
            throw InvalidContinuation(null);
        }

        try
        {
            var json = Base64Url.DecodeFromChars(continuation);
            var parts = JsonSerializer.Deserialize<string?[]>(json);
            if (parts is not [{ } indexKey, { } partition, { } id])
            {
                throw InvalidContinuation(null);
            }

            return new IndexContinuation(indexKey, partition, id);
        }
        catch (Exception exception) when (exception is FormatException or JsonException or DecoderFallbackException)
        {
            throw InvalidContinuation(exception);
        }
    }

    private static ArgumentException InvalidContinuation(Exception? innerException)
        => new("The index query continuation is not one this store issued.", "continuation", innerException);
}
