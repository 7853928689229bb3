using System.Text.Json;
using Ledger.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ledger.Host;

/// <summary>
/// <c>/health/live</c> (the process answers; no check runs) and <c>/health/ready</c> (the checks tagged
/// <see cref="LedgerHealth.ReadyTag"/>: store, write queue, consumers). Both answer any method, HEAD
/// included, 200 when healthy or degraded and 503 when unhealthy, and name only checks, never apps.
/// <c>/health</c> stays the route table's, answering readiness in the API's own shape, to HEAD as well.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    public static IEndpointRouteBuilder MapLedgerHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LedgerHealth.ReadyTag), ResponseWriter = WriteAsync });

        // The route table's /health is GET (as in the Functions app); probes often send HEAD.
        var health = LedgerRoutes.Named("Health");
        endpoints.MapMethods("/" + health.Template, [HttpMethods.Head], (HttpContext context, LedgerApi api) => api.HandleAsync(health, context))
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>Status plus each check's status and description; exceptions stay in the log, not in the answer.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", NameOf(report.Status));
            writer.WriteNumber("duration_ms", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
            writer.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("status", NameOf(entry.Status));
                writer.WriteString("description", entry.Description);
                writer.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray()).AsTask();
    }

    private static string NameOf(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
