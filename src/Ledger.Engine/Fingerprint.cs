using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Engine;

/// <summary>
/// A digest of what a write request means (not of its bytes), so a retry with reordered JSON fields is
/// still the same request, and any change of meaning is a different one.
/// </summary>
public static class Fingerprint
{
    /// <summary>Longest canonical text kept on the stack; a request with long memos goes through a pooled buffer.</summary>
    private const int MaxStackTextBytes = 1024;

    public static string Of(string scope, params ReadOnlySpan<object?> fields)
    {
        var text = Canonical(scope, fields);
        var byteCount = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = null;
        var utf8 = byteCount <= MaxStackTextBytes ? stackalloc byte[MaxStackTextBytes] : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
        var written = Encoding.UTF8.GetBytes(text, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The scope and the fields, each after a unit separator, formatted invariantly; null as "\u2400".</summary>
    private static string Canonical(string scope, ReadOnlySpan<object?> fields)
    {
        var text = new DefaultInterpolatedStringHandler(0, fields.Length, CultureInfo.InvariantCulture, stackalloc char[256]);
        text.AppendFormatted(scope);
        foreach (var field in fields)
        {
            // A unit separator cannot occur in any validated field, so fields never run together.
            text.AppendFormatted('\u001f');
            if (field is null)
            {
                text.AppendFormatted('\u2400');
            }
            else
            {
                text.AppendFormatted(field);
            }
        }

        return text.ToStringAndClear();
    }
}
