using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Ledger.Projections;

/// <summary>
/// Export files as block blobs (<c>{container}/{id}.csv</c>), so every instance of the Functions app serves the file
/// whichever instance wrote it. A writer stages the file block by block and commits the block list last: until then the
/// blob keeps its previous content or does not exist, so a download sees either no file or the whole of one. A writer
/// holds one block in memory, whatever the size of the file; a download streams from the service.
/// </summary>
public sealed class BlobExportFileStore : IExportFileStore
{
    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>4 MiB blocks: small in memory, and the 50,000 blocks a blob may have hold far more than the largest export.</summary>
    public const int DefaultBlockBytes = 4 * 1024 * 1024;

    private readonly BlobContainerClient _container;
    private readonly int _blockBytes;
    private volatile bool _containerReady;

    public BlobExportFileStore(BlobContainerClient container, int blockBytes = DefaultBlockBytes)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1);
        _container = container;
        _blockBytes = blockBytes;
    }

    /// <summary>The container these files live in.</summary>
    public BlobContainerClient Container => _container;

    /// <summary>
    /// The store the options name: a connection string (Azurite locally) or the account's service URI with
    /// <paramref name="credential"/>, by default <see cref="DefaultAzureCredential"/> (the managed identity in Azure).
    /// </summary>
    public static BlobExportFileStore Create(ExportFileStoreOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Store != ExportFileStoreKind.Blob)
        {
            throw new ArgumentException("The options do not name a blob store.", nameof(options));
        }

        var container = options.BlobConnectionString is { } connectionString
            ? new BlobContainerClient(connectionString, options.BlobContainerName)
            : new BlobServiceClient(options.BlobServiceUri!, credential ?? new DefaultAzureCredential()).GetBlobContainerClient(options.BlobContainerName);
        return new BlobExportFileStore(container);
    }

    public async Task<IExportFileWriter> CreateAsync(string exportId, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlockBlobClient(ExportFileNames.Of(exportId));
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        return new Writer(new BlockStagingStream(blob, _blockBytes));
    }

    public async Task<Stream?> OpenReadAsync(string exportId, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(ExportFileNames.Of(exportId));
        try
        {
            // One streamed GET of the committed blob: the caller copies it to the response as it arrives.
            var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions(), cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // No such blob, or no container yet because no export has been written.
            return null;
        }
    }

    /// <summary>Creates the container on the first write (Azurite starts empty); in Azure it exists already and this is one request per instance.</summary>
    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerReady)
        {
            return;
        }

        await _container.CreateIfNotExistsAsync(PublicAccessType.None, metadata: null, encryptionScopeOptions: null, cancellationToken).ConfigureAwait(false);
        _containerReady = true;
    }

    private sealed class Writer(BlockStagingStream stream) : IExportFileWriter
    {
        public Stream Content => stream;

        public Task<long> CommitAsync(CancellationToken cancellationToken)
            => stream.CommitAsync(new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = ContentType } }, cancellationToken);

        /// <summary>Uncommitted blocks are never visible; the service drops them with the next commit of the blob or after a week.</summary>
        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }
}
