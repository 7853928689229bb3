using System.Text.Json;
using Ledger.Domain;
using Ledger.Functions.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Ledger.Functions.Tests;

/// <summary>
/// The Functions app enforces the same scopes as the local host: its HTTP functions hand the request to the
/// shared handler, which authenticates and authorizes through the ASP.NET Core services registered once
/// in Ledger.Hosting. No ASP.NET Core middleware runs in between.
/// </summary>
public sealed class HttpFunctionsAuthorizationTests
{
    [Fact]
    public async Task A_catalog_only_key_posts_an_operation_but_gets_403_insufficient_scope_on_a_mint()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-1");

        var operation = await CallAsync(host, host.NewRequest("POST", "/transactions", """{"kind":"operation","account_id":"acct-1","operation":"DAILY_REWARD"}""", apiKey: FunctionsTestHost.CatalogOnlyKey, idempotencyKey: "op-1"));
        var mint = await CallAsync(host, host.NewRequest("POST", "/transactions", """{"kind":"mint","account_id":"acct-1","amount":1000,"reason":"test"}""", apiKey: FunctionsTestHost.CatalogOnlyKey, idempotencyKey: "mint-1"));

        Assert.Equal(StatusCodes.Status201Created, operation.Status);
        Assert.Equal(StatusCodes.Status403Forbidden, mint.Status);
        Assert.Equal(ErrorCodes.InsufficientScope, JsonDocument.Parse(mint.Body).RootElement.GetProperty("code").GetString());
        Assert.Equal(1, (await host.AccountAsync("acct-1")).Balance);
    }

    [Fact]
    public async Task A_catalog_only_key_gets_403_on_account_administration_and_the_full_key_does_not()
    {
        await using var host = new FunctionsTestHost();
        await host.OpenAsync("acct-1");

        var catalogOnly = host.NewRequest("POST", "/accounts/acct-1/freeze", apiKey: FunctionsTestHost.CatalogOnlyKey);
        var refused = await FunctionsTestHost.ExecuteAsync(await host.Http.FreezeAccount(catalogOnly, "acct-1"), catalogOnly);
        var fullKey = host.NewRequest("POST", "/accounts/acct-1/freeze");
        var frozen = await FunctionsTestHost.ExecuteAsync(await host.Http.FreezeAccount(fullKey, "acct-1"), fullKey);

        Assert.Equal(StatusCodes.Status403Forbidden, refused.Status);
        Assert.Equal(StatusCodes.Status200OK, frozen.Status);
    }

    private static async Task<Answer> CallAsync(FunctionsTestHost host, HttpRequest request)
        => await FunctionsTestHost.ExecuteAsync(await host.Http.PostTransaction(request), request);
}
