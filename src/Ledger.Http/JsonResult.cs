using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Ledger.Http;

/// <summary>
/// Writes one value as JSON with source-generated metadata, a status, a content type and extra headers.
/// Both hosts execute it the same way, so a response is byte-for-byte the same wherever it is served.
/// </summary>
public sealed class JsonResult<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode, string contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null)
    : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    public int StatusCode => statusCode;

    int? IStatusCodeHttpResult.StatusCode => statusCode;

    public T Value => value;

    object? IValueHttpResult.Value => value;

    public IReadOnlyDictionary<string, string>? Headers => headers;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        if (headers is not null)
        {
            foreach (var (name, headerValue) in headers)
            {
                response.Headers[name] = headerValue;
            }
        }

        // Serialized whole before anything is sent: the response then carries its Content-Length and goes
        // out in one write, instead of chunks behind headers sent without a length. Every body here is
        // bounded by the routes' own page and size limits.
        var body = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted).ConfigureAwait(false);
    }
}
