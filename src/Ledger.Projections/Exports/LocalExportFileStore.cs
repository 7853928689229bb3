namespace Ledger.Projections;

/// <summary>
/// Export files in a local directory (<c>{DataDirectory}/exports/{id}.csv</c>). A file is written under a
/// temporary name, flushed to disk and then renamed, so a reader sees either no file or the whole of it.
/// </summary>
public sealed class LocalExportFileStore : IExportFileStore
{
    public const string FileExtension = ExportFileNames.Extension;
    private const string PartialExtension = ".csv.partial";

    /// <summary>Large writes: the export streams row after row, and fewer system calls make it faster.</summary>
    private const int BufferBytes = 64 * 1024;

    private readonly string _directory;

    public LocalExportFileStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
    }

    public Task<IExportFileWriter> CreateAsync(string exportId, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(exportId);
        Directory.CreateDirectory(_directory);
        var partialPath = Path.Combine(_directory, exportId + PartialExtension);
        var stream = new FileStream(partialPath, FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Task.FromResult<IExportFileWriter>(new Writer(stream, partialPath, finalPath));
    }

    public Task<Stream?> OpenReadAsync(string exportId, CancellationToken cancellationToken)
    {
        var path = PathOf(exportId);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult<Stream?>(stream);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    private string PathOf(string exportId) => Path.Combine(_directory, ExportFileNames.Of(exportId));

    private sealed class Writer(FileStream stream, string partialPath, string finalPath) : IExportFileWriter
    {
        private bool _committed;

        public Stream Content => stream;

        public async Task<long> CommitAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Durable before visible: a crash after the rename must not leave a truncated file behind it.
            stream.Flush(flushToDisk: true);
            var length = stream.Length;
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Move(partialPath, finalPath, overwrite: true);
            _committed = true;
            return length;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (!_committed)
            {
                File.Delete(partialPath);
            }
        }
    }
}
