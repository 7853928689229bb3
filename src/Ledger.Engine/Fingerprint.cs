using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Engine;

/// <summary>
/// A digest of what a write request means (not of its bytes), so a retry with reordered JSON fields is
/// still the same request, and any change of meaning is a different one.
/// </summary>
public static class Fingerprint
{
    public static string Of(string scope, params object?[] fields)
    {
        var text = new StringBuilder(scope.Length + (fields.Length * 16));
        text.Append(scope);
        foreach (var field in fields)
        {
            // A unit separator cannot occur in any validated field, so fields never run together.
            text.Append('\u001f');
            text.Append(field switch
            {
                null => "\u2400",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => field.ToString(),
            });
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
        return Convert.ToHexStringLower(hash);
    }
}
