using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;

namespace Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>
    /// Refunds all or part of a mint (a credit purchase) with a burn that points at it. The refunds of a
    /// mint never add up to more than it: a tracker in the same partition is written in the same batch.
    /// </summary>
    public async Task<Result<EntryDocument>> RefundMintAsync(AppId app, IdempotencyKey key, AccountId accountId, TransactionId mintTransactionId, RefundRequest request, CancellationToken cancellationToken)
    {
        if (Amount.ProblemWithOptional(request.Amount) is { } invalidAmount)
        {
            return invalidAmount;
        }

        var fingerprint = Fingerprint.Of("mint.refund", accountId, mintTransactionId, request.Amount, request.Details?.Reason, request.Details?.Memo, request.Details?.Category);
        var claim = await _idempotency.ClaimAsync(app, key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (!claim.TryGetValue(out var ticket, out var claimError))
        {
            return claimError;
        }

        var partition = DocumentTypes.AccountPartition(app, accountId);
        var burnTransactionId = TransactionId.Derive(app, key, "posting");
        if (ticket.IsRepeat && await ReadOutcomeAsync(partition, burnTransactionId, cancellationToken).ConfigureAwait(false) is { } original)
        {
            return original;
        }

        StoredDocument? storedMint = null;
        StoredDocument? storedTracker = null;
        var command = new PartitionCommand<EntryDocument>(
            (account, now) =>
            {
                if (account is null)
                {
                    return Refused(AccountNotFound(accountId), now);
                }

                var mint = storedMint is { Type: DocumentTypes.Entry } ? DocumentCodec.Decode(storedMint, LedgerDocumentJsonContext.Documents.EntryDocument) : null;
                if (mint is null || mint.Kind != EntryDocument.KindName(TransactionKind.Mint))
                {
                    return Refused(new LedgerError(ErrorCodes.TransferNotRefundable, $"Transaction '{mintTransactionId}' is not a mint of account '{accountId}'; transfers are refunded through /transfers/{{id}}/refunds."), now);
                }

                var tracker = storedTracker is null ? null : DocumentCodec.Decode(storedTracker, LedgerDocumentJsonContext.Documents.RefundTrackerDocument);
                var refunded = tracker?.RefundedAmount ?? 0;
                var amount = TransferRules.CheckRefund(mint.Amount, refunded, request.Amount);
                if (!amount.TryGetValue(out var refundAmount, out var tooMuch))
                {
                    return Refused(tooMuch, now);
                }

                var burn = new PostingInstruction
                {
                    TransactionId = burnTransactionId,
                    Kind = TransactionKind.Burn,
                    Direction = Direction.Debit,
                    Amount = refundAmount,
                    Details = request.Details ?? TransactionDetails.From("refund", mint.Memo, mint.Category),
                    Reverses = mintTransactionId,
                };
                var decision = PostingRules.Decide(account, burn, now);
                if (!decision.TryGetValue(out var posted, out var refusal))
                {
                    return Refused(refusal, now);
                }

                var entry = EntryDocument.From(posted.Entry);
                var updatedTracker = new RefundTrackerDocument { RefundedId = mintTransactionId.Value, OriginalAmount = mint.Amount, RefundedAmount = checked(refunded + refundAmount.MinorUnits) };
                return CommandDecision<EntryDocument>.Apply(posted.Account, [EntryWrite(entry), TrackerWrite(updatedTracker, storedTracker?.ETag)], entry);
            },
            async (outcome, writeIndex, token) =>
            {
                if (writeIndex == 0 && await ReadOutcomeAsync(partition, burnTransactionId, token).ConfigureAwait(false) is { } repeated)
                {
                    return repeated;
                }

                return new LedgerError(ErrorCodes.Contention, $"Refunds of '{mintTransactionId}' are being requested concurrently ({outcome}); retry.");
            },
            async token =>
            {
                storedMint = await _store.ReadAsync(partition, DocumentTypes.EntryId(mintTransactionId), token).ConfigureAwait(false);
                storedTracker = await _store.ReadAsync(partition, DocumentTypes.RefundTrackerId(mintTransactionId.Value), token).ConfigureAwait(false);
            });
        return await _pipeline.SubmitAsync(partition, command).ConfigureAwait(false);

        CommandDecision<EntryDocument> Refused(LedgerError refusal, DateTimeOffset now)
            => CommandDecision<EntryDocument>.RefuseRecorded(refusal, DocumentTypes.EntryId(burnTransactionId), now);
    }
}
