using System.Diagnostics;
using System.Globalization;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections;
using Ledger.Storage;
using Ledger.Store.Sqlite;

// Two commands, run as two processes so the export's peak working set is the export's alone:
//   seed   <data-directory> <entries>   posts <entries> mints to one account through the engine
//   export <data-directory>             exports that account to CSV and prints the measurements
if (args.Length < 2 || args[0] is not ("seed" or "export"))
{
    Console.Error.WriteLine("usage: seed <data-directory> <entries> | export <data-directory>");
    return 2;
}

var app = AppId.From("bench");
var account = AccountId.From("exported");
var directory = Path.GetFullPath(args[1]);
var catalogs = new AppCatalogs([OperationCatalog.For(app).Build()]);
await using var store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = directory }, TimeProvider.System);
var engine = new LedgerEngine(store, catalogs, TimeProvider.System);

if (args[0] == "seed")
{
    var entries = int.Parse(args[2], CultureInfo.InvariantCulture);
    await engine.OpenAccountAsync(app, IdempotencyKey.From("open"), new OpenAccountCommand(OwnerId.From("owner"), account, 0, null), CancellationToken.None);
    string?[] memos = [null, "plain memo", "comma, \"quotes\" and\nnew line", "ünïcødé — 日本語 🎉"];
    const int inFlight = 512;
    var clock = Stopwatch.StartNew();
    for (var start = 0; start < entries; start += inFlight)
    {
        var postings = Enumerable.Range(start, Math.Min(inFlight, entries - start)).Select(index => engine.PostTransactionAsync(
            app,
            IdempotencyKey.From("seed-" + index.ToString(CultureInfo.InvariantCulture)),
            new TransactionPosting(TransactionKind.Mint, account, 1 + (index % 100), null, TransactionDetails.From("benchmark_seed", memos[index % memos.Length], "bench")),
            CancellationToken.None));
        foreach (var posted in await Task.WhenAll(postings))
        {
            if (!posted.IsSuccess)
            {
                throw new InvalidOperationException(posted.Error!.Message);
            }
        }
    }

    Console.WriteLine($"seeded {entries:N0} entries in {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}

var before = Process.GetCurrentProcess();
before.Refresh();
var startWorkingSet = before.WorkingSet64;
var files = new LocalExportFileStore(Path.Combine(directory, "exports"));
var exports = new ExportService(engine, files, TimeProvider.System);
var key = IdempotencyKey.From("export-" + DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture));
var requested = await exports.RequestAsync(app, key, new ExportRequest(account, null, null), CancellationToken.None);
var consumer = new ExportConsumer(store, files, new ExportOptions { MaxRows = ExportOptions.MaxRowsLimit }, TimeProvider.System);

// Only export documents matter here: start the consumer at the head of the feed minus the request.
var processor = new ChangeFeedProcessor(store, new OnlyExports(consumer), new ChangeFeedProcessorOptions { BatchSize = StoreLimits.MaxPageSize }, TimeProvider.System);
var watch = Stopwatch.StartNew();
while (true)
{
    var outcome = await processor.StepAsync(CancellationToken.None);
    if (outcome == StepOutcome.Failed)
    {
        throw new InvalidOperationException((await processor.GetStatusAsync(CancellationToken.None)).LastError);
    }

    if (outcome is StepOutcome.CaughtUp or StepOutcome.HandledToHead)
    {
        break;
    }
}

var export = (await exports.GetAsync(app, requested.Value.ExportId, CancellationToken.None)).Value;
var process = Process.GetCurrentProcess();
process.Refresh();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"export {export.ExportId}: {export.Status}, {export.RowCount:N0} rows, {export.FileBytes / 1024.0 / 1024.0:F1} MiB in {watch.Elapsed.TotalSeconds:F1} s (feed scan included)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"working set at start {startWorkingSet / 1024.0 / 1024.0:F1} MiB, peak working set {process.PeakWorkingSet64 / 1024.0 / 1024.0:F1} MiB, managed heap now {GC.GetTotalMemory(false) / 1024.0 / 1024.0:F1} MiB, allocated in total {GC.GetTotalAllocatedBytes() / 1024.0 / 1024.0:F0} MiB"));
return export.Status == ExportStatus.Completed ? 0 : 1;

/// <summary>Hands the export consumer only export documents, so reading a million-entry feed costs no decoding.</summary>
internal sealed class OnlyExports(ExportConsumer inner) : IChangeConsumer
{
    public string Name => "bench-exports";

    public Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
        => inner.HandleAsync(changes.Where(change => change.Type == ExportDocuments.Type).ToList(), cancellationToken);
}
