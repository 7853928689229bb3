using System.Net;
using System.Net.Http.Headers;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>A body sent without Content-Length (chunked), so the server can only learn its size by reading it.</summary>
public sealed class UnsizedContent : HttpContent
{
    private readonly byte[] _bytes;

    public UnsizedContent(byte[] bytes, string contentType)
    {
        _bytes = bytes;
        Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
