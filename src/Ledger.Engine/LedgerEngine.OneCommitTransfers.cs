using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;

namespace Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>
    /// A transfer in one store transaction, on a store that commits across partitions: the claim, the
    /// source's reservation and debit, the destination's credit and the posted transfer document commit
    /// together, so the transfer is never half-applied and costs one durable commit instead of the saga's
    /// four. It is decided in the destination's pipeline (hot destinations, as creators are, share its
    /// group commits) on the source's last known state, which the source batch's ETag guards. Returns null
    /// when this path cannot decide it (the source or destination refuses, or a precondition moved): the
    /// caller then claims first and runs the saga, which decides and records the outcome like any other.
    /// A failure is a transient refusal (contention) that committed nothing.
    /// </summary>
    private async Task<Result<TransferDocument>?> TransferInOneCommitAsync(AppId app, TransferRecord transfer, PartitionBatch claim)
    {
        var sourcePartition = DocumentTypes.AccountPartition(app, transfer.From);
        var known = await _pipeline.LoadAccountAsync(sourcePartition, CancellationToken.None).ConfigureAwait(false);
        var command = new PartitionCommand<TransferDocument>((destination, now) =>
        {
            // The latest state this process committed or read: an earlier transfer of this group or of
            // another pipeline may have moved the source since it was loaded.
            var source = _pipeline.TryGetCached(sourcePartition, out var cached) ? cached : known;
            return source.State is null || destination is null
                ? CommandDecision<TransferDocument>.FallBack()
                : DecideInOneCommit(sourcePartition, source.State, source.ETag!, destination, transfer, now);
        })
        {
            Claim = claim,
        };
        var posted = await _pipeline.SubmitAsync(DocumentTypes.AccountPartition(app, transfer.To), command).ConfigureAwait(false);
        return command.FellBack ? null : (Result<TransferDocument>?)posted;
    }

    /// <summary>Reserve, credit and commit, as the saga's three steps would decide them one after another at <paramref name="now"/>.</summary>
    private static CommandDecision<TransferDocument> DecideInOneCommit(string sourcePartition, AccountState source, string sourceETag, AccountState destination, TransferRecord transfer, DateTimeOffset now)
    {
        if (!TransferRules.Reserve(source, transfer, now).TryGetValue(out var reserved, out _)
            || TransferRules.Credit(destination, reserved.Transfer, now) is not CreditOutcome.Credited credited)
        {
            return CommandDecision<TransferDocument>.FallBack();
        }

        var credit = EntryDocument.From(credited.Entry);
        var (committedSource, posted, debit) = TransferRules.Commit(reserved.Source, reserved.Transfer, now);
        var sourceBatch = new PartitionBatch(
            sourcePartition,
            PartitionPipeline.AccountWrite(committedSource, sourceETag),
            TransferWrite(posted, etag: null),
            EntryWrite(EntryDocument.From(debit)));
        return CommandDecision<TransferDocument>.Apply(TransferRules.ApplyCredit(destination, credited.Entry), [EntryWrite(credit)], TransferDocument.Of(posted)) with
        {
            OtherWrites = [new OtherPartitionWrite(sourceBatch, committedSource)],
        };
    }
}
