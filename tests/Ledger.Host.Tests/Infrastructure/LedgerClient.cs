using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Ledger.Host.Tests.Infrastructure;

/// <summary>
/// An HTTP client for the ledger API that sends bodies as exact text (so malformed input can be sent),
/// reads every response in full, and offers the few set-up steps tests repeat.
/// </summary>
public sealed class LedgerClient(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    public Task<ApiResponse> GetAsync(string path, params (string Name, string Value)[] headers)
        => SendAsync(HttpMethod.Get, path, content: null, headers);

    /// <summary>A POST without any body.</summary>
    public Task<ApiResponse> PostAsync(string path) => SendAsync(HttpMethod.Post, path, content: null);

    public Task<ApiResponse> PostAsync(string path, string? body, string? contentType = "application/json", params (string Name, string Value)[] headers)
        => SendAsync(HttpMethod.Post, path, Content(body, contentType), headers);

    public Task<ApiResponse> PostAsync(string path, JsonObject body, params (string Name, string Value)[] headers)
        => PostAsync(path, body.ToJsonString(), "application/json", headers);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, HttpContent? content, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>A body as exact UTF-8 text; no Content-Type header at all when <paramref name="contentType"/> is null.</summary>
    public static HttpContent? Content(string? body, string? contentType = "application/json")
    {
        if (body is null)
        {
            return null;
        }

        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return content;
    }

    /// <summary>Opens an account and returns its id; the id is the owner's own when none is given.</summary>
    public async Task<string> OpenAccountAsync(string owner, string? accountId = null, long? floor = null)
    {
        var body = new JsonObject { ["owner_id"] = owner, ["account_id"] = accountId ?? owner, ["nonce"] = Ids.Nonce() };
        if (floor is not null)
        {
            body["floor"] = floor;
        }

        var response = (await PostAsync("/accounts", body)).Expect(201);
        return response.Json.GetProperty("account_id").GetString()!;
    }

    public async Task<ApiResponse> MintAsync(string accountId, long amount, string? nonce = null)
        => (await PostAsync("/transactions", Transaction("mint", accountId, amount, nonce: nonce))).Expect(201);

    /// <summary>A <c>POST /transactions</c> body.</summary>
    public static JsonObject Transaction(string kind, string accountId, long? amount, string? operation = null, string? reason = "test", string? nonce = null)
    {
        var body = new JsonObject { ["kind"] = kind, ["account_id"] = accountId, ["nonce"] = nonce ?? Ids.Nonce() };
        if (amount is not null)
        {
            body["amount"] = amount;
        }

        if (operation is not null)
        {
            body["operation"] = operation;
        }

        if (reason is not null)
        {
            body["reason"] = reason;
        }

        return body;
    }

    /// <summary>A shared-ledger <c>POST /ledger</c> body.</summary>
    public static JsonObject Ledger(string owner, string operation, long? amount = null, string? nonce = null)
    {
        var body = new JsonObject { ["owner_id"] = owner, ["operation"] = operation, ["nonce"] = nonce ?? Ids.Nonce() };
        if (amount is not null)
        {
            body["amount"] = amount;
        }

        return body;
    }

    public async Task<long> BalanceAsync(string accountId)
        => (await GetAsync($"/accounts/{accountId}/balance")).Expect(200).Json.GetProperty("balance").GetInt64();

    public async Task<long> LedgerBalanceAsync(string owner)
        => (await GetAsync($"/ledger/{owner}")).Expect(200).Json.GetProperty("balance").GetInt64();

    /// <summary>
    /// Everything observable about an account: the account document and every page of its history, as
    /// exact text. Two equal snapshots mean nothing about the account changed in between.
    /// </summary>
    public async Task<string> SnapshotAsync(string accountId)
    {
        var text = new StringBuilder();
        text.AppendLine((await GetAsync($"/accounts/{accountId}")).Expect(200).Body);
        string? cursor = null;
        do
        {
            var page = (await GetAsync($"/accounts/{accountId}/entries?limit=200" + (cursor is null ? string.Empty : "&cursor=" + cursor))).Expect(200);
            text.AppendLine(page.Body);
            cursor = page.Json.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        return text.ToString();
    }

    public void Dispose() => http.Dispose();
}

/// <summary>Unique ids, so tests sharing one host never meet each other's accounts or keys.</summary>
public static class Ids
{
    public static string Owner(string prefix = "user") => prefix + "-" + Guid.NewGuid().ToString("N")[..20];

    public static string Nonce() => Guid.NewGuid().ToString();
}
