using System.Net.Sockets;
using System.Text;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Edges;

/// <summary>
/// Requests Kestrel cannot read, written byte by byte on a raw socket to the real host on 127.0.0.1:
/// the client's fault, so 400 <c>malformed_request</c> problems, never 500 <c>internal_error</c>.
/// </summary>
[Collection(nameof(RealProcessCollection))]
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _data = new();
    private HostProcess _host = null!;

    public async Task InitializeAsync() => _host = await HostProcess.StartAsync(_data.Path, HostProcess.FreePort());

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task A_chunk_size_that_is_not_hexadecimal_is_a_malformed_request()
    {
        var response = await ExchangeAsync(
            Head("Transfer-Encoding: chunked") + "zz\r\n{\"owner_id\":\"a\"}\r\n0\r\n\r\n");

        AssertMalformed(response);
    }

    [Fact]
    public async Task A_body_shorter_than_its_Content_Length_is_a_malformed_request_once_the_body_stops_arriving()
    {
        // Kestrel gives up on the body when it arrives slower than its minimum data rate (after a 5 s grace).
        var response = await ExchangeAsync(Head("Content-Length: 100") + "{\"owner_id\":\"a\"");

        AssertMalformed(response);
    }

    private static void AssertMalformed(string response)
    {
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"malformed_request\"", response, StringComparison.Ordinal);
    }

    private static string Head(string bodyHeader)
        => $"POST /ledger HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {LedgerApiFactory.App1Key}\r\nContent-Type: application/json\r\n{bodyHeader}\r\n\r\n";

    /// <summary>
    /// Sends the bytes as they are and reads until a whole problem arrived, the host closes, or 30 s pass.
    /// (A client that half-closes gets no answer: Kestrel takes the end of its input as the connection's end.)
    /// </summary>
    private async Task<string> ExchangeAsync(string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", _host.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (!received.ToString().Contains("\"code\"", StringComparison.Ordinal) || !received.ToString().TrimEnd().EndsWith('}'))
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException)
        {
            // Whatever arrived is the answer; the assertions say what was missing.
        }

        return received.ToString();
    }
}
