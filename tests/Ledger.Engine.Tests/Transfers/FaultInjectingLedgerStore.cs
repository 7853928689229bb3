using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>Whether an injected fault stops the commit from happening, or lets it commit and loses the acknowledgement.</summary>
public enum FaultTiming
{
    /// <summary>The batch never reaches the store: the process died (or the store failed) before the commit.</summary>
    BeforeCommit,

    /// <summary>The batch commits, then the caller sees a failure: the process died right after the commit.</summary>
    AfterCommit,
}

/// <summary>
/// Passes everything to an inner store, but makes chosen commits throw <see cref="StoreUnavailableException"/>,
/// before or after they reach the inner store. A rule fires a bounded number of times, so a test knows
/// exactly where the engine was stopped. Reads never fail: recovery must be able to see what was left.
/// </summary>
internal sealed class FaultInjectingLedgerStore(ILedgerStore inner) : ILedgerStore
{
    private readonly Lock gate = new();
    private Func<PartitionBatch, bool>? match;
    private FaultTiming timing;
    private int remaining;
    private int fired;

    public ILedgerStore Inner => inner;

    /// <summary>How many faults have been injected since the store was created.</summary>
    public int Fired
    {
        get
        {
            lock (gate)
            {
                return fired;
            }
        }
    }

    /// <summary>The next <paramref name="times"/> commits that match fail at <paramref name="when"/>.</summary>
    public void Arm(Func<PartitionBatch, bool> rule, FaultTiming when, int times = 1)
    {
        lock (gate)
        {
            match = rule;
            timing = when;
            remaining = times;
        }
    }

    public void Disarm()
    {
        lock (gate)
        {
            match = null;
            remaining = 0;
        }
    }

    private Func<PartitionBatch, bool>? holdRule;
    private TaskCompletionSource? holdRelease;
    private TaskCompletionSource? holdReached;
    private string? watchedId;
    private TaskCompletionSource? watchedRead;

    /// <summary>
    /// The next commit that matches waits until the returned release is completed; <c>Reached</c> completes
    /// when it has arrived and is waiting. Lets a test put another request in between deterministically.
    /// </summary>
    public (TaskCompletionSource Release, Task Reached) HoldNext(Func<PartitionBatch, bool> rule)
    {
        lock (gate)
        {
            holdRule = rule;
            holdRelease = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            holdReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return (holdRelease, holdReached.Task);
        }
    }

    /// <summary>Completes once a point read of document <paramref name="id"/> has been answered.</summary>
    public Task NextReadOf(string id)
    {
        lock (gate)
        {
            watchedId = id;
            watchedRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return watchedRead.Task;
        }
    }

    public async ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        Task? waitFor = null;
        lock (gate)
        {
            if (holdRule is not null && holdRule(batch))
            {
                holdRule = null;
                holdReached!.TrySetResult();
                waitFor = holdRelease!.Task;
            }
        }

        if (waitFor is not null)
        {
            await waitFor.ConfigureAwait(false);
        }

        FaultTiming? fault = null;
        lock (gate)
        {
            if (remaining > 0 && match is not null && match(batch))
            {
                remaining--;
                fired++;
                fault = timing;
            }
        }

        if (fault == FaultTiming.BeforeCommit)
        {
            throw new StoreUnavailableException($"Injected fault before the commit to '{batch.Partition}'.");
        }

        var result = await inner.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        if (fault == FaultTiming.AfterCommit)
        {
            throw new StoreUnavailableException($"Injected fault after the commit to '{batch.Partition}' ({result.Outcome}).");
        }

        return result;
    }

    public async ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        var document = await inner.ReadAsync(partition, id, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            if (watchedId == id)
            {
                watchedId = null;
                watchedRead!.TrySetResult();
            }
        }

        return document;
    }

    public ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken) => inner.ReadRangeAsync(query, cancellationToken);

    public ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken) => inner.QueryIndexAsync(query, cancellationToken);

    public ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken) => inner.ReadChangesAsync(continuation, maxItems, cancellationToken);

    public ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken) => inner.EstimateLagAsync(continuation, cancellationToken);

    public ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken) => inner.ReadCheckpointAsync(consumerName, cancellationToken);

    public ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken) => inner.WriteCheckpointAsync(consumerName, continuation, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>Where a saga is stopped: before or after the commit of its reservation, its credit or its final commit.</summary>
public enum CrashPoint
{
    BeforeReserve,
    AfterReserve,
    BeforeCredit,
    AfterCredit,
    BeforeCommit,
    AfterCommit,
}

/// <summary>Rules that name the commits of the transfer saga, by what the batch writes.</summary>
internal static class SagaCommits
{
    /// <summary>The fault that stops a saga at <paramref name="point"/>: the rule naming the commit, and whether it lands.</summary>
    public static (Func<PartitionBatch, bool> Rule, FaultTiming Timing) FaultAt(CrashPoint point) => point switch
    {
        CrashPoint.BeforeReserve => (Reserve, FaultTiming.BeforeCommit),
        CrashPoint.AfterReserve => (Reserve, FaultTiming.AfterCommit),
        CrashPoint.BeforeCredit => (Credit, FaultTiming.BeforeCommit),
        CrashPoint.AfterCredit => (Credit, FaultTiming.AfterCommit),
        CrashPoint.BeforeCommit => (WritesTransferIn("posted"), FaultTiming.BeforeCommit),
        _ => (WritesTransferIn("posted"), FaultTiming.AfterCommit),
    };

    /// <summary>Any commit to the partition of <paramref name="account"/>.</summary>
    public static Func<PartitionBatch, bool> To(AppId app, string account)
    {
        var partition = DocumentTypes.AccountPartition(app, AccountId.From(account));
        return batch => batch.Partition == partition;
    }

    /// <summary>Step 1: the batch that creates a transfer document (the reservation on the source).</summary>
    public static bool Reserve(PartitionBatch batch)
        => batch.Writes.Any(write => write.Type == DocumentTypes.Transfer && write.Kind == WriteKind.Create);

    /// <summary>Step 2: the batch that decides the credit in the destination (the credit entry or the refusal).</summary>
    public static bool Credit(PartitionBatch batch)
        => batch.Writes.Any(write => write.Type == DocumentTypes.CreditRefusal
                                     || (write.Type == DocumentTypes.Entry && Entry(write).Kind == "transfer_credit"));

    /// <summary>Step 3: the batch that writes a transfer document in state <paramref name="state"/> ("posted", "voided", "crediting").</summary>
    public static Func<PartitionBatch, bool> WritesTransferIn(string state)
        => batch => batch.Writes.Any(write => write.Type == DocumentTypes.Transfer && Transfer(write).State == state);

    public static TransferDocument Transfer(DocumentWrite write) => DocumentCodec.Decode(write.Body.Span, LedgerDocumentJsonContext.Default.TransferDocument);

    public static EntryDocument Entry(DocumentWrite write) => DocumentCodec.Decode(write.Body.Span, LedgerDocumentJsonContext.Default.EntryDocument);
}
