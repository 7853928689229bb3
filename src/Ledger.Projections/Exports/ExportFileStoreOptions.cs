namespace Ledger.Projections;

/// <summary>The kinds of <see cref="IExportFileStore"/>: the data directory, or a blob container every instance reads.</summary>
public enum ExportFileStoreKind
{
    Disk,
    Blob,
}

/// <summary>
/// Where export files are kept: configuration <c>Ledger:Exports:Store</c> and <c>Ledger:Exports:Blob:*</c>. A blob
/// container is reached either by its account's service URI with the host's Microsoft Entra identity (in Azure) or by a
/// connection string (Azurite locally): exactly one of the two.
/// </summary>
public sealed record ExportFileStoreOptions
{
    public const string DefaultContainerName = "exports";

    public ExportFileStoreKind Store { get; init; } = ExportFileStoreKind.Disk;

    /// <summary>The storage account's blob endpoint, e.g. <c>https://{account}.blob.core.windows.net/</c>.</summary>
    public Uri? BlobServiceUri { get; init; }

    /// <summary>A storage connection string, e.g. <c>UseDevelopmentStorage=true</c> for Azurite.</summary>
    public string? BlobConnectionString { get; init; }

    public string BlobContainerName { get; init; } = DefaultContainerName;

    public void Validate()
    {
        if (!Enum.IsDefined(Store))
        {
            throw new ArgumentOutOfRangeException(nameof(Store), Store, "Ledger:Exports:Store must be Disk or Blob.");
        }

        if (Store != ExportFileStoreKind.Blob)
        {
            return;
        }

        if ((BlobServiceUri is null) == (BlobConnectionString is null))
        {
            throw new ArgumentException("Blob exports need exactly one of Ledger:Exports:Blob:ServiceUri (with the host's identity) and Ledger:Exports:Blob:ConnectionString.", nameof(BlobServiceUri));
        }

        // The identity's bearer token is only ever sent over HTTPS; the SDK would refuse on the first export.
        if (BlobServiceUri is not null && (!BlobServiceUri.IsAbsoluteUri || BlobServiceUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Ledger:Exports:Blob:ServiceUri must be an absolute https URL: '{BlobServiceUri}'.", nameof(BlobServiceUri));
        }

        if (!IsValidContainerName(BlobContainerName))
        {
            throw new ArgumentException(
                $"Ledger:Exports:Blob:ContainerName '{BlobContainerName}' is not a container name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                nameof(BlobContainerName));
        }
    }

    /// <summary>Blob Storage's rule for container names, checked at start-up rather than on the first export.</summary>
    public static bool IsValidContainerName(string? name)
        => name is { Length: >= 3 and <= 63 }
           && !name.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-")
           && name[0] != '-'
           && name[^1] != '-'
           && !name.Contains("--", StringComparison.Ordinal);
}
