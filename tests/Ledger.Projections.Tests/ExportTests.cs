using System.Globalization;
using System.Text;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Projections.Tests.Support;
using Ledger.Storage;

namespace Ledger.Projections.Tests;

public sealed class ExportTests
{
    private static readonly string[] TrickyMemos =
    [
        "plain",
        "comma, inside",
        "\"quoted\" and \"\"doubled\"\"",
        "line one\nline two",
        "windows\r\nline break",
        "trailing quote\"",
        "Grüße, ünïcødé — 日本語 🎉",
        "",
        " leading and trailing spaces ",
        "tab\tseparated",
        "=SUM(A1:A2)",
    ];

    [Theory]
    [FileStoreData(StoreKind.InMemory, ExportFileStoreKind.Disk)]
    [FileStoreData(StoreKind.Sqlite, ExportFileStoreKind.Disk)]
    [FileStoreData(StoreKind.Sqlite, ExportFileStoreKind.Blob)]
    public async Task A_raw_csv_parses_back_to_the_same_entries_whatever_their_memos_hold(StoreKind kind, ExportFileStoreKind fileStore)
    {
        await using var ledger = TestLedger.Create(kind);
        await using var files = await TestExportFiles.CreateAsync(fileStore);
        await ledger.OpenAsync("alice");
        foreach (var memo in TrickyMemos)
        {
            ledger.Clock.Advance(TimeSpan.FromTicks(1_234_567));
            await ledger.PostAsync("alice", 40, "credit_purchase", memo, "store");
        }

        await ledger.PostAsync("alice", -7, "expiry");
        await ledger.OperateAsync("alice", "CONTENT_CREATION");

        var export = await RunExportAsync(ledger, files, new ExportRequest(AccountId.From("alice"), null, null, CsvFormulaGuard: false));

        Assert.Equal(ExportStatus.Completed, export.Status);
        Assert.False(export.GuardsFormulas);
        var entries = await ledger.EntriesAsync("alice");
        Assert.Equal(entries.Count, export.RowCount);
        var records = await ReadCsvAsync(ledger, files, export);
        Assert.Equal<string?>(CsvEntryWriter.Columns, records[0]);
        Assert.Equal(entries.Count, records.Count - 1);
        for (var index = 0; index < entries.Count; index++)
        {
            AssertRowIs(entries[index], records[index + 1]);
        }
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task By_default_a_text_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote_while_negative_amounts_stay_numbers(StoreKind kind)
    {
        await using var ledger = TestLedger.Create(kind);
        await using var files = await TestExportFiles.CreateAsync(ExportFileStoreKind.Disk);
        await ledger.OpenAsync("alice");
        string[] formulas = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"];
        foreach (var memo in formulas)
        {
            await ledger.PostAsync("alice", 40, "credit_purchase", memo, "store");
        }

        await ledger.PostAsync("alice", -7, "expiry", "plain memo");

        var export = await RunExportAsync(ledger, files, new ExportRequest(AccountId.From("alice"), null, null));

        Assert.True(export.GuardsFormulas);
        var rows = (await ReadCsvAsync(ledger, files, export)).Skip(1).ToArray();
        Assert.Equal(formulas.Select(memo => "'" + memo), rows.Take(formulas.Length).Select(row => row[7]));
        Assert.All(rows.Take(formulas.Length), row => Assert.Equal("store", row[8]));
        var last = rows[^1];
        Assert.Equal("plain memo", last[7]);
        Assert.Equal("-7", last[9]);
        Assert.All(rows, row => Assert.DoesNotContain(row, cell => cell is { Length: > 0 } text && CsvEntryWriter.StartsLikeFormula(text) && !long.TryParse(text, CultureInfo.InvariantCulture, out _)));
    }

    [Fact]
    public async Task A_guarded_formula_cell_is_quoted_in_the_file_so_the_quote_prefix_cannot_be_split_off()
    {
        using var buffer = new MemoryStream();
        var writer = new CsvEntryWriter(buffer);
        await writer.WriteEntryAsync(EntryWithMemo("=1+2"), CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        var text = Encoding.UTF8.GetString(buffer.ToArray());

        Assert.Contains(",\"'=1+2\",", text, StringComparison.Ordinal);
        Assert.Contains(",-5,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_guard_off_a_formula_cell_is_written_exactly_as_stored()
    {
        using var buffer = new MemoryStream();
        var writer = new CsvEntryWriter(buffer, guardFormulas: false);
        await writer.WriteEntryAsync(EntryWithMemo("=1+2"), CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        Assert.Contains(",=1+2,", Encoding.UTF8.GetString(buffer.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repeat_of_an_export_request_with_the_guard_switched_is_a_different_request()
    {
        await using var ledger = TestLedger.Create(StoreKind.InMemory);
        await using var files = await TestExportFiles.CreateAsync(ExportFileStoreKind.Disk);
        await ledger.OpenAsync("alice");
        var service = Service(ledger, files);

        var first = await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("guarded"), new ExportRequest(AccountId.From("alice"), null, null), CancellationToken.None);
        var raw = await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("guarded"), new ExportRequest(AccountId.From("alice"), null, null, CsvFormulaGuard: false), CancellationToken.None);

        Assert.True(first.IsSuccess);
        Assert.Equal(ErrorCodes.IdempotencyKeyReused, raw.Error?.Code);
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task An_export_covers_its_period_and_with_scope_app_every_account_of_the_app_only(ExportFileStoreKind fileStore)
    {
        await using var ledger = TestLedger.Create(StoreKind.Sqlite);
        await using var files = await TestExportFiles.CreateAsync(fileStore);
        await ledger.OpenAsync("alice", owner: "owner-a");
        await ledger.OpenAsync("bob", owner: "owner-b");
        await ledger.OpenAsync("carol", owner: "owner-c", app: TestLedger.App2);
        await ledger.PostAsync("alice", 1);
        ledger.Clock.Advance(TimeSpan.FromHours(1));
        var from = ledger.Clock.GetUtcNow();
        await ledger.PostAsync("alice", 2);
        await ledger.PostAsync("bob", 3);
        await ledger.PostAsync("carol", 4, app: TestLedger.App2);
        ledger.Clock.Advance(TimeSpan.FromHours(1));
        var to = ledger.Clock.GetUtcNow();
        await ledger.PostAsync("alice", 5);

        var oneAccount = await RunExportAsync(ledger, files, new ExportRequest(AccountId.From("alice"), from, to), key: "one");
        var wholeApp = await RunExportAsync(ledger, files, new ExportRequest(null, from, null), key: "all");

        Assert.Equal(["2"], (await ReadCsvAsync(ledger, files, oneAccount)).Skip(1).Select(row => row[9]));
        var appRows = (await ReadCsvAsync(ledger, files, wholeApp)).Skip(1).ToList();
        Assert.Equal(["alice/2", "alice/3", "bob/1"], appRows.Select(row => row[0]));
        Assert.Equal(3, wholeApp.RowCount);
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task An_export_past_the_row_bound_fails_and_says_why_and_keeps_no_file(ExportFileStoreKind fileStore)
    {
        await using var ledger = TestLedger.Create();
        await using var files = await TestExportFiles.CreateAsync(fileStore);
        await ledger.OpenAsync("alice");
        for (var index = 0; index < 6; index++)
        {
            await ledger.PostAsync("alice", 1);
        }

        var export = await RunExportAsync(ledger, files, new ExportRequest(AccountId.From("alice"), null, null), options: new ExportOptions { MaxRows = 5 });

        Assert.Equal(ExportStatus.Failed, export.Status);
        Assert.Equal(ErrorCodes.ExportTooLarge, export.ErrorCode);
        Assert.Contains("more than 5 rows", export.FailureReason, StringComparison.Ordinal);
        var file = await Service(ledger, files).OpenFileAsync(TestLedger.App1, export.ExportId, CancellationToken.None);
        Assert.Equal(ErrorCodes.ExportTooLarge, file.Error?.Code);
        Assert.Empty(await files.ListAsync());
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task A_completed_export_seen_again_on_the_feed_is_not_run_again(ExportFileStoreKind fileStore)
    {
        await using var ledger = TestLedger.Create();
        await using var files = await TestExportFiles.CreateAsync(fileStore);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 1);
        var export = await RunExportAsync(ledger, files, new ExportRequest(AccountId.From("alice"), null, null));
        var partition = ExportDocuments.Partition(TestLedger.App1);
        var completed = await ledger.Store.ReadAsync(partition, export.ExportId, CancellationToken.None);

        // Every change of the feed handed over again, as after a lost checkpoint.
        var all = await ledger.Store.ReadChangesAsync(null, StoreLimits.MaxPageSize, CancellationToken.None);
        await Consumer(ledger, files).HandleAsync(all.Changes, CancellationToken.None);

        var after = await ledger.Store.ReadAsync(partition, export.ExportId, CancellationToken.None);
        Assert.Equal(completed!.ETag, after!.ETag);
        Assert.Equal(1, export.Attempts);
    }

    [Theory]
    [FileStoreData(ExportFileStoreKind.Disk)]
    [FileStoreData(ExportFileStoreKind.Blob)]
    public async Task An_export_interrupted_while_running_is_run_again_and_completes(ExportFileStoreKind fileStore)
    {
        await using var ledger = TestLedger.Create();
        await using var files = await TestExportFiles.CreateAsync(fileStore);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 1);
        var requested = await Service(ledger, files).RequestAsync(TestLedger.App1, IdempotencyKey.From("crashy"), new ExportRequest(AccountId.From("alice"), null, null), CancellationToken.None);

        // A worker marked it running and then died: the document says running, no file exists.
        var partition = ExportDocuments.Partition(TestLedger.App1);
        var pending = await ledger.Store.ReadAsync(partition, requested.Value.ExportId, CancellationToken.None);
        var running = requested.Value with { Status = ExportStatus.Running, Attempts = 1, StartedAt = ledger.Clock.GetUtcNow() };
        await ledger.Store.CommitAsync(new PartitionBatch(partition, DocumentWrite.Replace(running.ExportId, ExportDocuments.Type, ExportService.Encode(running), pending!.ETag)), CancellationToken.None);

        await ledger.DrainAsync(Consumer(ledger, files));

        var export = (await Service(ledger, files).GetAsync(TestLedger.App1, running.ExportId, CancellationToken.None)).Value;
        Assert.Equal(ExportStatus.Completed, export.Status);
        Assert.Equal(2, export.Attempts);
        Assert.Equal(1, export.RowCount);
    }

    [Fact]
    public async Task An_export_that_keeps_failing_is_marked_failed_with_the_reason_after_its_last_attempt()
    {
        await using var ledger = TestLedger.Create();
        await using var files = await TestExportFiles.CreateAsync(ExportFileStoreKind.Disk);
        await ledger.OpenAsync("alice");
        await ledger.PostAsync("alice", 1);
        var requested = await Service(ledger, files).RequestAsync(TestLedger.App1, IdempotencyKey.From("doomed"), new ExportRequest(AccountId.From("alice"), null, null), CancellationToken.None);
        var consumer = new ExportConsumer(ledger.Store, new BrokenFileStore(), new ExportOptions { MaxAttempts = 2 }, ledger.Clock);
        var processor = new ChangeFeedProcessor(ledger.Store, consumer, TestLedger.FastOptions(), ledger.Clock);

        Assert.Equal(StepOutcome.Failed, await processor.StepAsync(CancellationToken.None));
        Assert.Equal(ExportStatus.Running, (await Service(ledger, files).GetAsync(TestLedger.App1, requested.Value.ExportId, CancellationToken.None)).Value.Status);
        Assert.NotEqual(StepOutcome.Failed, await processor.StepAsync(CancellationToken.None));

        var export = (await Service(ledger, files).GetAsync(TestLedger.App1, requested.Value.ExportId, CancellationToken.None)).Value;
        Assert.Equal(ExportStatus.Failed, export.Status);
        Assert.Equal(2, export.Attempts);
        Assert.Contains("disk is full", export.FailureReason, StringComparison.Ordinal);
        var file = await Service(ledger, files).OpenFileAsync(TestLedger.App1, export.ExportId, CancellationToken.None);
        Assert.Equal(ErrorCodes.ExportNotReady, file.Error?.Code);
    }

    [Fact]
    public async Task Requests_are_idempotent_per_key_and_refuse_what_cannot_be_exported()
    {
        await using var ledger = TestLedger.Create();
        await using var files = await TestExportFiles.CreateAsync(ExportFileStoreKind.Disk);
        await ledger.OpenAsync("alice");
        var service = Service(ledger, files);
        var request = new ExportRequest(AccountId.From("alice"), null, null);

        var first = await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("k1"), request, CancellationToken.None);
        var repeat = await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("k1"), request, CancellationToken.None);
        var different = await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("k1"), request with { From = ledger.Clock.GetUtcNow() }, CancellationToken.None);
        var otherApp = await service.RequestAsync(TestLedger.App2, IdempotencyKey.From("k1"), new ExportRequest(null, null, null), CancellationToken.None);

        Assert.Equal(first.Value, repeat.Value);
        Assert.Equal(ExportStatus.Pending, first.Value.Status);
        Assert.Equal(ErrorCodes.IdempotencyKeyReused, different.Error?.Code);
        Assert.NotEqual(first.Value.ExportId, otherApp.Value.ExportId);
        Assert.Equal(ErrorCodes.AccountNotFound, (await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("k2"), new ExportRequest(AccountId.From("nobody"), null, null), CancellationToken.None)).Error?.Code);
        Assert.Equal(ErrorCodes.InvalidField, (await service.RequestAsync(TestLedger.App1, IdempotencyKey.From("k3"), new ExportRequest(null, ledger.Clock.GetUtcNow(), ledger.Clock.GetUtcNow()), CancellationToken.None)).Error?.Code);
        Assert.Equal(ErrorCodes.ExportNotReady, (await service.OpenFileAsync(TestLedger.App1, first.Value.ExportId, CancellationToken.None)).Error?.Code);
        Assert.Equal(ErrorCodes.ExportNotFound, (await service.GetAsync(TestLedger.App2, first.Value.ExportId, CancellationToken.None)).Error?.Code);
        Assert.Equal(ErrorCodes.ExportNotFound, (await service.GetAsync(TestLedger.App1, "../../etc/passwd", CancellationToken.None)).Error?.Code);
    }

    internal static void AssertRowIs(EntryDocument entry, string?[] row)
    {
        Assert.Equal(CsvEntryWriter.Columns.Count, row.Length);
        Assert.Equal(entry.AccountId + "/" + entry.Sequence.ToString(CultureInfo.InvariantCulture), row[0]);
        Assert.Equal(entry.AccountId, row[1]);
        Assert.Equal(entry.Sequence, long.Parse(row[2]!, CultureInfo.InvariantCulture));
        Assert.EndsWith("Z", row[3], StringComparison.Ordinal);
        Assert.Equal(entry.PostedAt, DateTimeOffset.Parse(row[3]!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        Assert.Equal(entry.Kind, row[4]);
        Assert.Equal(entry.Operation, row[5]);
        Assert.Equal(entry.Reason, row[6]);
        Assert.Equal(entry.Memo, row[7]);
        Assert.Equal(entry.Category, row[8]);
        Assert.Equal(entry.Amount, long.Parse(row[9]!, CultureInfo.InvariantCulture));
        Assert.Equal(entry.BalanceAfter, long.Parse(row[10]!, CultureInfo.InvariantCulture));
        Assert.Equal(entry.Counterparty, row[11]);
        Assert.Equal(entry.TransactionId, row[12]);
    }

    private static EntryDocument EntryWithMemo(string memo) => new()
    {
        TransactionId = "tx-1", AccountId = "alice", Sequence = 1, Kind = "burn", Reason = "expiry", Memo = memo,
        Amount = -5, BalanceAfter = 0, Counterparty = "$issuance", PostedAt = DateTimeOffset.UnixEpoch, Legs = [],
    };

    private static ExportService Service(TestLedger ledger, TestExportFiles files) => new(ledger.Engine, files.Store, ledger.Clock);

    private static ExportConsumer Consumer(TestLedger ledger, TestExportFiles files, ExportOptions? options = null)
        => new(ledger.Store, files.Store, options ?? new ExportOptions(), ledger.Clock);

    private static async Task<ExportDocument> RunExportAsync(TestLedger ledger, TestExportFiles files, ExportRequest request, string key = "export-1", ExportOptions? options = null)
    {
        var requested = await Service(ledger, files).RequestAsync(TestLedger.App1, IdempotencyKey.From(key), request, CancellationToken.None);
        Assert.True(requested.IsSuccess, requested.Error?.Message);
        await ledger.DrainAsync(Consumer(ledger, files, options));
        return (await Service(ledger, files).GetAsync(TestLedger.App1, requested.Value.ExportId, CancellationToken.None)).Value;
    }

    private static async Task<List<string?[]>> ReadCsvAsync(TestLedger ledger, TestExportFiles files, ExportDocument export)
    {
        var file = await Service(ledger, files).OpenFileAsync(TestLedger.App1, export.ExportId, CancellationToken.None);
        Assert.True(file.IsSuccess, file.Error?.Message);
        await using var content = file.Value.Content;
        using var reader = new StreamReader(content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
        var text = await reader.ReadToEndAsync();
        Assert.False(text.StartsWith('\uFEFF'), "no byte-order mark");
        Assert.Equal(export.FileBytes, Encoding.UTF8.GetByteCount(text));
        return Rfc4180.Parse(text);
    }

    private sealed class BrokenFileStore : IExportFileStore
    {
        public Task<IExportFileWriter> CreateAsync(string exportId, CancellationToken cancellationToken) => throw new IOException("The disk is full.");

        public Task<Stream?> OpenReadAsync(string exportId, CancellationToken cancellationToken) => Task.FromResult<Stream?>(null);
    }
}
