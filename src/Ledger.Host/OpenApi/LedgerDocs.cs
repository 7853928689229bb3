using System.Text;
using Swashbuckle.AspNetCore.ReDoc;

namespace Ledger.Host.OpenApi;

/// <summary>
/// The served contract and its two readers: the OpenAPI document, Swagger UI at <c>/docs</c> and Redoc at
/// <c>/redoc</c>. Both readers' assets are embedded in their packages and served by this host, so the
/// documentation works without reaching any other site.
/// </summary>
public static class LedgerDocs
{
    public const string SwaggerUiPrefix = "docs";
    public const string RedocPrefix = "redoc";
    private const string Title = "Credit ledger API";

    public static WebApplication MapLedgerDocs(this WebApplication app)
    {
        app.MapOpenApi(LedgerOpenApi.DocumentPath);
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = SwaggerUiPrefix;
            options.DocumentTitle = Title;
            options.SwaggerEndpoint(LedgerOpenApi.DocumentPath, Title);
            options.DisplayOperationId();
        });
        app.UseReDoc(options =>
        {
            options.RoutePrefix = RedocPrefix;
            options.DocumentTitle = Title;
            options.SpecUrl = LedgerOpenApi.DocumentPath;
            options.IndexStream = RedocIndexWithoutWebFonts;
        });
        return app;
    }

    /// <summary>
    /// The package's own Redoc page less its one outside reference, a Google Fonts stylesheet: without it
    /// Redoc falls back to local fonts, and the page loads nothing from another site.
    /// </summary>
    private static Stream RedocIndexWithoutWebFonts()
    {
        using var embedded = typeof(ReDocOptions).Assembly.GetManifestResourceStream("Swashbuckle.AspNetCore.ReDoc.index.html")
            ?? throw new InvalidOperationException("The Redoc package no longer embeds index.html.");
        using var reader = new StreamReader(embedded, Encoding.UTF8);
        var lines = reader.ReadToEnd().Split('\n').Where(line => !line.Contains("fonts.googleapis.com", StringComparison.Ordinal));
        return new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
    }
}
