using System.Reflection;
using Azure.Storage.Blobs;
using Ledger.Tests.Shared;
using Xunit.Sdk;

namespace Ledger.Projections.Tests.Support;

/// <summary>
/// A row of a theory over export file stores, like <see cref="InlineDataAttribute"/>; a row with the Blob store is
/// skipped, with the reason, on a machine that cannot start Azurite.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class FileStoreDataAttribute : DataAttribute
{
    private readonly object[] _data;

    public FileStoreDataAttribute(params object[] data)
    {
        _data = data;
        if (data.OfType<ExportFileStoreKind>().Contains(ExportFileStoreKind.Blob) && Azurite.Launcher is null)
        {
            Skip = "Azurite is not installed (npm install -g azurite@3.35.0) and npx is not on the PATH";
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [_data];
}

/// <summary>
/// An export file store of either kind for one test: a temporary directory, or a fresh container on Azurite. Both
/// kinds offer a second instance over the same files (another host), and list the committed files.
/// </summary>
internal sealed class TestExportFiles : IAsyncDisposable
{
    private readonly TemporaryDirectory? _directory;
    private readonly BlobContainerClient? _container;
    private readonly string? _connectionString;
    private readonly int _blockBytes;

    private TestExportFiles(TemporaryDirectory directory)
    {
        _directory = directory;
        Store = new LocalExportFileStore(directory.Path);
    }

    private TestExportFiles(string connectionString, string containerName, int blockBytes)
    {
        _connectionString = connectionString;
        _container = new BlobContainerClient(connectionString, containerName);
        _blockBytes = blockBytes;
        Store = new BlobExportFileStore(_container, blockBytes);
    }

    public IExportFileStore Store { get; }

    public static async Task<TestExportFiles> CreateAsync(ExportFileStoreKind kind, int blobBlockBytes = BlobExportFileStore.DefaultBlockBytes)
    {
        if (kind == ExportFileStoreKind.Disk)
        {
            return new TestExportFiles(new TemporaryDirectory());
        }

        // A container per test, not created yet: the store creates it on its first write.
        return new TestExportFiles(await Azurite.ConnectionStringAsync(), "exports-" + Guid.NewGuid().ToString("N"), blobBlockBytes);
    }

    /// <summary>A well-formed export id no other test uses.</summary>
    public static string NewExportId() => "exp_" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>The same files seen by another host: its own directory handle or blob client.</summary>
    public IExportFileStore OtherInstance()
        => _container is { } container
            ? new BlobExportFileStore(new BlobContainerClient(_connectionString, container.Name), _blockBytes)
            : new LocalExportFileStore(_directory!.Path);

    /// <summary>The names of the files a reader can see, in order.</summary>
    public async Task<IReadOnlyList<string>> ListAsync()
    {
        if (_directory is not null)
        {
            return Directory.Exists(_directory.Path) ? Directory.GetFiles(_directory.Path).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToList() : [];
        }

        var names = new List<string>();
        if (await _container!.ExistsAsync())
        {
            await foreach (var blob in _container.GetBlobsAsync())
            {
                names.Add(blob.Name);
            }
        }

        return names;
    }

    public async ValueTask DisposeAsync()
    {
        _directory?.Dispose();
        if (_container is not null)
        {
            await _container.DeleteIfExistsAsync();
        }
    }
}
