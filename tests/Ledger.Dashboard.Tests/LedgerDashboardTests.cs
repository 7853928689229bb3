using System.Net;
using System.Text.RegularExpressions;
using Ledger.Dashboard.Tests.Infrastructure;

namespace Ledger.Dashboard.Tests;

/// <summary>
/// The dashboard's files as the local host serves them: from the host alone, under a policy that admits
/// only those files, and outside the API's contract.
/// </summary>
[Collection(DashboardHostCollection.Name)]
public sealed partial class LedgerDashboardTests(DashboardHost host)
{
    [Fact]
    public async Task The_dashboard_folder_serves_the_page_under_a_policy_that_admits_only_the_hosts_own_files()
    {
        using var client = host.CreateClient(apiKey: null);

        using var response = await client.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(LedgerDashboard.ContentSecurityPolicy, string.Join(' ', response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("script-src 'self';", LedgerDashboard.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", LedgerDashboard.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("<title>Credit ledger dashboard</title>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_without_its_slash_redirects_to_the_folder_so_relative_links_resolve()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = host.BaseAddress };

        using var response = await client.GetAsync("/dashboard");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Every_file_the_pages_reference_is_served_by_the_host_and_none_comes_from_elsewhere()
    {
        using var client = host.CreateClient(apiKey: null);
        var references = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in LedgerDashboard.FileNames.Where(name => name.EndsWith(".html", StringComparison.Ordinal) || name.EndsWith(".js", StringComparison.Ordinal)))
        {
            var text = await client.GetStringAsync("/dashboard/" + file);
            references.UnionWith(HtmlReference().Matches(text).Concat(ModuleImport().Matches(text)).Select(match => match.Groups[1].Value));
        }

        Assert.Contains("dashboard.js", references);
        Assert.Contains("dashboard.css", references);
        foreach (var reference in references.Where(reference => !reference.StartsWith("data:", StringComparison.Ordinal)))
        {
            Assert.False(reference.Contains("//", StringComparison.Ordinal), $"the dashboard loads {reference} from elsewhere");
            using var asset = await client.GetAsync(new Uri(host.DashboardAddress, reference));
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{reference} answers {(int)asset.StatusCode}");
        }
    }

    [Fact]
    public async Task The_page_holds_no_inline_script_style_or_handler_that_the_policy_would_block()
    {
        using var client = host.CreateClient(apiKey: null);

        var html = await client.GetStringAsync("/dashboard/index.html");

        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(InlineAttribute(), html);
    }

    [Theory]
    [InlineData("/dashboard/nothing.js")]
    [InlineData("/dashboard/..%2FProgram.cs")]
    [InlineData("/dashboard/index.html.bak")]
    public async Task A_file_the_dashboard_does_not_have_is_404_route_not_found(string path)
    {
        using var client = host.CreateClient(apiKey: null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":\"route_not_found\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_file_is_served_with_its_type_and_revalidated_by_its_entity_tag()
    {
        using var client = host.CreateClient(apiKey: null);
        var types = new Dictionary<string, string> { [".html"] = "text/html", [".js"] = "text/javascript", [".css"] = "text/css" };

        foreach (var file in LedgerDashboard.FileNames)
        {
            using var first = await client.GetAsync("/dashboard/" + file);
            Assert.Equal(types[Path.GetExtension(file)], first.Content.Headers.ContentType?.MediaType);
            var tag = first.Headers.ETag ?? throw new InvalidOperationException(file + " has no ETag");

            using var again = new HttpRequestMessage(HttpMethod.Get, "/dashboard/" + file) { Headers = { IfNoneMatch = { tag } } };
            using var revalidated = await client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        }
    }

    [Fact]
    public async Task The_dashboard_is_not_part_of_the_APIs_OpenAPI_contract()
    {
        using var client = host.CreateClient(apiKey: null);

        var document = await client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("\"/transfers\"", document, StringComparison.Ordinal);
        Assert.DoesNotContain("/dashboard", document, StringComparison.Ordinal);
    }

    [GeneratedRegex("""(?:src|href)="([^"]+)"[^>]*>""")]
    private static partial Regex HtmlReference();

    [GeneratedRegex("""^import .* from '([^']+)';""", RegexOptions.Multiline)]
    private static partial Regex ModuleImport();

    [GeneratedRegex("""<script(?![^>]*\bsrc=)[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("""\s(?:style|on[a-z]+)=""", RegexOptions.IgnoreCase)]
    private static partial Regex InlineAttribute();
}
