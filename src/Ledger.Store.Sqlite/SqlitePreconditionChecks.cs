using Ledger.Storage;

namespace Ledger.Store.Sqlite;

/// <summary>The precondition of each write kind, decided against the document's current ETag.</summary>
internal static class SqlitePreconditionChecks
{
    /// <summary>
    /// Returns the failing outcome, or null when the write may proceed. An Upsert with an ETag on a
    /// missing document creates it, as Cosmos DB does: the ETag guards overwrites, not inserts.
    /// </summary>
    public static BatchOutcome? Check(WriteKind kind, string? ifMatchETag, string? currentETag) => kind switch
    {
        WriteKind.Create => currentETag is null ? null : BatchOutcome.Conflict,
        WriteKind.Replace or WriteKind.Delete when currentETag is null => BatchOutcome.NotFound,
        _ when currentETag is not null && ifMatchETag is not null
            && !string.Equals(ifMatchETag, currentETag, StringComparison.Ordinal) => BatchOutcome.PreconditionFailed,
        _ => null,
    };
}
