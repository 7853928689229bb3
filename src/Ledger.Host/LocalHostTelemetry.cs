using Ledger.Storage;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ledger.Host;

/// <summary>
/// OpenTelemetry for the local host: the ledger's own meter, ASP.NET Core, HttpClient and runtime
/// metrics, scraped by Prometheus at <c>/metrics</c>; traces and an OTLP export of everything only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, so a host that exports nowhere creates no activities per request.
/// </summary>
public static class LocalHostTelemetry
{
    public const string MetricsPath = "/metrics";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "ledger-host";

    public static WebApplicationBuilder AddLedgerTelemetry(this WebApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(LedgerMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            telemetry
                .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapLedgerMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        return endpoints;
    }
}
