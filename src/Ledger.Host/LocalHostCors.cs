namespace Ledger.Host;

/// <summary>
/// Cross-origin access for browser apps: only the origins listed in <c>Ledger:Cors:Origins</c> (exact
/// scheme, host and port), any method and header, with preflight answered by the CORS middleware. With no
/// origins listed, no CORS header is ever sent and browsers keep other origins out.
/// </summary>
public static class LocalHostCors
{
    public const string OriginsSetting = "Ledger:Cors:Origins";

    /// <summary>Headers a browser script may read from a response besides the simple ones.</summary>
    private static readonly string[] ExposedHeaders = ["Location", "Retry-After", "Allow"];

    public static IServiceCollection AddLedgerCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = ReadOrigins(configuration);
        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            if (origins.Length > 0)
            {
                policy.WithOrigins(origins).AllowAnyMethod().AllowAnyHeader().WithExposedHeaders(ExposedHeaders).SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            }
        }));
        return services;
    }

    /// <summary>Each origin must be an absolute http(s) URL without a path; a mistake stops the host at start-up.</summary>
    public static string[] ReadOrigins(IConfiguration configuration)
    {
        var origins = configuration.GetSection(OriginsSetting).GetChildren().Select(origin => origin.Value?.Trim() ?? string.Empty).Where(origin => origin.Length > 0).ToArray();
        foreach (var origin in origins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" && origin.TrimEnd('/') == url.GetLeftPart(UriPartial.Authority)))
            {
                throw new InvalidOperationException($"'{OriginsSetting}' holds '{origin}'; list origins as scheme://host[:port], e.g. https://app.example.com.");
            }
        }

        return origins.Select(origin => origin.TrimEnd('/')).ToArray();
    }
}
