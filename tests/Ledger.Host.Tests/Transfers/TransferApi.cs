using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.Transfers;

/// <summary>Bodies and set-up steps of the transfer, hold and refund routes, and bounded polling.</summary>
internal static class TransferApi
{
    /// <summary>Upper bound on any wait for background work (the saga runner, an expiry sweep); never a timing assertion.</summary>
    public static readonly TimeSpan PollBound = TimeSpan.FromSeconds(60);

    public static JsonObject Transfer(string from, string to, long? amount, string? reason = "content_unlock", string? nonce = null)
    {
        var body = new JsonObject { ["from"] = from, ["to"] = to, ["nonce"] = nonce ?? Ids.Nonce() };
        if (amount is not null)
        {
            body["amount"] = amount;
        }

        if (reason is not null)
        {
            body["reason"] = reason;
        }

        return body;
    }

    public static JsonObject Hold(string from, string to, long amount, long? expiresInSeconds = null, string? nonce = null)
    {
        var body = new JsonObject { ["from"] = from, ["to"] = to, ["amount"] = amount, ["reason"] = "hold", ["nonce"] = nonce ?? Ids.Nonce() };
        if (expiresInSeconds is not null)
        {
            body["expires_in_seconds"] = expiresInSeconds;
        }

        return body;
    }

    public static JsonObject WithAmount(long? amount, string? nonce = null)
    {
        var body = new JsonObject { ["nonce"] = nonce ?? Ids.Nonce() };
        if (amount is not null)
        {
            body["amount"] = amount;
        }

        return body;
    }

    /// <summary>Opens a source funded with <paramref name="funds"/> and an empty destination; returns their ids.</summary>
    public static async Task<(string Source, string Destination)> FundedPairAsync(LedgerClient client, long funds)
    {
        var source = await client.OpenAccountAsync(Ids.Owner("src"));
        var destination = await client.OpenAccountAsync(Ids.Owner("dst"));
        if (funds > 0)
        {
            await client.MintAsync(source, funds);
        }

        return (source, destination);
    }

    public static async Task<(long Balance, long Pending, long Available)> BalanceAsync(LedgerClient client, string account)
    {
        var body = (await client.GetAsync($"/accounts/{account}/balance")).Expect(200).Json;
        return (body.GetProperty("balance").GetInt64(), body.GetProperty("pending").GetInt64(), body.GetProperty("available").GetInt64());
    }

    public static async Task<ApiResponse> PostTransferAsync(LedgerClient client, string from, string to, long amount, string? nonce = null)
        => await client.PostAsync("/transfers", Transfer(from, to, amount, nonce: nonce));

    public static string State(this ApiResponse response) => response.Json.GetProperty("state").GetString()!;

    public static string Id(this ApiResponse response) => response.Json.GetProperty("transfer_id").GetString()!;

    public static string? Text(this JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>GETs <paramref name="path"/> until <paramref name="done"/> holds, within <see cref="PollBound"/>.</summary>
    public static async Task<ApiResponse> PollAsync(LedgerClient client, string path, Func<ApiResponse, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync(path);
            if (done(response))
            {
                return response;
            }

            if (clock.Elapsed > PollBound)
            {
                throw new TimeoutException($"GET {path} did not reach the expected state within {PollBound}; last answer: {response}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Asserts a transfer body's shape: ids, amounts, and legs that exist only once posted and then sum to zero.</summary>
    public static JsonElement AssertTransfer(ApiResponse response, int status, string kind, string state, string from, string to, long amount)
    {
        response.Expect(status);
        Assert.Equal("application/json", response.MediaType);
        var body = response.Json;
        Assert.StartsWith("tr_", body.Text("transfer_id"));
        Assert.EndsWith("_" + from, body.Text("transfer_id"));
        Assert.Equal(kind, body.Text("kind"));
        Assert.Equal(state, body.Text("state"));
        Assert.Equal(from, body.Text("from"));
        Assert.Equal(to, body.Text("to"));
        Assert.Equal(amount, body.GetProperty("amount").GetInt64());
        Assert.False(string.IsNullOrEmpty(body.Text("transaction_id")));
        var legs = body.GetProperty("legs").EnumerateArray().ToArray();
        if (state == "posted")
        {
            var settled = body.GetProperty("settle_amount").GetInt64();
            Assert.Equal(2, legs.Length);
            Assert.Equal(from, legs[0].Text("account_id"));
            Assert.Equal(-settled, legs[0].GetProperty("amount").GetInt64());
            Assert.Equal(to, legs[1].Text("account_id"));
            Assert.Equal(settled, legs[1].GetProperty("amount").GetInt64());
            Assert.NotNull(body.Text("posted_at"));
            Assert.Null(body.Text("failure_code"));
        }
        else
        {
            Assert.Empty(legs);
        }

        if (state == "voided")
        {
            Assert.NotNull(body.Text("failure_code"));
            Assert.NotNull(body.Text("failure_message"));
            Assert.NotNull(body.Text("voided_at"));
        }

        return body;
    }
}
