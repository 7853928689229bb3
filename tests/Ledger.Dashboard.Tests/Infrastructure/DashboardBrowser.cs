using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Playwright;

namespace Ledger.Dashboard.Tests.Infrastructure;

/// <summary>
/// One headless system Chromium driven by Playwright, with a page on the dashboard, every host but the
/// loopback one unresolvable (a page needing a CDN would break), and the page's console and errors kept.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _console = [];

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
        page.Console += (_, message) => Remember($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => Remember("pageerror: " + error);
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>What the page logged: CSP refusals and script errors show here.</summary>
    public IReadOnlyList<string> Console
    {
        get
        {
            lock (_console)
            {
                return [.. _console];
            }
        }
    }

    public static async Task<DashboardBrowser> OpenAsync(DashboardHost host)
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = SystemChromium.ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            AcceptDownloads = true,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.DashboardAddress.ToString());
        return new DashboardBrowser(playwright, browser, context, page);
    }

    /// <summary>Fills the named fields of a form (inputs and selects) and submits it.</summary>
    public async Task SubmitAsync(string form, params (string Field, string Value)[] fields)
    {
        foreach (var (field, value) in fields)
        {
            var control = Page.Locator($"{form} [name={field}]");
            if (await control.EvaluateAsync<string>("node => node.tagName") == "SELECT")
            {
                await control.SelectOptionAsync(value);
            }
            else
            {
                await control.FillAsync(value);
            }
        }

        await Page.Locator($"{form} button[type=submit]").ClickAsync();
    }

    public async Task SignInAsync(string secret)
    {
        await SubmitAsync("#sign-in-form", ("kind", "key"), ("secret", secret));
    }

    /// <summary>Saves a full-page screenshot beside the test assembly, and under docs/screenshots when LEDGER_UPDATE_SCREENSHOTS=1.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var local = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = local, FullPage = true });
        if (Environment.GetEnvironmentVariable("LEDGER_UPDATE_SCREENSHOTS") == "1")
        {
            File.Copy(local, Path.Combine(RepositoryRoot(), "docs", "screenshots", name), overwrite: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    private void Remember(string line)
    {
        lock (_console)
        {
            _console.Add(line);
        }
    }
}

/// <summary>Arranging data and checking outcomes through the same public HTTP API the dashboard uses.</summary>
public static class LedgerCalls
{
    public static async Task<JsonElement> PostAsync(this HttpClient client, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        var text = await client.GetStringAsync(path);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task OpenAccountAsync(this HttpClient client, string owner, string account)
        => await client.PostAsync("/accounts", new { owner_id = owner, account_id = account }, "open-" + account);
}
