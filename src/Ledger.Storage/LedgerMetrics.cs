using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ledger.Storage;

/// <summary>
/// The ledger's one <see cref="Meter"/> ("Ledger") and its instruments, defined here, in the lowest
/// project the engine and both stores share, so every layer records into the same meter and an
/// exporter subscribes to a single name. Tags come from fixed sets (kinds, error codes, step names,
/// consumer names), so the number of time series stays bounded and recording allocates nothing.
/// </summary>
public static class LedgerMetrics
{
    public const string MeterName = "Ledger";

    public const string KindTag = "kind";
    public const string CodeTag = "code";
    public const string StepTag = "step";
    public const string StateTag = "state";
    public const string ConsumerTag = "consumer";

    public static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Bucket bounds for durations in seconds, from 0.5 ms to 10 s (exporters' defaults suit milliseconds).</summary>
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    /// <summary>Bucket bounds for group sizes, by powers of two up to the largest group allowed.</summary>
    private static readonly InstrumentAdvice<long> GroupSizeBuckets = new()
    {
        HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    };

    /// <summary>Entries posted (a replayed request is not counted again), by entry kind.</summary>
    public static readonly Counter<long> Postings = Meter.CreateCounter<long>(
        "ledger.postings", unit: "{entry}", description: "Entries posted, by kind (operation, mint, burn).");

    /// <summary>Postings refused with an expected business outcome, by error code.</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "ledger.refusals", unit: "{refusal}", description: "Postings refused, by error code.");

    /// <summary>How long a transfer, capture or refund took from its reservation until the request answered, by the state it answered with.</summary>
    public static readonly Histogram<double> TransferDuration = Meter.CreateHistogram<double>(
        "ledger.transfer.duration", unit: "s", description: "Time from the reservation of a transfer, capture or refund to its answer, by the transfer's state then.", tags: null, advice: SecondsBuckets);

    /// <summary>How long one saga step took where it ran (in-process or as a Durable activity).</summary>
    public static readonly Histogram<double> SagaStepDuration = Meter.CreateHistogram<double>(
        "ledger.saga.step.duration", unit: "s", description: "Duration of one transfer saga step, by step.", tags: null, advice: SecondsBuckets);

    /// <summary>SQLite: how long one group transaction took from BEGIN to the end of COMMIT (its fsync).</summary>
    public static readonly Histogram<double> StoreCommitDuration = Meter.CreateHistogram<double>(
        "ledger.store.commit.duration", unit: "s", description: "Duration of one SQLite group commit, including its fsync.", tags: null, advice: SecondsBuckets);

    /// <summary>SQLite: write requests one group transaction settled; the larger, the more requests shared an fsync.</summary>
    public static readonly Histogram<long> StoreCommitGroupSize = Meter.CreateHistogram<long>(
        "ledger.store.commit.group_size", unit: "{request}", description: "Write requests settled by one SQLite group commit.", tags: null, advice: GroupSizeBuckets);

    /// <summary>Cosmos DB: request units charged per store call, by store operation and status code.</summary>
    public static readonly Histogram<double> CosmosRequestCharge = Meter.CreateHistogram<double>(
        "ledger.cosmos.request_charge", unit: "{request_unit}", description: "Request units charged by Azure Cosmos DB per store call, tagged by store operation.");

    public static void RecordPosting(string kind) => Postings.Add(1, new KeyValuePair<string, object?>(KindTag, kind));

    public static void RecordRefusal(string code) => Refusals.Add(1, new KeyValuePair<string, object?>(CodeTag, code));

    /// <summary>Seconds since <paramref name="startTimestamp"/>, a <see cref="Stopwatch.GetTimestamp"/> value.</summary>
    public static double SecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
}
