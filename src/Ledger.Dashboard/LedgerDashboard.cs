using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Ledger.Dashboard;

/// <summary>
/// Serves the dashboard's static files, embedded in this assembly, under <c>/dashboard/</c>. The pages call
/// the ledger's public HTTP API from the browser like any other client; nothing here reads the ledger.
/// </summary>
public static class LedgerDashboard
{
    public const string PathPrefix = "/dashboard";
    public const string IndexFile = "index.html";

    /// <summary>
    /// Everything comes from this host: scripts and styles only from files (no inline code), requests only to
    /// the API beside them, and no framing, so a stolen page cannot be wrapped or fed another script.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, DashboardAsset> Assets = LoadAssets();

    /// <summary>The files served, by name: the page, its scripts and its style sheet.</summary>
    public static IReadOnlyCollection<string> FileNames => Assets.Keys;

    /// <summary>Maps <c>GET /dashboard/{file}</c>; <c>/dashboard</c> itself redirects to the folder so relative links resolve.</summary>
    public static IEndpointRouteBuilder MapLedgerDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PathPrefix + "/{file?}", (string? file, HttpContext context) => Serve(file, context))
            .WithName("Dashboard")
            .ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Serve(string? file, HttpContext context)
    {
        // Routing matches /dashboard and /dashboard/ alike; only the folder form makes "app.js" mean /dashboard/app.js.
        if (file is null && !(context.Request.Path.Value ?? string.Empty).EndsWith('/'))
        {
            return Results.Redirect(context.Request.PathBase + PathPrefix + "/");
        }

        if (!Assets.TryGetValue(file ?? IndexFile, out var asset))
        {
            // No body and no content type: the host answers its usual route_not_found problem.
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag.ToString();
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Compare(asset.ETag, useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, DashboardAsset> LoadAssets()
    {
        var assembly = typeof(LedgerDashboard).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var fileName = name[ResourcePrefix.Length..];
            var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"");
            assets[fileName] = new DashboardAsset(content, ContentTypeOf(fileName), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string fileName) => Path.GetExtension(fileName) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record DashboardAsset(byte[] Content, string ContentType, EntityTagHeaderValue ETag);
}
