namespace Ledger.Projections;

/// <summary>The name an export's file has in every file store: <c>{id}.csv</c>.</summary>
internal static class ExportFileNames
{
    public const string Extension = ".csv";

    /// <summary>Ids become file and blob names: only the shape this ledger issues is accepted, so no name can escape its directory or container.</summary>
    public static string Of(string exportId)
    {
        if (!ExportDocuments.IsWellFormedId(exportId))
        {
            throw new ArgumentException("Not an export id.", nameof(exportId));
        }

        return exportId + Extension;
    }
}
