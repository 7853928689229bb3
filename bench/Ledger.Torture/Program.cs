using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ledger.Torture;

// Crash torture of the local host: load, SIGKILL, restart, check; N times. Exit 0 only when every check
// of every cycle was clean.
TortureOptions options;
try
{
    options = TortureOptions.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine($"torture: {exception.Message}\nusage: Ledger.Torture --host <Ledger.Host.dll> [--cycles 100] [--workers 16] [--accounts 12] [--seed N] [--report file.md]");
    return 2;
}

var dataDirectory = Directory.CreateTempSubdirectory("ledger-torture-").FullName;
using var host = new HostRunner(options.HostAssembly, dataDirectory);
using var calls = new LedgerCalls(host.BaseAddress);
var log = new WriteLog();
var accounts = Enumerable.Range(0, options.Accounts).Select(index => string.Create(CultureInfo.InvariantCulture, $"t-{index}")).ToArray();
var checker = new Checker(calls, log, accounts, options.SettleBound);
var report = new TortureReport(options, dataDirectory);
var random = new Random(options.Seed);
try
{
    report.RecordRestart(await host.StartAsync());
    await Setup.OpenAndFundAsync(calls, log, accounts, options.Seed);
    for (var cycle = 1; cycle <= options.Cycles; cycle++)
    {
        var load = TimeSpan.FromMilliseconds(random.Next((int)options.MinLoad.TotalMilliseconds, (int)options.MaxLoad.TotalMilliseconds));
        using var stop = new CancellationTokenSource();
        var workload = new Workload(calls, log, accounts, options.Seed).RunAsync(cycle, options.Workers, stop.Token);
        await Task.Delay(load);
        host.Kill();
        stop.Cancel();
        await workload;
        report.RecordRestart(await host.StartAsync());
        var checking = Stopwatch.StartNew();
        var findings = await checker.CheckAsync(CancellationToken.None);
        findings.CheckDuration = checking.Elapsed;
        report.RecordCycle(cycle, findings);
    }
}
catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or HttpRequestException)
{
    report.Abort($"{exception.GetType().Name}: {exception.Message}\n{host.RecentOutput}");
}
finally
{
    host.Kill();
}

report.Print(options.ReportPath);
if (report.IsClean)
{
    Directory.Delete(dataDirectory, recursive: true);
}

return report.IsClean ? 0 : 1;
