using System.Buffers;
using Ledger.Http;
using Microsoft.AspNetCore.Http;

namespace Ledger.Hosting.Tests;

/// <summary>A parsed request body owns its bytes: nothing another request does can change what it reads.</summary>
public sealed class RequestBodyTests
{
    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "account_id", "owner_id", "amount" };

    [Fact]
    public async Task A_body_reads_its_own_values_after_the_read_buffer_went_back_to_the_pool_and_was_overwritten()
    {
        var read = await RequestBody.ReadAsync(JsonRequest("""{"account_id":"t-3254","owner_id":"t-3254","amount":1234}"""), Fields);
        Assert.True(read.IsSuccess, read.Error?.Message);
        using var body = read.Value;

        // Another request rents buffers of the same size from the same pool and fills them with its own
        // bytes. On this thread the pool hands out the buffer it was last given first.
        var rented = Enumerable.Range(0, 8).Select(_ => ArrayPool<byte>.Shared.Rent(RequestBody.MaxBytes + 1)).ToList();
        try
        {
            foreach (var buffer in rented)
            {
                buffer.AsSpan().Fill((byte)'7');
            }

            Assert.Equal("t-3254", body.RequiredString("account_id").Value);
            Assert.Equal("t-3254", body.RequiredString("owner_id").Value);
            Assert.Equal(1234, body.Integer("amount").Value);
        }
        finally
        {
            rented.ForEach(buffer => ArrayPool<byte>.Shared.Return(buffer));
        }
    }

    private static HttpRequest JsonRequest(string json)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return context.Request;
    }
}
