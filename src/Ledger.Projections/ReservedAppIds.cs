using Ledger.Domain;
using Ledger.Engine;

namespace Ledger.Projections;

/// <summary>
/// App ids that would share partitions with the store's own documents. An app's accounts live in
/// <c>{app}/{account}</c>, so an app named like the first segment of another partition family (<c>exports/{app}</c>,
/// <c>idem/{app}/{digest}</c>, <c>$dead-letters/{app}</c>, <c>$audit/{app}</c>) would mix its accounts with
/// export documents, idempotency claims or consumer state. The names are taken from the code that builds those
/// partitions, so a new family cannot be forgotten here by renaming one. Compared ignoring case, so that a
/// store that ever compares partition keys without case still keeps them apart.
/// </summary>
public static class ReservedAppIds
{
    private static readonly AppId Sample = AppId.From("sample");

    /// <summary>Every reserved id, in lower case.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        FirstSegment(ExportDocuments.Partition(Sample)),
        FirstSegment(DocumentTypes.ClaimPartition(Sample, IdempotencyKey.From("sample"))),
        FirstSegment(DeadLetterStore.PartitionOf(Sample)),
        FirstSegment(Audit.AuditDocuments.Partition(Sample)),
    ];

    public static bool IsReserved(AppId app) => All.Contains(app.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="app"/> cannot be configured, or null when it can.</summary>
    public static string? RefusalOf(AppId app)
        => IsReserved(app)
            ? $"App id '{app.Value}' is reserved: the store keeps its own documents in partitions named '{app.Value}/…', which the app's accounts would share. Reserved app ids: {string.Join(", ", All)}."
            : null;

    private static string FirstSegment(string partition) => partition[..partition.IndexOf('/', StringComparison.Ordinal)].ToLowerInvariant();
}
