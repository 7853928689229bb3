using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;

namespace Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>How often a one-commit transfer is decided again when the other account moved under it, before it takes the saga.</summary>
    private const int MaxOneCommitTransferAttempts = 3;

    /// <summary>
    /// A transfer in one store transaction, on a store that commits across partitions: the claim, the
    /// source's reservation and debit, the destination's credit and the posted transfer document commit
    /// together, so the transfer is never half-applied and costs one durable commit instead of the saga's
    /// four. It is decided in one account's pipeline (sharing its group commits) on the other account's
    /// last known state, which that account's ETag guards. Returns null when this path cannot decide it
    /// (an account refuses, the key was used, the other account kept moving): the caller then claims first
    /// and runs the saga, which decides and records the outcome like any other. A failure is a transient
    /// refusal (contention) that committed nothing.
    /// </summary>
    private async Task<Result<TransferDocument>?> TransferInOneCommitAsync(AppId app, TransferRecord transfer, PartitionBatch claim)
    {
        var sourcePartition = DocumentTypes.AccountPartition(app, transfer.From);
        var destinationPartition = DocumentTypes.AccountPartition(app, transfer.To);
        for (var attempt = 1; attempt <= MaxOneCommitTransferAttempts; attempt++)
        {
            // Decided where the load is: a source busy in this process decides its transfers itself, so
            // nothing else writes it; otherwise the destination does (hot creators share group commits).
            var inSource = _pipeline.IsBusy(sourcePartition);
            var command = await OneCommitTransferCommandAsync(inSource ? destinationPartition : sourcePartition, inSource, transfer, claim).ConfigureAwait(false);
            var posted = await _pipeline.SubmitAsync(inSource ? sourcePartition : destinationPartition, command).ConfigureAwait(false);
            if (!command.FellBack)
            {
                return posted;
            }

            if (!command.MayRetry)
            {
                return null;
            }
        }

        return null;
    }

    private async Task<PartitionCommand<TransferDocument>> OneCommitTransferCommandAsync(string otherPartition, bool inSource, TransferRecord transfer, PartitionBatch claim)
    {
        var known = await _pipeline.LoadAccountAsync(otherPartition, CancellationToken.None).ConfigureAwait(false);
        return new PartitionCommand<TransferDocument>((local, now) =>
        {
            // The latest state this process committed or read: a transfer decided in another pipeline may
            // have moved the other account since it was loaded.
            var other = _pipeline.TryGetCached(otherPartition, out var cached) ? cached : known;
            if (local is null || other.State is null)
            {
                return CommandDecision<TransferDocument>.FallBack();
            }

            return inSource
                ? DecideInOneCommit(transfer, local, null, other.State, new OtherAccount(otherPartition, other.ETag!), now)
                : DecideInOneCommit(transfer, other.State, new OtherAccount(otherPartition, other.ETag!), local, null, now);
        })
        {
            Claim = claim,
        };
    }

    /// <summary>An account written outside the deciding pipeline: its partition and the ETag its write must find.</summary>
    private sealed record OtherAccount(string Partition, string ETag);

    /// <summary>Reserve, credit and commit, as the saga's three steps would decide them one after another at <paramref name="now"/>.</summary>
    private static CommandDecision<TransferDocument> DecideInOneCommit(TransferRecord transfer, AccountState source, OtherAccount? otherSource, AccountState destination, OtherAccount? otherDestination, DateTimeOffset now)
    {
        if (!TransferRules.Reserve(source, transfer, now).TryGetValue(out var reserved, out _)
            || TransferRules.Credit(destination, reserved.Transfer, now) is not CreditOutcome.Credited credited)
        {
            return CommandDecision<TransferDocument>.FallBack();
        }

        var (committedSource, posted, debit) = TransferRules.Commit(reserved.Source, reserved.Transfer, now);
        var credit = TransferRules.ApplyCredit(destination, credited.Entry);
        DocumentWrite[] sourceWrites = [TransferWrite(posted, etag: null), EntryWrite(EntryDocument.From(debit))];
        DocumentWrite[] destinationWrites = [EntryWrite(EntryDocument.From(credited.Entry))];
        var answer = TransferDocument.Of(posted);
        return otherSource is not null
            ? CommandDecision<TransferDocument>.Apply(credit, destinationWrites, answer) with { OtherWrites = [OtherWrite(otherSource, committedSource, sourceWrites)] }
            : CommandDecision<TransferDocument>.Apply(committedSource, sourceWrites, answer) with { OtherWrites = [OtherWrite(otherDestination!, credit, destinationWrites)] };
    }

    private static OtherPartitionWrite OtherWrite(OtherAccount other, AccountState account, DocumentWrite[] writes)
    {
        var batch = new DocumentWrite[writes.Length + 1];
        batch[0] = PartitionPipeline.AccountWrite(account, other.ETag);
        writes.CopyTo(batch, 1);
        return new OtherPartitionWrite(new PartitionBatch(other.Partition, batch), account);
    }
}
