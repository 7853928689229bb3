using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ledger.Store.Cosmos;

/// <summary>
/// The one JSON form in which a document body is embedded in the Cosmos DB envelope. Cosmos DB keeps
/// the value of a JSON document but not its bytes (it drops whitespace, may re-escape strings and stores
/// numbers as IEEE 754 doubles). The store promises to give back the exact bytes it was given, so a body
/// is embedded as JSON only when it already is in this canonical form — which the read side rebuilds
/// from whatever Cosmos DB returns — and otherwise travels as base64.
/// </summary>
/// <remarks>
/// Canonical means: compact, an object or array at the root, strings and property names escaped only
/// where JSON requires it (<see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>: quotes, backslashes,
/// control characters), no duplicate property names, integers within ±2^53 written as plain digits,
/// other numbers finite and in the shortest round-trip form. System.Text.Json output is canonical as long
/// as its strings hold nothing that its default encoder escapes (non-ASCII, <c>+ &lt; &gt; &amp; '</c>),
/// and dates are: the serializer writes their <c>+00:00</c> without escaping. Minimal escaping is the
/// one rule under which both hold. Characters outside the Basic Multilingual Plane (emoji) are always
/// escaped by the writer, so text holding them is not canonical. A body that breaks a rule still
/// round-trips, as base64.
/// </remarks>
internal static class CanonicalJson
{
    /// <summary>The largest integer every IEEE 754 double holds exactly: 2^53.</summary>
    internal const long MaxExactInteger = 9_007_199_254_740_992;

    private const int MaxDepth = 64;

    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        MaxDepth = MaxDepth,

        // The bytes are never placed into HTML or script, and each escape the default encoder adds is
        // one more difference between a serializer's output and what can be rebuilt from Cosmos DB.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>True when <paramref name="utf8Json"/> is JSON in canonical form and can be embedded as is.</summary>
    public static bool IsCanonical(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty || (utf8Json[0] != (byte)'{' && utf8Json[0] != (byte)'['))
        {
            return false;
        }

        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length);
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray(), ParseOptions);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                if (!TryWrite(document.RootElement, writer, rejectDuplicateNames: true))
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            // The writer refuses strings that are not valid UTF-16 (lone surrogates written as \uD800).
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        return buffer.WrittenSpan.SequenceEqual(utf8Json);
    }

    /// <summary>Writes the canonical form of a body that Cosmos DB returned.</summary>
    public static byte[] ToCanonicalBytes(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (!TryWrite(element, writer, rejectDuplicateNames: false))
            {
                throw new InvalidOperationException("An embedded document body holds a number that has no canonical form; it was not written by this store.");
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static bool TryWrite(JsonElement element, Utf8JsonWriter writer, bool rejectDuplicateNames)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                HashSet<string>? names = rejectDuplicateNames ? new HashSet<string>(StringComparer.Ordinal) : null;
                foreach (var property in element.EnumerateObject())
                {
                    if (names is not null && !names.Add(property.Name))
                    {
                        return false;
                    }

                    writer.WritePropertyName(property.Name);
                    if (!TryWrite(property.Value, writer, rejectDuplicateNames))
                    {
                        return false;
                    }
                }

                writer.WriteEndObject();
                return true;

            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    if (!TryWrite(item, writer, rejectDuplicateNames))
                    {
                        return false;
                    }
                }

                writer.WriteEndArray();
                return true;

            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                return true;

            case JsonValueKind.Number:
                return TryWriteNumber(element, writer);

            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                return true;

            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                return true;

            case JsonValueKind.Null:
                writer.WriteNullValue();
                return true;

            default:
                return false;
        }
    }

    private static bool TryWriteNumber(JsonElement element, Utf8JsonWriter writer)
    {
        if (element.TryGetInt64(out var integer))
        {
            if (integer is < -MaxExactInteger or > MaxExactInteger)
            {
                return false;
            }

            writer.WriteNumberValue(integer);
            return true;
        }

        if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            return false;
        }

        // Cosmos DB may hand an integer back in a double's notation; an integral value within ±2^53 is
        // written as plain digits so both sides agree on one form.
        if (Math.Abs(number) <= MaxExactInteger && Math.Floor(number) == number)
        {
            writer.WriteNumberValue(unchecked((long)number));
            return true;
        }

        writer.WriteNumberValue(number);
        return true;
    }
}
