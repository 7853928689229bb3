using System.Net;
using System.Text.RegularExpressions;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;

namespace Ledger.Host.Tests.OpenApi;

/// <summary>
/// Swagger UI at /docs and Redoc at /redoc, rendered by a headless Chromium against a real host process
/// with every other host name made unresolvable: what renders came from the host alone.
/// </summary>
public sealed partial class InteractiveDocsTests : IAsyncLifetime
{
    private static readonly TimeSpan RenderBound = TimeSpan.FromMinutes(2);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-docs-tests", Guid.NewGuid().ToString("N"));
    private HostProcess? _host;

    private HostProcess Host => _host ?? throw new InvalidOperationException("The host is not started.");

    public async Task InitializeAsync()
    {
        if (ExternalTools.Find("chromium", "chromium-browser", "google-chrome") is null)
        {
            return;
        }

        Directory.CreateDirectory(_dataDirectory);
        _host = await HostProcess.StartAsync(_dataDirectory, HostProcess.FreePort());
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        TemporaryDirectory.Delete(_dataDirectory);
    }

    [ChromiumFact]
    public async Task Swagger_UI_at_docs_renders_every_operation_of_the_route_table()
    {
        var dom = await RenderAsync("/docs/index.html", "opblock-summary-operation-id");

        Assert.All(LedgerRoutes.All, route => Assert.Contains(route.Name, dom, StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task Redoc_at_redoc_renders_the_document_with_every_tag_in_its_menu()
    {
        var dom = WebUtility.HtmlDecode(await RenderAsync("/redoc/index.html", "Menu/MenuItem"));

        Assert.Contains("Credit ledger API", dom, StringComparison.Ordinal);
        Assert.All(LedgerRoutes.All, route => Assert.Contains(LedgerRoutes.ContractOf(route)!.Tag, dom, StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task The_docs_pages_reference_only_assets_of_the_host_itself()
    {
        using var client = Host.CreateClient(apiKey: null);
        foreach (var page in new[] { "/docs/index.html", "/redoc/index.html" })
        {
            var html = await client.GetStringAsync(page);
            var references = AssetReference().Matches(html).Select(match => match.Groups[1].Value).ToArray();

            Assert.NotEmpty(references);
            Assert.All(references, reference => Assert.False(reference.Contains("//", StringComparison.Ordinal), $"{page} loads {reference} from elsewhere"));
            foreach (var reference in references)
            {
                using var asset = await client.GetAsync(new Uri(new Uri(Host.BaseAddress, page), reference));
                Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{page}: {reference} answers {(int)asset.StatusCode}");
            }
        }
    }

    /// <summary>The page's DOM after its scripts ran, or a failure naming what was rendered when <paramref name="marker"/> never appeared.</summary>
    private async Task<string> RenderAsync(string path, string marker)
    {
        var chromium = ExternalTools.Find("chromium", "chromium-browser", "google-chrome")!;
        var profile = Path.Combine(_dataDirectory, "chromium-" + Guid.NewGuid().ToString("N"));
        string[] arguments =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
            // Any host but the loopback one fails to resolve: a page that needs a CDN renders without it.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--virtual-time-budget=20000", "--dump-dom", new Uri(Host.BaseAddress, path).ToString(),
        ];
        var (exit, output) = await ExternalTools.RunAsync(chromium, arguments, RenderBound);

        Assert.True(exit == 0, $"chromium exited with {exit}:\n{output}");
        Assert.True(output.Contains(marker, StringComparison.Ordinal), $"{path} did not render ({marker} missing):\n{output[..Math.Min(output.Length, 4000)]}");
        return output;
    }

    [GeneratedRegex("""(?:src|href)="([^"]+)"[^>]*>""")]
    private static partial Regex AssetReference();
}
