using System.Text.Json;
using Ledger.Dashboard.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ledger.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser (the system Chromium, headless, driven by Playwright) against a real host
/// process: what a person clicks, and what the ledger then holds, read back through the public API.
/// </summary>
[Collection(DashboardHostCollection.Name)]
public sealed class DashboardBrowserTests(DashboardHost host)
{
    private const string CsvHeader = "id,account_id,sequence,time,kind,operation,reason,memo,category,amount,balance_after,counterparty,transaction_id";

    [ChromiumFact]
    public async Task A_person_signs_in_mints_transfers_and_downloads_the_accounts_export()
    {
        await using var browser = await DashboardBrowser.OpenAsync(host);
        using var api = host.CreateClient();
        var page = browser.Page;
        await api.OpenAccountAsync("studio", "studio-9");
        await api.OpenAccountAsync("ada", "ada-savings");

        await SignInRefusesAWrongKeyThenAcceptsTheAppsKey(browser);
        await browser.SubmitAsync("#open-form", ("owner_id", "ada"), ("account_id", "ada-wallet"));
        await Expect(page.Locator("#account-name")).ToHaveTextAsync("ada-wallet");

        await browser.SubmitAsync("#mint-form", ("amount", "1500"), ("memo", "Starter pack"));
        await Expect(page.Locator("#mint-form output")).ToContainTextAsync("Minted 1,500 to ada-wallet");
        await Expect(page.Locator("#figure-balance")).ToHaveTextAsync("1,500");

        await ArrangeSpendingAndAHoldAsync(api);
        await browser.SubmitAsync("#transfer-form", ("to", "studio-9"), ("amount", "400"), ("memo", "Commission"));
        await Expect(page.Locator("#transfer-form output")).ToContainTextAsync("posted");
        await Expect(page.Locator("#figure-balance")).ToHaveTextAsync("1,455");
        await Expect(page.Locator("#figure-pending")).ToHaveTextAsync("100");
        await Expect(page.Locator("#figure-available")).ToHaveTextAsync("1,355");
        await Expect(page.Locator("#history-table tbody tr")).ToHaveCountAsync(6);
        await Expect(page.Locator("#balance-chart .chart-point")).ToHaveCountAsync(6);

        var wallet = await api.GetJsonAsync("/accounts/ada-wallet");
        Assert.Equal((1455L, 100L), (wallet.GetProperty("balance").GetInt64(), wallet.GetProperty("pending").GetInt64()));
        Assert.Equal(400L, (await api.GetJsonAsync("/accounts/studio-9")).GetProperty("balance").GetInt64());

        await ShowsTheOwnersAccountsTheTransfersAndTheConsumers(browser, api);
        await DownloadsTheExportWithEveryEntryOfTheAccount(browser);
        await browser.ScreenshotAsync("dashboard-overview.png");
        await KeepsTheCredentialInTheTabsSessionOnly(browser);
        Assert.DoesNotContain(browser.Console, line => line.Contains("Refused", StringComparison.Ordinal) || line.StartsWith("pageerror", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task A_write_whose_answer_was_lost_is_resent_with_the_same_key_and_posts_once()
    {
        using var api = host.CreateClient();
        await api.OpenAccountAsync("lin", "lin-main");
        await using var browser = await DashboardBrowser.OpenAsync(host);
        var keys = new List<string>();
        await browser.Page.RouteAsync("**/transactions", async route =>
        {
            keys.Add(route.Request.Headers["idempotency-key"]);
            if (keys.Count == 1)
            {
                // The ledger posts the mint, but its answer never reaches the browser.
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
                return;
            }

            await route.ContinueAsync();
        });
        await SignInAsApp1Async(browser);

        await browser.SubmitAsync("#mint-form", ("account_id", "lin-main"), ("amount", "70"));
        await Expect(browser.Page.Locator("#mint-form output")).ToContainTextAsync("Minted 70 to lin-main");
        await browser.SubmitAsync("#mint-form", ("account_id", "lin-main"), ("amount", "70"));
        await Expect(browser.Page.Locator("#mint-form output")).ToContainTextAsync("balance 140");

        Assert.Equal(3, keys.Count);
        Assert.Equal(keys[0], keys[1]);
        Assert.NotEqual(keys[1], keys[2]);
        var entries = (await api.GetJsonAsync("/accounts/lin-main/entries")).GetProperty("entries");
        Assert.Equal([70L, 70L], entries.EnumerateArray().Select(entry => entry.GetProperty("amount").GetInt64()));
    }

    [ChromiumFact]
    public async Task A_write_that_stays_unanswered_is_retried_by_submitting_again_with_the_same_key()
    {
        using var api = host.CreateClient();
        await api.OpenAccountAsync("noor", "noor-main");
        await using var browser = await DashboardBrowser.OpenAsync(host);
        var keys = new List<string>();
        var offline = true;
        await browser.Page.RouteAsync("**/transactions", async route =>
        {
            keys.Add(route.Request.Headers["idempotency-key"]);
            if (offline)
            {
                await route.AbortAsync("internetdisconnected");
                return;
            }

            await route.ContinueAsync();
        });
        await SignInAsApp1Async(browser);

        await browser.SubmitAsync("#mint-form", ("account_id", "noor-main"), ("amount", "25"));
        await Expect(browser.Page.Locator("#mint-form output")).ToContainTextAsync("Submit again to retry with the same key");
        var attemptsWhileOffline = keys.Count;
        offline = false;
        await browser.Page.Locator("#mint-form button[type=submit]").ClickAsync();
        await Expect(browser.Page.Locator("#mint-form output")).ToContainTextAsync("Minted 25 to noor-main");

        Assert.True(attemptsWhileOffline > 1, "the dashboard did not retry by itself");
        Assert.Single(keys.Distinct(StringComparer.Ordinal));
        Assert.Equal(25L, (await api.GetJsonAsync("/accounts/noor-main")).GetProperty("balance").GetInt64());
    }

    [ChromiumFact]
    public async Task History_pages_back_to_older_entries_and_forward_to_the_newest()
    {
        using var api = host.CreateClient();
        await api.OpenAccountAsync("max", "max-main");
        for (var day = 1; day <= 12; day++)
        {
            await api.PostAsync("/transactions", new { kind = "mint", account_id = "max-main", amount = day, reason = "daily_bonus" }, $"max-bonus-{day}");
        }

        await using var browser = await DashboardBrowser.OpenAsync(host);
        var rows = browser.Page.Locator("#history-table tbody tr");
        await SignInAsApp1Async(browser);
        await browser.SubmitAsync("#owner-form", ("owner_id", "max"));
        await Expect(browser.Page.Locator("#account-name")).ToHaveTextAsync("max-main");
        await browser.Page.Locator("#history-limit").SelectOptionAsync("10");

        await Expect(rows).ToHaveCountAsync(10);
        await Expect(rows.First.Locator("td").First).ToHaveTextAsync("12");
        await browser.Page.Locator("#history-older").ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Last.Locator("td").First).ToHaveTextAsync("1");
        await Expect(browser.Page.Locator("#history-older")).ToBeDisabledAsync();
        await browser.Page.Locator("#history-newer").ClickAsync();
        await Expect(rows).ToHaveCountAsync(10);
        await Expect(browser.Page.Locator("#history-newer")).ToBeDisabledAsync();
    }

    private static async Task SignInRefusesAWrongKeyThenAcceptsTheAppsKey(DashboardBrowser browser)
    {
        await browser.SignInAsync("not-a-key-of-any-app");
        await Expect(browser.Page.Locator("#sign-in-form output")).ToContainTextAsync("invalid_api_key");
        await Expect(browser.Page.Locator("#workspace")).ToBeHiddenAsync();

        await SignInAsApp1Async(browser);
    }

    private static async Task SignInAsApp1Async(DashboardBrowser browser)
    {
        await browser.SignInAsync(DashboardHost.App1Key);
        await Expect(browser.Page.Locator("#who-app")).ToHaveTextAsync("app1");
        await Expect(browser.Page.Locator("#workspace")).ToBeVisibleAsync();
        await Expect(browser.Page.Locator("#sign-in")).ToBeHiddenAsync();
    }

    /// <summary>Postings made elsewhere meanwhile: three spends, a top-up, and a hold reserving 100 (pending).</summary>
    private static async Task ArrangeSpendingAndAHoldAsync(HttpClient api)
    {
        foreach (var (spend, key) in new[] { (120, "ada-read-1"), (80, "ada-read-2") })
        {
            await api.PostAsync("/transactions", new { kind = "operation", account_id = "ada-wallet", operation = "CONTENT_ACCESS", amount = spend }, key);
        }

        await api.PostAsync("/transactions", new { kind = "mint", account_id = "ada-wallet", amount = 600, reason = "credit_purchase" }, "ada-topup-1");
        await api.PostAsync("/transactions", new { kind = "operation", account_id = "ada-wallet", operation = "CONTENT_ACCESS", amount = 45 }, "ada-read-3");
        await api.PostAsync("/holds", new { from = "ada-wallet", to = "studio-9", amount = 100, reason = "live_session" }, "ada-session-1");
    }

    private static async Task ShowsTheOwnersAccountsTheTransfersAndTheConsumers(DashboardBrowser browser, HttpClient api)
    {
        var page = browser.Page;
        await browser.SubmitAsync("#owner-form", ("owner_id", "ada"));
        await Expect(page.Locator("#accounts-table tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#accounts-table tbody tr[data-account-id=ada-wallet]")).ToContainTextAsync("1,355");

        var hold = (await api.PostAsync("/holds", new { from = "ada-wallet", to = "studio-9", amount = 100, reason = "live_session" }, "ada-session-1")).GetProperty("transfer_id").GetString()!;
        await browser.SubmitAsync("#transfer-lookup-form", ("transfer_id", hold));
        await Expect(page.Locator($"#transfers-table tr[data-transfer-id='{hold}']")).ToContainTextAsync("reserved");
        await Expect(page.Locator("#transfers-table tbody tr", new() { HasText = "studio-9" }).Filter(new() { HasText = "posted" })).ToHaveCountAsync(1);

        await page.Locator("#consumers-refresh").ClickAsync();
        await Expect(page.Locator("#consumers-table tbody")).ToContainTextAsync("snapshots");
        await Expect(page.Locator("#consumers-table tbody")).ToContainTextAsync("exports");
    }

    private static async Task DownloadsTheExportWithEveryEntryOfTheAccount(DashboardBrowser browser)
    {
        var page = browser.Page;
        await browser.SubmitAsync("#export-form", ("scope", "account"));
        var downloadButton = page.Locator("#exports-table button", new() { HasText = "Download CSV" });
        await Expect(downloadButton).ToBeVisibleAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => downloadButton.ClickAsync());
        var saved = Path.Combine(Path.GetTempPath(), "ledger-dashboard-tests", Guid.NewGuid().ToString("N") + ".csv");
        await download.SaveAsAsync(saved);
        var lines = (await File.ReadAllTextAsync(saved)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        File.Delete(saved);

        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Equal(CsvHeader, lines[0]);
        var rows = lines.Skip(1).Select(line => line.Split(',')).ToArray();
        Assert.All(rows, row => Assert.Equal("ada-wallet", row[1]));
        Assert.Equal(["mint", "operation", "operation", "mint", "operation", "transfer_debit"], rows.Select(row => row[4]));
        Assert.Equal(["1500", "-120", "-80", "600", "-45", "-400"], rows.Select(row => row[9]));
        Assert.Equal("1455", rows[^1][10]);
        Assert.Equal("studio-9", rows[^1][11]);
    }

    private static async Task KeepsTheCredentialInTheTabsSessionOnly(DashboardBrowser browser)
    {
        var page = browser.Page;
        await page.ReloadAsync();
        await Expect(page.Locator("#who-app")).ToHaveTextAsync("app1");
        var session = await page.EvaluateAsync<string>("() => JSON.stringify(Object.values(sessionStorage))");
        Assert.Contains(DashboardHost.App1Key, session, StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Empty(await browser.Context.CookiesAsync());

        await page.Locator("#sign-out").ClickAsync();
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.Equal(0, await page.EvaluateAsync<int>("() => sessionStorage.length"));
    }
}
