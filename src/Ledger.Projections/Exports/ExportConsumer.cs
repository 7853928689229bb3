using System.Runtime.CompilerServices;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Projections;

/// <summary>
/// The export worker: runs each export request it meets on the change feed. The stored export document,
/// not the change, decides what to do: a final export (completed or failed) is left alone, so a change
/// seen twice has no second effect; a running one was interrupted (a crash, a shutdown) and is run again
/// from the start, at most <see cref="ExportOptions.MaxAttempts"/> times. Entries stream from the store a
/// page at a time into the file, so memory does not depend on the size of the export.
/// </summary>
public sealed class ExportConsumer : IChangeConsumer
{
    public const string ConsumerName = "exports";

    /// <summary>Accounts per index page when an export covers every account of an app.</summary>
    private const int AccountPageSize = 100;

    /// <summary>Longest failure reason kept in an export document.</summary>
    private const int MaxReasonLength = 500;

    private readonly ILedgerStore _store;
    private readonly IExportFileStore _files;
    private readonly ExportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ExportConsumer(ILedgerStore store, IExportFileStore files, ExportOptions options, TimeProvider time, ILogger<ExportConsumer>? logger = null)
    {
        options.Validate();
        _store = store;
        _files = files;
        _options = options;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Name => ConsumerName;

    public IReadOnlySet<string> FeedDocumentTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { ExportDocuments.Type };

    public async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            if (change.Type == ExportDocuments.Type && change.Partition.StartsWith(ExportDocuments.PartitionPrefix, StringComparison.Ordinal))
            {
                await RunIfDueAsync(change.Partition, change.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunIfDueAsync(string partition, string exportId, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(partition, exportId, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.Type != ExportDocuments.Type)
        {
            return;
        }

        var export = ExportService.Decode(stored);
        if (ExportStatus.IsFinal(export.Status))
        {
            return;
        }

        if (export.Attempts >= _options.MaxAttempts)
        {
            await SaveAsync(partition, export with { Status = ExportStatus.Failed, ErrorCode = ErrorCodes.InternalError, FailureReason = $"The export was interrupted {export.Attempts} times.", CompletedAt = _time.GetUtcNow() }, stored.ETag, cancellationToken).ConfigureAwait(false);
            return;
        }

        var running = export with { Status = ExportStatus.Running, Attempts = export.Attempts + 1, StartedAt = _time.GetUtcNow() };
        var runningETag = await SaveAsync(partition, running, stored.ETag, cancellationToken).ConfigureAwait(false);
        if (runningETag is null)
        {
            // Someone else moved it on; its newer version is on the feed and will be seen there.
            return;
        }

        ExportDocument finished;
        try
        {
            var written = await WriteFileAsync(running, cancellationToken).ConfigureAwait(false);
            finished = written is { } file
                ? running with { Status = ExportStatus.Completed, RowCount = file.Rows, FileBytes = file.Bytes, CompletedAt = _time.GetUtcNow() }
                : running with
                {
                    Status = ExportStatus.Failed,
                    ErrorCode = ErrorCodes.ExportTooLarge,
                    FailureReason = $"The export holds more than {_options.MaxRows} rows; ask for a shorter period or a single account.",
                    CompletedAt = _time.GetUtcNow(),
                };
        }
        catch (Exception exception) when (exception is not OperationCanceledException && running.Attempts >= _options.MaxAttempts)
        {
            _logger.LogError(exception, "Export {ExportId} failed on its last attempt", exportId);
            var reason = exception.GetType().Name + ": " + exception.Message;
            finished = running with
            {
                Status = ExportStatus.Failed,
                ErrorCode = ErrorCodes.InternalError,
                FailureReason = reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength],
                CompletedAt = _time.GetUtcNow(),
            };
        }

        if (await SaveAsync(partition, finished, runningETag, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new InvalidOperationException($"Export {exportId} changed while it was running.");
        }

        _logger.LogInformation("Export {ExportId} {Status} with {Rows} rows", exportId, finished.Status, finished.RowCount);
    }

    /// <summary>Writes the CSV file; null when the export would pass the row bound (the partial file is discarded).</summary>
    private async Task<(long Rows, long Bytes)?> WriteFileAsync(ExportDocument export, CancellationToken cancellationToken)
    {
        await using var file = await _files.CreateAsync(export.ExportId, cancellationToken).ConfigureAwait(false);
        var csv = new CsvEntryWriter(file.Content, export.GuardsFormulas);
        await csv.WriteHeaderAsync(cancellationToken).ConfigureAwait(false);
        long rows = 0;
        await foreach (var entry in EntriesAsync(export, cancellationToken).ConfigureAwait(false))
        {
            if (++rows > _options.MaxRows)
            {
                return null;
            }

            await csv.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        await csv.FlushAsync(cancellationToken).ConfigureAwait(false);
        var bytes = await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (rows, bytes);
    }

    /// <summary>The exported entries: one account's, or every account's of the app in index order, each oldest first.</summary>
    private async IAsyncEnumerable<EntryDocument> EntriesAsync(ExportDocument export, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var app = AppId.From(export.AppId);
        if (export.AccountId is { } single)
        {
            await foreach (var entry in AccountPeriodReader.ReadAsync(_store, DocumentTypes.AccountPartition(app, AccountId.From(single)), export.From, export.To, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                yield return entry;
            }

            yield break;
        }

        string? continuation = null;
        do
        {
            var page = await _store.QueryIndexAsync(new IndexQuery(DocumentTypes.Account, DocumentTypes.AppIndexPrefix(app), prefix: true, continuation, AccountPageSize), cancellationToken).ConfigureAwait(false);
            foreach (var account in page.Documents)
            {
                await foreach (var entry in AccountPeriodReader.ReadAsync(_store, account.Partition, export.From, export.To, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    yield return entry;
                }
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    /// <summary>Replaces the export document if it is still the version read; the new ETag, or null when it was not.</summary>
    private async Task<string?> SaveAsync(string partition, ExportDocument export, string ifMatchETag, CancellationToken cancellationToken)
    {
        var result = await _store.CommitAsync(
            new PartitionBatch(partition, DocumentWrite.Replace(export.ExportId, ExportDocuments.Type, ExportService.Encode(export), ifMatchETag, sortKey: export.CreatedAt.UtcTicks)),
            cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            BatchOutcome.Committed => result.ETags[0],
            BatchOutcome.PreconditionFailed or BatchOutcome.NotFound => null,
            _ => throw new InvalidOperationException($"Saving export {export.ExportId} failed with {result.Outcome}."),
        };
    }
}
