namespace Ledger.Projections;

/// <summary>
/// Where export files are kept: the data directory locally, a blob container in Azure. A file becomes
/// visible only when its writer commits, so a download never sees half an export.
/// </summary>
public interface IExportFileStore
{
    /// <summary>Starts writing the file of an export, replacing nothing until <see cref="IExportFileWriter.CommitAsync"/>.</summary>
    Task<IExportFileWriter> CreateAsync(string exportId, CancellationToken cancellationToken);

    /// <summary>The committed file of an export, for reading; null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string exportId, CancellationToken cancellationToken);
}

/// <summary>A file being written. Disposing it without committing discards it.</summary>
public interface IExportFileWriter : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Makes the file durable and visible under its export id; returns its size in bytes.</summary>
    Task<long> CommitAsync(CancellationToken cancellationToken);
}
