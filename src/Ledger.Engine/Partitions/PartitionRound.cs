using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine.Partitions;

/// <summary>
/// One round of a partition's pending commands: each decided in turn against the evolving account state,
/// and what they add up to (the partition's writes and the batches they write in other partitions). A
/// command that does not fit the round (too many writes, or a document or partition another command of
/// the round already writes) ends it; it and those after it wait for the next round.
/// </summary>
internal sealed class PartitionRound
{
    private readonly HashSet<string> _writtenIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _otherPartitions = new(StringComparer.Ordinal);
    private string _partition = string.Empty;

    public List<(PartitionCommand Command, int FirstWrite, int WriteCount)> Accepted { get; } = [];

    /// <summary>Commands refused without writes of their own (their claims may still be written).</summary>
    public List<PartitionCommand> Refused { get; } = [];

    public List<PartitionCommand> FallenBack { get; } = [];

    public List<DocumentWrite> Writes { get; } = [];

    /// <summary>Batches in other partitions (claims and other writes), each with the command it belongs to.</summary>
    public List<(PartitionCommand Owner, OtherPartitionWrite Write)> Others { get; } = [];

    public AccountState? Current { get; private set; }

    public bool AccountChanged { get; private set; }

    /// <summary>Decisions that do not write the account, so carry no precondition on it.</summary>
    public int UncheckedDecisions { get; private set; }

    public void Start(string partition, AccountState? account)
    {
        _partition = partition;
        Current = account;
        AccountChanged = false;
        UncheckedDecisions = 0;
        Accepted.Clear();
        Refused.Clear();
        FallenBack.Clear();
        Writes.Clear();
        Others.Clear();
        _writtenIds.Clear();
        _writtenIds.Add(DocumentTypes.AccountDocumentId);
        _otherPartitions.Clear();
    }

    public void DecideAll(List<PartitionCommand> pending, DateTimeOffset now)
    {
        foreach (var command in pending)
        {
            var decided = command.Decide(Current, now);
            if (decided.FallsBack)
            {
                FallenBack.Add(command);
                continue;
            }

            if (decided.NewAccount is null)
            {
                UncheckedDecisions++;
            }

            if (!Fits(command, decided))
            {
                break;
            }

            TakeOtherPartitions(command, decided);
            if (decided.Refused)
            {
                Refused.Add(command);
                continue;
            }

            foreach (var write in decided.Writes)
            {
                _writtenIds.Add(write.Id);
            }

            if (decided.NewAccount is not null)
            {
                Current = decided.NewAccount;
                AccountChanged = true;
            }

            Accepted.Add((command, Writes.Count, decided.Writes.Count));
            Writes.AddRange(decided.Writes);
        }
    }

    /// <summary>
    /// A batch holds at most one write per document and commits each partition once: a command that
    /// writes what another command of this round already writes (a concurrent repeat of one request, two
    /// transfers from one source) waits for the next round, where it meets the committed state instead.
    /// One slot of the batch stays free for the account's own write.
    /// </summary>
    private bool Fits(PartitionCommand command, DecidedCommand decided)
    {
        var otherBatches = (command.Claim is null ? 0 : 1) + decided.OtherWrites.Count;
        if (1 + Others.Count + otherBatches > MultiPartitionCommit.MaxBatches
            || (command.Claim is { } claim && !IsFreePartition(claim.Partition)))
        {
            return false;
        }

        foreach (var other in decided.OtherWrites)
        {
            if (!IsFreePartition(other.Batch.Partition) || (command.Claim is { } own && own.Partition == other.Batch.Partition))
            {
                return false;
            }
        }

        return decided.Refused
            || (1 + Writes.Count + decided.Writes.Count <= PartitionBatch.MaxWrites && !WritesAnyOf(decided.Writes));
    }

    private bool IsFreePartition(string partition) => partition != _partition && !_otherPartitions.Contains(partition);

    private void TakeOtherPartitions(PartitionCommand command, DecidedCommand decided)
    {
        if (command.Claim is { } claim)
        {
            _otherPartitions.Add(claim.Partition);
            Others.Add((command, new OtherPartitionWrite(claim)));
        }

        foreach (var other in decided.OtherWrites)
        {
            _otherPartitions.Add(other.Batch.Partition);
            Others.Add((command, other));
        }
    }

    private bool WritesAnyOf(IReadOnlyList<DocumentWrite> commandWrites)
    {
        foreach (var write in commandWrites)
        {
            if (_writtenIds.Contains(write.Id))
            {
                return true;
            }
        }

        return false;
    }
}
