using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage;

namespace Ledger.Projections;

/// <summary>A change a consumer gave up on after its bounded retries, as the status route lists it.</summary>
public sealed record DeadLetterDocument
{
    [JsonPropertyName("consumer")] public required string Consumer { get; init; }

    /// <summary>The app whose change it is; null when the change's partition names no app (the operator sees it).</summary>
    [JsonPropertyName("app_id")] public string? AppId { get; init; }

    [JsonPropertyName("change_id")] public required string ChangeId { get; init; }
    [JsonPropertyName("partition")] public required string Partition { get; init; }
    [JsonPropertyName("document_id")] public required string DocumentId { get; init; }
    [JsonPropertyName("document_type")] public required string DocumentType { get; init; }
    [JsonPropertyName("committed_at")] public required DateTimeOffset CommittedAt { get; init; }
    [JsonPropertyName("attempts")] public required int Attempts { get; init; }
    [JsonPropertyName("error")] public required string Error { get; init; }
    [JsonPropertyName("dead_lettered_at")] public required DateTimeOffset DeadLetteredAt { get; init; }
}

/// <summary>Dead letters listed for one app or for all, newest first for one app; <see cref="Truncated"/> when there were more.</summary>
public sealed record DeadLetterList(IReadOnlyList<DeadLetterDocument> Letters, bool Truncated);

/// <summary>
/// Where dead letters live: ordinary documents of the ledger store, written through the store port so every
/// instance of every host sees them and every store (in memory, SQLite, Cosmos DB) keeps them the same way.
/// Each app's letters share one partition, <c>$dead-letters/{app}</c>: app ids never contain <c>$</c>, so the
/// partition can never be an account's. A letter's id is derived from the consumer and the change, and it
/// is created must-not-exist, so setting the same change aside twice (a crash, another instance) writes once.
/// The letters are on the change feed like any document; no consumer handles their type.
/// </summary>
public sealed class DeadLetterStore(ILedgerStore store)
{
    public const string Type = "dead_letter";

    /// <summary>Most letters one listing returns.</summary>
    public const int MaxListed = 100;

    private const string PartitionPrefix = "$dead-letters/";

    /// <summary>The partition of letters whose change names no app: listed only to the operator.</summary>
    private const string UnattributedPartition = "$dead-letters";

    private const string IndexPrefix = "dead-letter|";

    /// <summary>Sets the change aside for good; true when this call wrote the letter, false when it was already there.</summary>
    public async Task<bool> WriteAsync(DeadLetterDocument letter, CancellationToken cancellationToken)
    {
        var app = letter.AppId is { } id ? AppId.From(id) : (AppId?)null;
        var write = DocumentWrite.Create(
            IdOf(letter.Consumer, letter.ChangeId),
            Type,
            DocumentCodec.Encode(letter, ProjectionJsonContext.Default.DeadLetterDocument),
            sortKey: letter.DeadLetteredAt.UtcTicks,
            indexKey: IndexPrefix + (letter.AppId ?? string.Empty));
        var result = await store.CommitAsync(new PartitionBatch(PartitionOf(app), write), cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            BatchOutcome.Committed => true,
            BatchOutcome.Conflict => false,
            _ => throw new InvalidOperationException($"Writing the dead letter of {letter.ChangeId} failed with {result.Outcome}."),
        };
    }

    /// <summary>Whether <paramref name="consumer"/> already set <paramref name="change"/> aside (here or on another instance).</summary>
    public async Task<bool> ExistsAsync(string consumer, StoredDocument change, CancellationToken cancellationToken)
        => await store.ReadAsync(PartitionOf(ChangeOwnership.AppOf(change)), IdOf(consumer, change.ChangeId), cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>One app's letters, newest first; with <paramref name="app"/> null, every app's (the operator's view), by app.</summary>
    public async Task<DeadLetterList> ListAsync(AppId? app, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredDocument> found;
        bool truncated;
        if (app is { } one)
        {
            found = await store.ReadRangeAsync(new RangeQuery(PartitionOf(one), Type, null, null, descending: true, MaxListed + 1), cancellationToken).ConfigureAwait(false);
            truncated = found.Count > MaxListed;
        }
        else
        {
            var page = await store.QueryIndexAsync(new IndexQuery(Type, IndexPrefix, prefix: true, continuation: null, MaxListed), cancellationToken).ConfigureAwait(false);
            found = page.Documents;
            truncated = page.Continuation is not null;
        }

        var letters = found.Take(MaxListed).Select(stored => DocumentCodec.Decode(stored, ProjectionJsonContext.Default.DeadLetterDocument)).ToArray();
        return new DeadLetterList(letters, truncated);
    }

    internal static string PartitionOf(AppId? app) => app is { } one ? PartitionPrefix + one.Value : UnattributedPartition;

    /// <summary>Consumer names are store ids; the change id holds '/', which ids may not, so it is digested.</summary>
    private static string IdOf(string consumer, string changeId)
        => consumer + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(changeId)))[..40];
}

/// <summary>Which app a change belongs to, read from its partition (the engine and the projections name partitions by app).</summary>
public static class ChangeOwnership
{
    /// <summary>
    /// <c>{app}/{account}</c> for accounts and everything in them, <c>idem/{app}/{digest}</c> for idempotency
    /// claims, <c>exports/{app}</c> for exports; null for any other shape, or one whose app is not a valid id.
    /// </summary>
    public static AppId? AppOf(StoredDocument change)
    {
        var segments = change.Partition.Split('/');
        var candidate = segments switch
        {
            ["idem", var app, _] => app,
            [var prefix, var app] when prefix + "/" == ExportDocuments.PartitionPrefix && change.Type == ExportDocuments.Type => app,
            [var app, _] => app,
            _ => null,
        };
        return candidate is not null && AppId.Parse(candidate) is { IsSuccess: true } parsed ? parsed.Value : null;
    }
}
