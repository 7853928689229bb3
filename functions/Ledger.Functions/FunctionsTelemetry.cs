using Azure.Monitor.OpenTelemetry.Exporter;
using Ledger.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Ledger.Functions;

/// <summary>
/// The Functions app's telemetry: the worker's OpenTelemetry defaults (function invocations, the Functions
/// resource) plus the ledger's own meter, exported to Application Insights when the platform's
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (the Bicep template sets it). Without it nothing
/// is exported, so local runs and tests need no Azure resource.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static FunctionsApplicationBuilder AddLedgerTelemetry(this FunctionsApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[ConnectionStringSetting]))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(LedgerMetrics.MeterName))
            .UseAzureMonitorExporter();
        return builder;
    }
}
