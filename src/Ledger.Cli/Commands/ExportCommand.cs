using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Ledger.Cli.Output;
using Ledger.Client;

namespace Ledger.Cli.Commands;

/// <summary>
/// <c>export</c>: asks the ledger for a CSV export (one account, or the whole app), waits while its
/// consumer writes it, and downloads the file, with a progress bar on standard error when that is a
/// terminal. <c>--id</c> resumes an export asked for earlier.
/// </summary>
internal static class ExportCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>What <c>--json</c> prints: the export as the ledger answered it, and where the file went.</summary>
    internal sealed record SavedExport([property: JsonPropertyName("export")] Export Export, [property: JsonPropertyName("file")] string File);

    public static Command Build(CliContext context)
    {
        var account = new Argument<string?>("account") { Description = "The account to export (leave out with --app)", Arity = ArgumentArity.ZeroOrOne };
        var app = new Option<bool>("--app") { Description = "Export every account of the app" };
        var existing = new Option<string?>("--id") { Description = "Download an export asked for earlier (exp_…) instead of asking for a new one" };
        var from = CliOptions.Instant("--from", "Start of the period, included");
        var to = CliOptions.Instant("--to", "End of the period, excluded");
        var output = new Option<string?>("--output", "-o") { Description = "Where to save the CSV ('-' for standard output; <export id>.csv when left out)" };
        var key = CliOptions.IdempotencyKey();
        var command = new Command("export", "Export entries as CSV: asks for the export, waits for it, downloads the file") { account, app, existing, from, to, output, key };
        command.Validators.Add(result =>
        {
            var chosen = new[] { result.GetResult(account)?.Tokens.Count > 0, result.GetResult(app) is not null, result.GetResult(existing) is not null }.Count(given => given);
            if (chosen != 1)
            {
                result.AddError("Give exactly one of an account, --app or --id.");
            }
        });

        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var progress = new ProgressBar(run.Error, run.Context.ErrorIsTerminal && !run.Json);
            var export = run.Value(existing) is { } exportId
                ? await run.Client.GetExportAsync(exportId, cancellationToken)
                : await run.Client.RequestExportAsync(Request(run, run.Value(account), run.Value(app), run.Value(from), run.Value(to), run.Value(key)), cancellationToken);
            export = await WaitAsync(run, export, progress, cancellationToken);
            if (export.IsFailed)
            {
                progress.Finish();
                run.Error.WriteLine($"error: {export.ErrorCode ?? "export_failed"}: export {export.ExportId} failed ({export.FailureReason}).");
                return CliExitCodes.Refused;
            }

            var target = run.Value(output) ?? export.ExportId + ".csv";
            var written = await DownloadAsync(run, export, target, progress, cancellationToken);
            if (target != "-")
            {
                var path = Path.GetFullPath(target, run.Context.WorkingDirectory);
                run.Print(new SavedExport(export, path), (writer, saved) =>
                    writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Saved export {saved.Export.ExportId}: {saved.Export.RowCount ?? 0:N0} rows, {written:N0} bytes, to {saved.File}")));
            }

            return CliExitCodes.Ok;
        });
    }

    private static ExportRequest Request(CommandRun run, string? account, bool app, DateTimeOffset? from, DateTimeOffset? to, string? key) => new()
    {
        Scope = app ? ExportScope.App : ExportScope.Account,
        AccountId = app ? null : account,
        From = from,
        To = to,
        IdempotencyKey = key ?? "cli-export-" + LedgerClient.NewIdempotencyKey(),
    };

    /// <summary>Polls the export until the ledger has written it (or failed to), showing its status meanwhile.</summary>
    private static async Task<Export> WaitAsync(CommandRun run, Export export, ProgressBar progress, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!export.IsCompleted && !export.IsFailed)
        {
            progress.ShowStatus(string.Create(CultureInfo.InvariantCulture, $"export {export.ExportId}: {export.Status} ({waited.Elapsed.TotalSeconds:0.0} s)"));
            await Task.Delay(PollInterval, cancellationToken);
            export = await run.Client.GetExportAsync(export.ExportId, cancellationToken);
        }

        return export;
    }

    /// <summary>
    /// Streams the file to <paramref name="target"/> through a temporary file beside it, moved into place
    /// only when complete, so an interrupted download never leaves a truncated CSV under the real name.
    /// </summary>
    private static async Task<long> DownloadAsync(CommandRun run, Export export, string target, ProgressBar progress, CancellationToken cancellationToken)
    {
        await using var download = await run.Client.DownloadExportAsync(export.ExportId, cancellationToken);
        var total = download.Length ?? export.FileBytes ?? 0;
        var shown = new ImmediateProgress(copied => progress.ShowFraction(copied, Math.Max(total, copied), "bytes"));
        if (target == "-")
        {
            var copied = await CopyTextAsync(download.Content, run.Out, shown, cancellationToken);
            progress.Finish();
            return copied;
        }

        var path = Path.GetFullPath(target, run.Context.WorkingDirectory);
        var partial = path + ".partial";
        long length;
        await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await download.CopyToAsync(file, shown, cancellationToken);
            length = file.Length;
        }

        File.Move(partial, path, overwrite: true);
        progress.ShowFraction(length, length, "bytes");
        progress.Finish();
        return length;
    }

    /// <summary>The CSV onto standard output as it arrives (UTF-8 text), never held whole in memory.</summary>
    private static async Task<long> CopyTextAsync(Stream content, TextWriter output, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var counted = new CountingStream(content);
        using var reader = new StreamReader(counted, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            progress.Report(counted.BytesRead);
        }

        await output.FlushAsync(cancellationToken);
        return counted.BytesRead;
    }

    /// <summary>Reports on the caller's thread, at once: <see cref="Progress{T}"/> would post redraws that land after the bar is finished.</summary>
    private sealed class ImmediateProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>A read-only pass-through that counts the bytes read, for the progress of a text copy.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            BytesRead += read;
            return read;
        }
    }
}
