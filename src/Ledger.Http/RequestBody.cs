using System.Buffers;
using System.Text.Json;
using Ledger.Domain;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

/// <summary>
/// A request's JSON object, read with a size bound and checked strictly: malformed JSON, a non-object
/// root, duplicate or unknown fields and wrongly typed values are each a clear 400 with its own code.
/// </summary>
public sealed class RequestBody : IDisposable
{
    /// <summary>Largest request body the API reads; every request of this API fits in far less.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>Null for a body that lives inside another one (an item of a batch): its owner disposes the document.</summary>
    private readonly JsonDocument? _document;

    private readonly JsonElement _root;

    private RequestBody(JsonDocument document)
    {
        _document = document;
        _root = document.RootElement;
    }

    private RequestBody(JsonElement root) => _root = root;

    private JsonElement Root => _root;

    /// <summary>The body as an object of <paramref name="allowedFields"/>, read up to <paramref name="maxBytes"/> (<see cref="MaxBytes"/> unless a route allows more).</summary>
    public static async Task<Result<RequestBody>> ReadAsync(HttpRequest request, IReadOnlySet<string> allowedFields, bool allowEmpty = false, int maxBytes = MaxBytes)
    {
        var read = await ReadDocumentAsync(request, maxBytes, allowEmpty).ConfigureAwait(false);
        if (!read.TryGetValue(out var document, out var error))
        {
            return error;
        }

        var body = new RequestBody(document);
        if (body.CheckShape(allowedFields) is { } check)
        {
            body.Dispose();
            return check;
        }

        return body;
    }

    /// <summary>
    /// One object of a larger body (an item of a batch), checked like a whole body: an object with only
    /// <paramref name="allowedFields"/>, each once. It reads the owner's document, so it lives no longer.
    /// </summary>
    public static Result<RequestBody> Within(JsonElement element, IReadOnlySet<string> allowedFields)
    {
        var body = new RequestBody(element);
        return body.CheckShape(allowedFields) is { } check ? check : body;
    }

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/>: the checks every body gets (size, media
    /// type, well-formed JSON whose text all decodes), not its shape. The caller disposes the document.
    /// </summary>
    private static async Task<Result<JsonDocument>> ReadDocumentAsync(HttpRequest request, int maxBytes, bool allowEmpty = false)
    {
        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }

        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            return new LedgerError(ErrorCodes.UnsupportedMediaType, $"Send JSON with Content-Type: application/json, not '{contentType}'.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            var length = await ReadUpToAsync(request, buffer, maxBytes + 1).ConfigureAwait(false);
            if (length > maxBytes)
            {
                return TooLarge(maxBytes);
            }

            if (length == 0 || buffer.AsSpan(0, length).Trim(" \t\r\n"u8).IsEmpty)
            {
                return allowEmpty
                    ? JsonDocument.Parse("{}")
                    : new LedgerError(ErrorCodes.MalformedJson, "The request needs a JSON object body.");
            }

            return Parse(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<int> ReadUpToAsync(HttpRequest request, byte[] buffer, int limit)
    {
        var length = 0;
        while (length < limit)
        {
            var read = await request.Body.ReadAsync(buffer.AsMemory(length, limit - length), request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return length;
    }

    private static Result<JsonDocument> Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            // JsonDocument keeps reading the memory it was parsed from for as long as it lives, and the
            // pooled buffer goes back to the pool when the caller returns: another request would then
            // overwrite the names and values this body reads. The document gets its own copy.
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            return new LedgerError(ErrorCodes.MalformedJson, $"The body is not valid JSON: {exception.Message}");
        }

        if (!AllTextDecodes(document.RootElement))
        {
            document.Dispose();
            return new LedgerError(ErrorCodes.MalformedJson, "The body holds text that is not valid UTF-8 or UTF-16 (an invalid byte sequence or a lone surrogate escape).");
        }

        return document;
    }

    /// <summary>
    /// The JSON parser accepts strings it cannot decode (invalid UTF-8 bytes, lone surrogate escapes) and
    /// only fails when one is read; checking every name and string once here keeps that a 400, not a 500.
    /// </summary>
    private static bool AllTextDecodes(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (!AllTextDecodes(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!AllTextDecodes(item))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private LedgerError? CheckShape(IReadOnlySet<string> allowedFields)
    {
        if (Root.ValueKind != JsonValueKind.Object)
        {
            return new LedgerError(ErrorCodes.MalformedJson, _document is null ? "Each item must be a JSON object." : "The body must be a JSON object.");
        }

        // No set of seen names per request: every name is one of a handful of allowed fields, so a repeat
        // is found among the first few properties and scanning the earlier ones costs less than a set.
        var index = 0;
        foreach (var property in Root.EnumerateObject())
        {
            var name = property.Name;
            if (!allowedFields.Contains(name))
            {
                return new LedgerError(ErrorCodes.UnknownField, $"The field '{name}' is not part of this request; allowed: {string.Join(", ", allowedFields.Order(StringComparer.Ordinal))}.", name);
            }

            if (AppearsBefore(name, index++))
            {
                return LedgerError.Invalid(name, "it appears twice.");
            }
        }

        return null;
    }

    private bool AppearsBefore(string name, int index)
    {
        var earlier = 0;
        foreach (var property in Root.EnumerateObject())
        {
            if (earlier++ == index)
            {
                return false;
            }

            if (property.NameEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A string field; null when absent or JSON null.</summary>
    public Result<string?> String(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return Result<string?>.Success(null);
        }

        return value.ValueKind == JsonValueKind.String
            ? Result<string?>.Success(value.GetString())
            : LedgerError.Invalid(name, "must be a string.");
    }

    /// <summary>A required array field, as the element to enumerate while this body lives.</summary>
    public Result<JsonElement> RequiredArray(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return LedgerError.Missing(name);
        }

        return value.ValueKind == JsonValueKind.Array ? value : LedgerError.Invalid(name, "must be an array.");
    }

    public Result<string> RequiredString(string name)
    {
        var value = String(name);
        if (!value.IsSuccess)
        {
            return value.Error!;
        }

        return value.Value is { Length: > 0 } text ? text : LedgerError.Missing(name);
    }

    /// <summary>A true/false field; null when absent or JSON null.</summary>
    public Result<bool?> Boolean(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return Result<bool?>.Success(null);
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? Result<bool?>.Success(value.GetBoolean())
            : LedgerError.Invalid(name, "must be true or false.");
    }

    /// <summary>A whole-number field; fractions, strings and numbers beyond 64 bits are refused with the amount codes.</summary>
    public Result<long?> Integer(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return Result<long?>.Success(null);
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            return LedgerError.Invalid(name, "must be a whole number.");
        }

        if (value.TryGetInt64(out var integer))
        {
            return Result<long?>.Success(integer);
        }

        // Not a 64-bit integer: either a fraction or far too large. Both are answered precisely.
        var raw = value.GetRawText();
        return raw.AsSpan().IndexOfAny(".eE") >= 0 && !(value.TryGetDouble(out var number) && Math.Abs(number) > long.MaxValue)
            ? new LedgerError(ErrorCodes.InvalidAmount, $"The field '{name}' must be a whole number of minor units.", name)
            : new LedgerError(ErrorCodes.AmountTooLarge, $"The field '{name}' is far beyond any allowed value.", name);
    }

    public Result<DateTimeOffset?> Instant(string name)
    {
        var text = String(name);
        if (!text.IsSuccess)
        {
            return text.Error!;
        }

        if (text.Value is null)
        {
            return Result<DateTimeOffset?>.Success(null);
        }

        return QueryValues.ParseInstant(text.Value, name).Then(instant => Result<DateTimeOffset?>.Success(instant));
    }

    public void Dispose() => _document?.Dispose();

    private static LedgerError TooLarge(int maxBytes) => new(ErrorCodes.BodyTooLarge, $"The body must not exceed {maxBytes} bytes.");

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Parsing of query-string values, with the same error codes as bodies.</summary>
public static class QueryValues
{
    /// <summary>
    /// Every parameter once and with a value: a repeated parameter would silently lose all but one value,
    /// and an empty one (<c>asOf=</c>) would silently mean "absent", so both are refused outright.
    /// </summary>
    public static LedgerError? CheckShape(HttpRequest request)
    {
        if (!request.QueryString.HasValue)
        {
            return null;
        }

        foreach (var (name, values) in request.Query)
        {
            if (values.Count > 1)
            {
                return LedgerError.Invalid(name, "send this query parameter once.");
            }

            if (string.IsNullOrEmpty(values[0]))
            {
                return LedgerError.Invalid(name, "give this query parameter a value, or leave it out.");
            }
        }

        return null;
    }

    public static Result<DateTimeOffset> ParseInstant(string text, string name)
        => DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var instant)
           && text.Length <= 40
            ? instant
            : LedgerError.Invalid(name, "must be an ISO-8601 instant such as 2026-11-21T10:00:00Z.");

    public static Result<int> PageSize(HttpRequest request, int defaultSize, int maxSize)
    {
        var text = request.Query["limit"].ToString();
        if (text.Length == 0)
        {
            return defaultSize;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) && size >= 1 && size <= maxSize
            ? size
            : LedgerError.Invalid("limit", $"must be a whole number from 1 to {maxSize}.");
    }

    public static string? Optional(HttpRequest request, string name)
    {
        var value = request.Query[name];
        return value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
    }
}
