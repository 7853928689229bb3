using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Ledger.Benchmarks;

/// <summary>
/// The project's entry point: runs the benchmarks the arguments select (every class of this assembly is
/// found), then prints the as-of ratio, long history over short, when both ran.
/// </summary>
public static class AsOfBenchmarkProgram
{
    public static void Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(AsOfBenchmarkProgram).Assembly).Run(args);
        foreach (var summary in summaries)
        {
            var shortMean = MeanOf(summary, nameof(AsOfBenchmarks.AsOfShortHistory));
            var longMean = MeanOf(summary, nameof(AsOfBenchmarks.AsOfLongHistory));
            var unsnapshottedMean = MeanOf(summary, nameof(AsOfBenchmarks.AsOfLongHistoryWithoutSnapshots));
            if (shortMean is { } baseline && longMean is { } withSnapshots)
            {
                Console.WriteLine($"As-of cost ratio, {AsOfBenchmarks.LongHistory:N0} vs {AsOfBenchmarks.ShortHistory:N0} entries with snapshots every {AsOfBenchmarks.SnapshotEvery}: {withSnapshots / baseline:F2} ({withSnapshots / 1000:F1} µs vs {baseline / 1000:F1} µs)");
                if (unsnapshottedMean is { } without)
                {
                    Console.WriteLine($"Without snapshots, {AsOfBenchmarks.LongHistory:N0} entries: {without / baseline:F1} × the 1,000-entry cost ({without / 1000:F1} µs)");
                }
            }
        }
    }

    private static double? MeanOf(Summary summary, string method)
        => summary.Reports.FirstOrDefault(report => report.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)?.ResultStatistics?.Mean;
}
