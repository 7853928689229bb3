using System.Diagnostics.Metrics;
using System.Net;
using Ledger.Storage;
using Microsoft.Extensions.Logging;

namespace Ledger.Store.Cosmos;

/// <summary>
/// Records the request charge of every Cosmos DB call: always as a metric, and at debug level in the log.
/// Request units are what a Cosmos DB account is billed and throttled on, so every call counts, the
/// failed and throttled ones included.
/// </summary>
internal sealed partial class RequestChargeRecorder
{
    /// <summary>The ledger's shared meter: one subscription exports the charges with every other ledger metric.</summary>
    public const string MeterName = LedgerMetrics.MeterName;
    public const string HistogramName = "ledger.cosmos.request_charge";
    public const string OperationTag = "operation";
    public const string StatusCodeTag = "status_code";

    private static readonly Histogram<double> RequestCharges = LedgerMetrics.CosmosRequestCharge;

    private readonly ILogger _logger;

    public RequestChargeRecorder(ILogger logger)
    {
        _logger = logger;
    }

    public void Record(string operation, double requestCharge, HttpStatusCode statusCode)
    {
        RequestCharges.Record(
            requestCharge,
            new KeyValuePair<string, object?>(OperationTag, operation),
            new KeyValuePair<string, object?>(StatusCodeTag, (int)statusCode));
        LogCharge(_logger, operation, requestCharge, (int)statusCode);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Cosmos DB {Operation} charged {RequestCharge} RU (status {StatusCode})")]
    private static partial void LogCharge(ILogger logger, string operation, double requestCharge, int statusCode);
}
