using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine;

/// <summary>The claim a request holds on its idempotency key.</summary>
public readonly record struct IdempotencyClaim(AppId App, IdempotencyKey Key, bool IsRepeat);

/// <summary>
/// Makes a key take effect at most once per app. The first request with a key claims it (a create that
/// must not exist, in the key's own partition); a later request with the same fingerprint is a repeat
/// and gets the original outcome; a different request with the same key is refused. The effect itself
/// carries an id derived from the key, so even concurrent repeats write it once, and a refusal is
/// recorded under that same id, so a repeat gets the recorded refusal back rather than a new decision
/// (only a transient refusal, contention, records nothing: its repeat is decided again). A claim is never
/// released: the key stays bound to its first request, so no interleaving can give one key two effects.
/// Where the store commits across partitions the claim rides in the effect's own commit (see
/// <see cref="ClaimBatch"/>); a request that committed nothing (contention, a store failure) then bound
/// nothing either.
/// </summary>
public sealed class IdempotencyGuard(ILedgerStore store, TimeProvider time)
{
    /// <summary>
    /// The create of the key's claim, as a batch in the key's own partition. <see cref="ClaimAsync"/>
    /// commits it alone; on a store that commits across partitions the engine commits it together with
    /// the request's effect instead, and takes <see cref="ClaimAsync"/>'s path only when it conflicts.
    /// </summary>
    public PartitionBatch ClaimBatch(AppId app, IdempotencyKey key, string fingerprint)
    {
        var body = DocumentCodec.Encode(
            new ClaimDocument { AppId = app.Value, IdempotencyKey = key.Value, Fingerprint = fingerprint, CreatedAt = time.GetUtcNow() },
            LedgerDocumentJsonContext.Documents.ClaimDocument);
        return new PartitionBatch(DocumentTypes.ClaimPartition(app, key), DocumentWrite.Create(DocumentTypes.ClaimDocumentId, DocumentTypes.IdempotencyClaim, body));
    }

    public async ValueTask<Result<IdempotencyClaim>> ClaimAsync(AppId app, IdempotencyKey key, string fingerprint, CancellationToken cancellationToken)
    {
        var claimBatch = ClaimBatch(app, key, fingerprint);
        var partition = claimBatch.Partition;
        var created = await store.CommitAsync(claimBatch, cancellationToken).ConfigureAwait(false);
        if (created.IsCommitted)
        {
            return new IdempotencyClaim(app, key, IsRepeat: false);
        }

        var existing = await store.ReadAsync(partition, DocumentTypes.ClaimDocumentId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Claim of key '{key}' conflicted on create but cannot be read; claims are never deleted.");
        var claim = DocumentCodec.Decode(existing, LedgerDocumentJsonContext.Documents.ClaimDocument);
        return claim.Fingerprint == fingerprint
            ? new IdempotencyClaim(app, key, IsRepeat: true)
            : new LedgerError(ErrorCodes.IdempotencyKeyReused, $"The key '{key}' was already used for a different request.", "Idempotency-Key");
    }
}
