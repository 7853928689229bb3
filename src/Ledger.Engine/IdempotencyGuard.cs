using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine;

/// <summary>The claim a request holds on its idempotency key.</summary>
public readonly record struct IdempotencyClaim(AppId App, IdempotencyKey Key, bool IsRepeat);

/// <summary>
/// Makes a key take effect at most once per app. The first request with a key claims it (a create that
/// must not exist, in the key's own partition); a later request with the same fingerprint is a repeat
/// and gets the original outcome; a different request with the same key is refused. The effect itself
/// carries an id derived from the key, so even concurrent repeats write it once. A claim is never
/// released: a refused request may be retried with the same key and body (it is decided again), but
/// the key stays bound to that request, so no interleaving can give one key two different effects.
/// </summary>
public sealed class IdempotencyGuard(ILedgerStore store, TimeProvider time)
{
    public async ValueTask<Result<IdempotencyClaim>> ClaimAsync(AppId app, IdempotencyKey key, string fingerprint, CancellationToken cancellationToken)
    {
        var partition = DocumentTypes.ClaimPartition(app, key);
        var body = DocumentCodec.Encode(
            new ClaimDocument { AppId = app.Value, IdempotencyKey = key.Value, Fingerprint = fingerprint, CreatedAt = time.GetUtcNow() },
            LedgerDocumentJsonContext.Documents.ClaimDocument);
        var created = await store.CommitAsync(
            new PartitionBatch(partition, DocumentWrite.Create(DocumentTypes.ClaimDocumentId, DocumentTypes.IdempotencyClaim, body)),
            cancellationToken).ConfigureAwait(false);
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
