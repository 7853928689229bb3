using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>
/// What to export: one account, or every account of the app, over an optional period [from, to).
/// <paramref name="CsvFormulaGuard"/> false asks for raw cells, formulas included (see <see cref="CsvEntryWriter"/>).
/// </summary>
public sealed record ExportRequest(AccountId? Account, DateTimeOffset? From, DateTimeOffset? To, bool CsvFormulaGuard = true);

/// <summary>A completed export's file, opened for reading; the caller disposes the stream.</summary>
public sealed record ExportFile(ExportDocument Export, Stream Content);

/// <summary>
/// The request side of exports: records an export request (202 at once; the export consumer does the work
/// from the change feed), reports its status and opens its file. Requests are idempotent per key: the
/// export id derives from the app and the key, so a repeat finds the export it created.
/// </summary>
public sealed class ExportService(LedgerEngine engine, IExportFileStore files, TimeProvider time)
{
    public async Task<Result<ExportDocument>> RequestAsync(AppId app, IdempotencyKey key, ExportRequest request, CancellationToken cancellationToken)
    {
        if (request.From is { } from && request.To is { } to && from >= to)
        {
            return LedgerError.Invalid("to", "must be later than 'from'.");
        }

        if (request.Account is { } accountId)
        {
            var account = await engine.GetAccountAsync(app, accountId, cancellationToken).ConfigureAwait(false);
            if (!account.IsSuccess)
            {
                return account.Error!;
            }
        }

        var export = new ExportDocument
        {
            ExportId = ExportDocuments.IdFor(app, key),
            AppId = app.Value,
            AccountId = request.Account?.Value,
            From = request.From,
            To = request.To,
            CsvFormulaGuard = request.CsvFormulaGuard,
            Status = ExportStatus.Pending,
            CreatedAt = time.GetUtcNow(),
        };
        var partition = ExportDocuments.Partition(app);
        var result = await engine.Store.CommitAsync(
            new PartitionBatch(partition, DocumentWrite.Create(export.ExportId, ExportDocuments.Type, Encode(export), sortKey: export.CreatedAt.UtcTicks)),
            cancellationToken).ConfigureAwait(false);
        if (result.IsCommitted)
        {
            return export;
        }

        if (result.Outcome != BatchOutcome.Conflict)
        {
            throw new InvalidOperationException($"Recording export {export.ExportId} failed with {result.Outcome}.");
        }

        // The key was used before: the same request gets its export again, another request is refused.
        var existing = await ReadAsync(partition, export.ExportId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Export {export.ExportId} conflicted but cannot be read.");
        return existing.IsSameRequest(export)
            ? existing
            : new LedgerError(ErrorCodes.IdempotencyKeyReused, "This idempotency key was already used for a different export.");
    }

    public async Task<Result<ExportDocument>> GetAsync(AppId app, string exportId, CancellationToken cancellationToken)
    {
        if (!ExportDocuments.IsWellFormedId(exportId))
        {
            return NotFound();
        }

        return await ReadAsync(ExportDocuments.Partition(app), exportId, cancellationToken).ConfigureAwait(false) is { } export
            ? export
            : NotFound();
    }

    /// <summary>The file of a completed export; not ready while pending or running; the reason when it failed.</summary>
    public async Task<Result<ExportFile>> OpenFileAsync(AppId app, string exportId, CancellationToken cancellationToken)
    {
        var found = await GetAsync(app, exportId, cancellationToken).ConfigureAwait(false);
        if (!found.TryGetValue(out var export, out var error))
        {
            return error;
        }

        switch (export.Status)
        {
            case ExportStatus.Completed:
                var content = await files.OpenReadAsync(export.ExportId, cancellationToken).ConfigureAwait(false);
                return content is null
                    ? new LedgerError(ErrorCodes.ExportNotFound, $"The file of export '{exportId}' is no longer kept.")
                    : new ExportFile(export, content);
            case ExportStatus.Failed:
                return new LedgerError(
                    export.ErrorCode == ErrorCodes.ExportTooLarge ? ErrorCodes.ExportTooLarge : ErrorCodes.ExportNotReady,
                    $"Export '{exportId}' failed: {export.FailureReason}");
            default:
                return new LedgerError(ErrorCodes.ExportNotReady, $"Export '{exportId}' is {export.Status}; poll its status until it is completed.");
        }
    }

    internal async Task<ExportDocument?> ReadAsync(string partition, string exportId, CancellationToken cancellationToken)
    {
        var stored = await engine.Store.ReadAsync(partition, exportId, cancellationToken).ConfigureAwait(false);
        return stored is null || stored.Type != ExportDocuments.Type ? null : Decode(stored);
    }

    internal static System.Collections.Immutable.ImmutableArray<byte> Encode(ExportDocument export) => DocumentCodec.Encode(export, ProjectionJsonContext.Default.ExportDocument);

    internal static ExportDocument Decode(StoredDocument stored) => DocumentCodec.Decode(stored, ProjectionJsonContext.Default.ExportDocument);

    private static LedgerError NotFound() => new(ErrorCodes.ExportNotFound, "No export has that id.", "export_id");
}
