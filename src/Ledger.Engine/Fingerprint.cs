using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ledger.Domain;

namespace Ledger.Engine;

/// <summary>
/// A digest of what a write request means (not of its bytes), so a retry with reordered JSON fields is
/// still the same request, and any change of meaning is a different one.
/// </summary>
public static class Fingerprint
{
    /// <summary>The SHA-256 of the scope and the fields, each after a unit separator, formatted invariantly; null as "\u2400".</summary>
    public static string Of(string scope, params ReadOnlySpan<object?> fields)
    {
        var text = new DefaultInterpolatedStringHandler(0, (2 * fields.Length) + 1, CultureInfo.InvariantCulture, stackalloc char[256]);
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

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        DigestedIds.Sha256(text.Text, hash);
        text.Clear();
        return Convert.ToHexStringLower(hash);
    }
}
