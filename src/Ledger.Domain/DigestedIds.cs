using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain;

/// <summary>
/// Ids derived from the requests that name them (a transaction from its idempotency key, a claim's
/// partition from the key), so a retry names the same thing. Their values are stored: the derivation
/// must never change, and tests pin known values.
/// </summary>
public static class DigestedIds
{
    /// <summary>Longest text hashed on the stack; longer text is encoded into a pooled buffer.</summary>
    private const int MaxStackTextBytes = 1024;

    /// <summary>Longest prefix a digested id takes; ids are short and their prefixes shorter still.</summary>
    private const int MaxPrefixLength = 128;

    /// <summary>
    /// A deterministic id: <paramref name="prefix"/>, then the first <paramref name="characters"/> lower-case
    /// hex characters of the SHA-256 of <paramref name="lines"/> joined by new lines (UTF-8). Built in one
    /// allocation, the id itself, because it runs for every write.
    /// </summary>
    public static string Of(string prefix, int characters, params ReadOnlySpan<string> lines)
    {
        // Checked in every build, because these ids are stored: an odd digest length would otherwise end the
        // id in a NUL character, and the prefix bound is what keeps the id inside its stack buffer.
        if (characters is <= 0 or > SHA256.HashSizeInBytes * 2 || characters % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(characters), characters, $"A digest is a whole number of hex bytes, 2 to {SHA256.HashSizeInBytes * 2} characters.");
        }

        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix.Length, MaxPrefixLength, nameof(prefix));
        if (lines.IsEmpty)
        {
            throw new ArgumentException("There must be text to digest.", nameof(lines));
        }

        var text = new DefaultInterpolatedStringHandler(0, (2 * lines.Length) - 1, CultureInfo.InvariantCulture, stackalloc char[256]);
        for (var index = 0; index < lines.Length; index++)
        {
            if (index > 0)
            {
                text.AppendFormatted('\n');
            }

            text.AppendFormatted(lines[index]);
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Sha256(text.Text, hash);
        text.Clear();
        Span<char> id = stackalloc char[MaxPrefixLength + (SHA256.HashSizeInBytes * 2)];
        prefix.CopyTo(id);
        if (!Convert.TryToHexStringLower(hash[..(characters / 2)], id[prefix.Length..], out var hexWritten) || hexWritten != characters)
        {
            throw new InvalidOperationException("The digest's hex digits did not fit the id buffer.");
        }

        return new string(id[..(prefix.Length + characters)]);
    }

    /// <summary>The SHA-256 of <paramref name="text"/>'s UTF-8, encoded on the stack unless it is long.</summary>
    public static void Sha256(ReadOnlySpan<char> text, Span<byte> hash)
    {
        var byteCount = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = null;
        var utf8 = byteCount <= MaxStackTextBytes ? stackalloc byte[MaxStackTextBytes] : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
        var written = Encoding.UTF8.GetBytes(text, utf8);
        var hashed = SHA256.HashData(utf8[..written], hash);
        Debug.Assert(hashed == SHA256.HashSizeInBytes, "SHA-256 writes 32 bytes.");
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
