using System.Text;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;

namespace Ledger.Host.Tests;

/// <summary>
/// Every kind of bad request, each against a funded account: the answer is the documented problem
/// (status, content type, the five fields, the stable code), and afterwards the account and its whole
/// history are byte-for-byte what they were, and no account the request named was created.
/// </summary>
public sealed class BadInputTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    private const long Funded = 100;

    /// <summary>
    /// A bad request. In <see cref="Path"/>, <see cref="Body"/> and header values, <c>{acct}</c> is the funded
    /// account (also its owner's id, so <c>POST /ledger</c> reaches it), <c>{new}</c> an id nobody uses
    /// (checked to still not exist afterwards) and <c>{nonce}</c> a fresh nonce.
    /// </summary>
    public sealed record BadRequest(string Method, string Path, string? Body, int Status, string Code)
    {
        public string? ContentType { get; init; } = "application/json";
        public (string Name, string Value)[] Headers { get; init; } = [];
        public string? ApiKey { get; init; } = LedgerApiFactory.App1Key;
        public bool Chunked { get; init; }
    }

    private static readonly string TooLargePadding = new(' ', RequestBody.MaxBytes);

    private static readonly Dictionary<string, BadRequest> Cases = new(StringComparer.Ordinal)
    {
        // POST /ledger: the shared-ledger contract.
        ["ledger: malformed, truncated"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}" """, 400, "malformed_json"),
        ["ledger: malformed, trailing garbage"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"} x""", 400, "malformed_json"),
        ["ledger: malformed, trailing comma"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}",}""", 400, "malformed_json"),
        ["ledger: malformed, single quotes"] = Ledger("""{'owner_id':'{acct}','operation':'CREDIT_ADD','nonce':'{nonce}'}""", 400, "malformed_json"),
        ["ledger: malformed, comment"] = Ledger("""{/* c */"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "malformed_json"),
        ["ledger: malformed, two objects"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}{}""", 400, "malformed_json"),
        ["ledger: malformed, empty body"] = Ledger(string.Empty, 400, "malformed_json"),
        ["ledger: malformed, whitespace body"] = Ledger(" \r\n\t ", 400, "malformed_json"),
        ["ledger: malformed, no body at all"] = Ledger(null, 400, "malformed_json") with { ContentType = null },
        ["ledger: malformed, array root"] = Ledger("""[{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}]""", 400, "malformed_json"),
        ["ledger: malformed, string root"] = Ledger("\"CREDIT_ADD\"", 400, "malformed_json"),
        ["ledger: malformed, null root"] = Ledger("null", 400, "malformed_json"),
        ["ledger: malformed, nested too deep"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}","x":[[[[[[[[[[1]]]]]]]]]]}""", 400, "malformed_json"),
        ["ledger: unknown field"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}","memo":"hi"}""", 400, "unknown_field"),
        ["ledger: unknown field differing only in case"] = Ledger("""{"Owner_Id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "unknown_field"),
        ["ledger: duplicate field"] = Ledger("""{"owner_id":"{acct}","operation":"DAILY_REWARD","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: missing owner_id"] = Ledger("""{"operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "missing_field"),
        ["ledger: empty owner_id"] = Ledger("""{"owner_id":"","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "missing_field"),
        ["ledger: null owner_id"] = Ledger("""{"owner_id":null,"operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "missing_field"),
        ["ledger: owner_id a number"] = Ledger("""{"owner_id":42,"operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: owner_id with a slash"] = Ledger("""{"owner_id":"{acct}/x","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: missing operation"] = Ledger("""{"owner_id":"{acct}","amount":10,"nonce":"{nonce}"}""", 400, "missing_field"),
        ["ledger: operation an array"] = Ledger("""{"owner_id":"{acct}","operation":["CREDIT_ADD"],"nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: unknown operation"] = Ledger("""{"owner_id":"{acct}","operation":"NOT_AN_OPERATION","nonce":"{nonce}"}""", 400, "unknown_operation"),
        ["ledger: operation in lower case"] = Ledger("""{"owner_id":"{acct}","operation":"credit_add","nonce":"{nonce}"}""", 400, "unknown_operation"),
        ["ledger: operation of another app"] = Ledger("""{"owner_id":"{acct}","operation":"REFERRAL_BONUS","nonce":"{nonce}"}""", 400, "unknown_operation"),
        ["ledger: amount contradicts a fixed credit"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","amount":11,"nonce":"{nonce}"}""", 400, "amount_mismatch"),
        ["ledger: amount contradicts a fixed debit"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_SPEND","amount":2,"nonce":"{nonce}"}""", 400, "amount_mismatch"),
        ["ledger: amount contradicts CONTENT_CREATION"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_CREATION","amount":1,"nonce":"{nonce}"}""", 400, "amount_mismatch"),
        ["ledger: variable operation without amount"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","nonce":"{nonce}"}""", 400, "missing_field"),
        ["ledger: zero amount, fixed operation"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","amount":0,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: zero amount, variable operation"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":0,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: negative zero amount"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":-0,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: negative amount, fixed operation"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","amount":-10,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: negative amount, variable operation"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":-1,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: fractional amount"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":1.5,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: whole amount written as a fraction"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","amount":10.0,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: amount in exponent notation"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","amount":1e1,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: tiny fractional amount"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":1e-300,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["ledger: amount one over the per-transaction limit"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":1000000000001,"nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["ledger: amount of long.MaxValue"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":9223372036854775807,"nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["ledger: amount beyond 64 bits"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":123456789012345678901234567890,"nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["ledger: negative amount beyond 64 bits"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":-123456789012345678901234567890,"nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["ledger: absurd exponent amount"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":1e30,"nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["ledger: amount a string"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":"10","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: amount a boolean"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":true,"nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: amount an object"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":{"value":10},"nonce":"{nonce}"}""", 400, "invalid_field"),
        ["ledger: overdraw"] = Ledger("""{"owner_id":"{acct}","operation":"CONTENT_ACCESS","amount":101,"nonce":"{nonce}"}""", 422, "insufficient_funds"),
        ["ledger: missing nonce"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD"}""", 400, "missing_idempotency_key"),
        ["ledger: empty nonce"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":""}""", 400, "missing_idempotency_key"),
        ["ledger: nonce with a space"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"a b"}""", 400, "invalid_field"),
        ["ledger: nonce longer than 255"] = Ledger("{\"owner_id\":\"{acct}\",\"operation\":\"CREDIT_ADD\",\"nonce\":\"" + new string('n', 256) + "\"}", 400, "invalid_field"),
        ["ledger: nonce a number"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":123}""", 400, "invalid_field"),
        ["ledger: nonce and Idempotency-Key differ"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 400, "invalid_field") with { Headers = [("Idempotency-Key", "another-key")] },
        ["ledger: Idempotency-Key sent twice"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD"}""", 400, "invalid_field") with { Headers = [("Idempotency-Key", "{nonce}"), ("Idempotency-Key", "{nonce}-2")] },
        ["ledger: Idempotency-Key with a non-ASCII character"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD"}""", 400, "invalid_field") with { Headers = [("Idempotency-Key", "key-\u00e9")] },
        ["ledger: text/plain"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 415, "unsupported_media_type") with { ContentType = "text/plain" },
        ["ledger: form encoded"] = Ledger("owner_id={acct}&operation=CREDIT_ADD&nonce={nonce}", 415, "unsupported_media_type") with { ContentType = "application/x-www-form-urlencoded" },
        ["ledger: application/xml"] = Ledger("""<ledger owner_id="{acct}"/>""", 415, "unsupported_media_type") with { ContentType = "application/xml" },
        ["ledger: body over 16 KiB"] = Ledger("{\"owner_id\":\"{acct}\"," + TooLargePadding + "\"operation\":\"CREDIT_ADD\",\"nonce\":\"{nonce}\"}", 413, "body_too_large"),
        ["ledger: body over 16 KiB, chunked"] = Ledger("{\"owner_id\":\"{acct}\"," + TooLargePadding + "\"operation\":\"CREDIT_ADD\",\"nonce\":\"{nonce}\"}", 413, "body_too_large") with { Chunked = true },
        ["ledger: no API key"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 401, "missing_api_key") with { ApiKey = null },
        ["ledger: wrong API key"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 401, "invalid_api_key") with { ApiKey = "dev-app3-key" },
        ["ledger: another app spends the owner's credits"] = Ledger("""{"owner_id":"{acct}","operation":"CREDIT_SPEND","nonce":"{nonce}"}""", 422, "insufficient_funds") with { ApiKey = LedgerApiFactory.App2Key },

        // POST /transactions.
        ["transactions: malformed"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,""", 400, "malformed_json"),
        ["transactions: unknown field"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","owner_id":"x","nonce":"{nonce}"}""", 400, "unknown_field"),
        ["transactions: missing kind"] = Tx("""{"account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 400, "missing_field"),
        ["transactions: unknown kind"] = Tx("""{"kind":"transfer","account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: kind in upper case"] = Tx("""{"kind":"MINT","account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: missing account_id"] = Tx("""{"kind":"mint","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 400, "missing_field"),
        ["transactions: invalid account_id"] = Tx("""{"kind":"mint","account_id":"a b","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: unknown account"] = Tx("""{"kind":"mint","account_id":"{new}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 404, "account_not_found"),
        ["transactions: the issuance contra-account"] = Tx("""{"kind":"mint","account_id":"$issuance","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: mint into another app's account"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 404, "account_not_found") with { ApiKey = LedgerApiFactory.App2Key },
        ["transactions: burn from another app's account"] = Tx("""{"kind":"burn","account_id":"{acct}","amount":5,"reason":"payout","nonce":"{nonce}"}""", 404, "account_not_found") with { ApiKey = LedgerApiFactory.App2Key },
        ["transactions: mint without reason"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"nonce":"{nonce}"}""", 400, "missing_field"),
        ["transactions: burn with only a memo"] = Tx("""{"kind":"burn","account_id":"{acct}","amount":5,"memo":"why","nonce":"{nonce}"}""", 400, "missing_field"),
        ["transactions: unstructured reason"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"Content Unlock","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: memo too long"] = Tx("{\"kind\":\"mint\",\"account_id\":\"{acct}\",\"amount\":5,\"reason\":\"bonus\",\"memo\":\"" + new string('m', 501) + "\",\"nonce\":\"{nonce}\"}", 400, "invalid_field"),
        ["transactions: memo with a control character"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","memo":"bell\u0007","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: unstructured category"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","category":"Not OK","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: mint without amount"] = Tx("""{"kind":"mint","account_id":"{acct}","reason":"bonus","nonce":"{nonce}"}""", 400, "missing_field"),
        ["transactions: mint zero"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":0,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["transactions: mint negative"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":-5,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["transactions: burn negative"] = Tx("""{"kind":"burn","account_id":"{acct}","amount":-5,"reason":"payout","nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["transactions: mint fractional"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":0.01,"reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["transactions: mint over the limit"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":1000000000001,"reason":"bonus","nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["transactions: mint beyond 64 bits"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":18446744073709551616,"reason":"bonus","nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["transactions: mint amount a string"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":"5","reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: mint naming an operation"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":10,"operation":"CREDIT_ADD","reason":"bonus","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["transactions: burn more than the balance"] = Tx("""{"kind":"burn","account_id":"{acct}","amount":101,"reason":"payout","nonce":"{nonce}"}""", 422, "insufficient_funds"),
        ["transactions: operation without a name"] = Tx("""{"kind":"operation","account_id":"{acct}","nonce":"{nonce}"}""", 400, "missing_field"),
        ["transactions: unknown operation"] = Tx("""{"kind":"operation","account_id":"{acct}","operation":"FREE_MONEY","nonce":"{nonce}"}""", 400, "unknown_operation"),
        ["transactions: operation amount contradicts"] = Tx("""{"kind":"operation","account_id":"{acct}","operation":"CONTENT_CREATION","amount":4,"nonce":"{nonce}"}""", 400, "amount_mismatch"),
        ["transactions: operation overdraws"] = Tx("""{"kind":"operation","account_id":"{acct}","operation":"CONTENT_ACCESS","amount":101,"nonce":"{nonce}"}""", 422, "insufficient_funds"),
        ["transactions: operation on an unknown account"] = Tx("""{"kind":"operation","account_id":"{new}","operation":"CREDIT_ADD","nonce":"{nonce}"}""", 404, "account_not_found"),
        ["transactions: missing nonce"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus"}""", 400, "missing_idempotency_key"),
        ["transactions: text/plain"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 415, "unsupported_media_type") with { ContentType = "text/plain" },
        ["transactions: body over 16 KiB"] = Tx("{\"kind\":\"mint\",\"account_id\":\"{acct}\"," + TooLargePadding + "\"amount\":5,\"reason\":\"bonus\",\"nonce\":\"{nonce}\"}", 413, "body_too_large"),
        ["transactions: no API key"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 401, "missing_api_key") with { ApiKey = null },
        ["transactions: wrong API key"] = Tx("""{"kind":"mint","account_id":"{acct}","amount":5,"reason":"bonus","nonce":"{nonce}"}""", 401, "invalid_api_key") with { ApiKey = "dev-app1-kez" },

        // POST /accounts.
        ["accounts: malformed"] = Open("""{"owner_id":"{new}" "account_id":"{new}","nonce":"{nonce}"}""", 400, "malformed_json"),
        ["accounts: unknown field"] = Open("""{"owner_id":"{new}","account_id":"{new}","balance":1000,"nonce":"{nonce}"}""", 400, "unknown_field"),
        ["accounts: missing owner_id"] = Open("""{"account_id":"{new}","nonce":"{nonce}"}""", 400, "missing_field"),
        ["accounts: invalid account_id"] = Open("""{"owner_id":"{new}","account_id":"{new} x","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["accounts: account_id a number"] = Open("""{"owner_id":"{new}","account_id":7,"nonce":"{nonce}"}""", 400, "invalid_field"),
        ["accounts: positive floor"] = Open("""{"owner_id":"{new}","account_id":"{new}","floor":1,"nonce":"{nonce}"}""", 400, "invalid_field"),
        ["accounts: fractional floor"] = Open("""{"owner_id":"{new}","account_id":"{new}","floor":-1.5,"nonce":"{nonce}"}""", 400, "invalid_amount"),
        ["accounts: floor beyond 64 bits"] = Open("""{"owner_id":"{new}","account_id":"{new}","floor":-99999999999999999999999,"nonce":"{nonce}"}""", 400, "amount_too_large"),
        ["accounts: floor below the minimum"] = Open("""{"owner_id":"{new}","account_id":"{new}","floor":-9223372036854775808,"nonce":"{nonce}"}""", 400, "invalid_field"),
        ["accounts: threshold a string"] = Open("""{"owner_id":"{new}","account_id":"{new}","low_balance_threshold":"5","nonce":"{nonce}"}""", 400, "invalid_field"),
        ["accounts: missing nonce"] = Open("""{"owner_id":"{new}","account_id":"{new}"}""", 400, "missing_idempotency_key"),
        ["accounts: existing account"] = Open("""{"owner_id":"{acct}","account_id":"{acct}","nonce":"{nonce}"}""", 409, "account_already_exists"),
        ["accounts: existing account for another owner"] = Open("""{"owner_id":"{new}","account_id":"{acct}","nonce":"{nonce}"}""", 409, "account_already_exists"),
        ["accounts: text/plain"] = Open("""{"owner_id":"{new}","account_id":"{new}","nonce":"{nonce}"}""", 415, "unsupported_media_type") with { ContentType = "text/plain; charset=utf-8" },
        ["accounts: body over 16 KiB"] = Open("{\"owner_id\":\"{new}\"," + TooLargePadding + "\"account_id\":\"{new}\",\"nonce\":\"{nonce}\"}", 413, "body_too_large"),

        // Account status changes.
        ["freeze: unknown field"] = new("POST", "/accounts/{acct}/freeze", """{"reason":"fraud"}""", 400, "unknown_field"),
        ["freeze: malformed"] = new("POST", "/accounts/{acct}/freeze", "{", 400, "malformed_json"),
        ["freeze: text/plain"] = new("POST", "/accounts/{acct}/freeze", "freeze", 415, "unsupported_media_type") { ContentType = "text/plain" },
        ["freeze: another app's account"] = new("POST", "/accounts/{acct}/freeze", null, 404, "account_not_found") { ApiKey = LedgerApiFactory.App2Key, ContentType = null },
        ["freeze: no API key"] = new("POST", "/accounts/{acct}/freeze", null, 401, "missing_api_key") { ApiKey = null, ContentType = null },
        ["unfreeze: body over 16 KiB"] = new("POST", "/accounts/{acct}/unfreeze", "{" + TooLargePadding + "}", 413, "body_too_large"),
        ["close: non-empty account"] = new("POST", "/accounts/{acct}/close", null, 409, "account_not_empty") { ContentType = null },
        ["close: another app's account"] = new("POST", "/accounts/{acct}/close", null, 404, "account_not_found") { ApiKey = LedgerApiFactory.App2Key, ContentType = null },
        ["close: unknown field"] = new("POST", "/accounts/{acct}/close", """{"force":true}""", 400, "unknown_field"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_bad_request_gets_its_problem_and_changes_nothing(string name)
    {
        var bad = Cases[name];
        using var app1 = factory.App1();
        using var app2 = factory.App2();
        var account = await app1.OpenAccountAsync(Ids.Owner());
        await app1.MintAsync(account, Funded);
        var newId = Ids.Owner("new");
        var before = await app1.SnapshotAsync(account);
        var app2Before = (await app2.GetAsync($"/ledger/{account}")).Expect(200).Body;

        using var client = factory.Client(bad.ApiKey);
        var response = await client.SendAsync(new HttpMethod(bad.Method), Fill(bad.Path, account, newId), ContentOf(bad, account, newId), [.. bad.Headers.Select(header => (header.Name, Fill(header.Value, account, newId)))]);

        ProblemAssert.Is(response, bad.Status, bad.Code);
        Assert.Equal(before, await app1.SnapshotAsync(account));
        Assert.Equal(Funded, await app1.LedgerBalanceAsync(account));
        Assert.Equal(app2Before, (await app2.GetAsync($"/ledger/{account}")).Expect(200).Body);
        ProblemAssert.Is(await app1.GetAsync($"/accounts/{newId}"), 404, "account_not_found");
        ProblemAssert.Is(await app2.GetAsync($"/accounts/{account}"), 404, "account_not_found");
    }

    [Fact]
    public async Task A_body_of_exactly_16_KiB_is_accepted()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        var start = $"{{\"owner_id\":\"{owner}\",\"operation\":\"CREDIT_ADD\",\"nonce\":\"{Ids.Nonce()}\"";
        var body = start + new string(' ', RequestBody.MaxBytes - start.Length - 1) + "}";
        Assert.Equal(RequestBody.MaxBytes, Encoding.UTF8.GetByteCount(body));

        (await app1.PostAsync("/ledger", body)).Expect(201);
        Assert.Equal(10, await app1.LedgerBalanceAsync(owner));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("APPLICATION/JSON")]
    [InlineData("application/problem+json")]
    [InlineData(null)]
    public async Task Json_media_types_and_a_missing_content_type_are_accepted(string? contentType)
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();

        (await app1.PostAsync("/ledger", LedgerClient.Ledger(owner, "DAILY_REWARD").ToJsonString(), contentType)).Expect(201);
        Assert.Equal(1, await app1.LedgerBalanceAsync(owner));
    }

    [Fact]
    public async Task A_lone_surrogate_escape_in_a_string_is_a_400_not_a_server_error()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        await app1.OpenAccountAsync(owner);
        var before = await app1.SnapshotAsync(owner);

        foreach (var body in new[]
        {
            $$"""{"owner_id":"{{owner}}","operation":"CREDIT_ADD","nonce":"\ud800"}""",
            $$"""{"owner_id":"{{owner}}","operation":"CREDIT_\udfff","nonce":"{{Ids.Nonce()}}"}""",
            $$"""{"owner_id":"\ud800","operation":"CREDIT_ADD","nonce":"{{Ids.Nonce()}}"}""",
        })
        {
            var response = await app1.PostAsync("/ledger", body);
            Assert.True(response.Status == 400, $"Expected 400 for {body}, got {response}");
            ProblemAssert.IsProblem(response);
        }

        Assert.Equal(before, await app1.SnapshotAsync(owner));
    }

    [Fact]
    public async Task Bytes_that_are_not_UTF8_are_malformed_json()
    {
        using var app1 = factory.App1();
        var owner = Ids.Owner();
        await app1.OpenAccountAsync(owner);
        var before = await app1.SnapshotAsync(owner);
        byte[] prefix = Encoding.UTF8.GetBytes("{\"owner_id\":\"" + owner + "\",\"operation\":\"CREDIT_ADD\",\"nonce\":\"");
        byte[] body = [.. prefix, 0xC3, 0x28, 0xFF, .. "\"}"u8];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        ProblemAssert.Is(await app1.SendAsync(HttpMethod.Post, "/ledger", content), 400, "malformed_json");
        Assert.Equal(before, await app1.SnapshotAsync(owner));
    }

    private static BadRequest Ledger(string? body, int status, string code) => new("POST", "/ledger", body, status, code);

    private static BadRequest Tx(string body, int status, string code) => new("POST", "/transactions", body, status, code);

    private static BadRequest Open(string body, int status, string code) => new("POST", "/accounts", body, status, code);

    private static string Fill(string text, string account, string newId)
        => text.Replace("{acct}", account, StringComparison.Ordinal).Replace("{new}", newId, StringComparison.Ordinal).Replace("{nonce}", Ids.Nonce(), StringComparison.Ordinal);

    private static HttpContent? ContentOf(BadRequest bad, string account, string newId)
    {
        if (bad.Body is null)
        {
            return null;
        }

        var body = Fill(bad.Body, account, newId);
        return bad.Chunked
            ? new UnsizedContent(Encoding.UTF8.GetBytes(body), bad.ContentType ?? "application/json")
            : LedgerClient.Content(body, bad.ContentType);
    }
}
