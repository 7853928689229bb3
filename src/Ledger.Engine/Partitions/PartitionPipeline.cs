using System.Collections.Concurrent;
using Ledger.Domain;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Engine.Partitions;

public sealed record PartitionPipelineOptions
{
    /// <summary>Most commands decided together and committed in one batch (each needs at least one write, plus the account's).</summary>
    public int MaxCommandsPerBatch { get; init; } = 48;

    /// <summary>Most commands waiting on one partition; past it callers are refused with <c>contention</c> instead of queueing without end.</summary>
    public int MaxQueuedPerPartition { get; init; } = 10_000;

    /// <summary>How often a batch is retried after another writer moved the account under it.</summary>
    public int MaxConflictRetries { get; init; } = 8;

    public int MaxCachedAccounts { get; init; } = 200_000;

    public void Validate()
    {
        if (MaxCommandsPerBatch is < 1 or > PartitionBatch.MaxWrites - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCommandsPerBatch), MaxCommandsPerBatch, $"Must be 1 to {PartitionBatch.MaxWrites - 1}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedPerPartition, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConflictRetries, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCachedAccounts, 0);
    }
}

/// <summary>
/// Serializes the work of each partition inside this process and commits it in batches: commands for
/// one account queue up, are decided one after another against the evolving account state, and are
/// written together in one atomic batch. Optimistic conflicts then only arise between processes, and a
/// hot account costs one durable commit per batch, not one per request. No lock is held across I/O.
/// </summary>
public sealed class PartitionPipeline
{
    private readonly ConcurrentDictionary<string, PartitionQueue> _queues = new(StringComparer.Ordinal);
    private readonly ILedgerStore _store;
    private readonly IAtomicMultiPartitionStore? _atomic;
    private readonly TimeProvider _time;
    private readonly PartitionPipelineOptions _options;
    private readonly AccountCache _cache;
    private readonly ILogger _logger;

    /// <summary>A round's lists and sets, kept for the next group instead of allocated for each (one suffices: most groups run alone).</summary>
    private PartitionRound? _spareRound;

    public PartitionPipeline(ILedgerStore store, TimeProvider time, PartitionPipelineOptions? options = null, ILogger<PartitionPipeline>? logger = null)
    {
        _store = store;
        _atomic = store.AtomicMultiPartition();
        _time = time;
        _options = options ?? new PartitionPipelineOptions();
        _options.Validate();
        _cache = new AccountCache(_options.MaxCachedAccounts);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    internal Task<Result<T>> SubmitAsync<T>(string partition, PartitionCommand<T> command)
    {
        StoreLimits.RequireValidPartition(partition);
        while (true)
        {
            var queue = _queues.GetOrAdd(partition, static key => new PartitionQueue(key));
            bool startDrain;
            lock (queue)
            {
                if (queue.Retired)
                {
                    continue;
                }

                if (queue.Items.Count >= _options.MaxQueuedPerPartition)
                {
                    command.Refuse(new LedgerError(ErrorCodes.Contention, $"Too many requests are waiting on '{partition}'; retry shortly."));
                    return command.Completion;
                }

                queue.Items.Enqueue(command);
                startDrain = !queue.Draining;
                queue.Draining = true;
            }

            if (startDrain)
            {
                // The caller drains on its own thread up to the drain's first wait for the store (the
                // commit), instead of handing the partition to the thread pool: a posting on an idle
                // partition then costs no extra thread hop. Callers never hold a lock here, and the
                // drain's later rounds run wherever the store's commit completes, as before.
                _ = DrainAsync(queue);
            }

            return command.Completion;
        }
    }

    /// <summary>Whether commands may write outside their partition (claims, a transfer's two accounts) in the same commit.</summary>
    internal bool CommitsAcrossPartitions => _atomic is not null;

    /// <summary>Whether commands are queued or being decided on <paramref name="partition"/> in this process now.</summary>
    internal bool IsBusy(string partition) => _queues.ContainsKey(partition);

    /// <summary>The account this process last committed or read in <paramref name="partition"/>, if it holds one.</summary>
    internal bool TryGetCached(string partition, out CachedAccount account) => _cache.TryGet(partition, out account);

    /// <summary>Reads an account through the cache this pipeline keeps current.</summary>
    internal async ValueTask<CachedAccount> LoadAccountAsync(string partition, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(partition, out var cached))
        {
            return cached;
        }

        var stored = await _store.ReadAsync(partition, DocumentTypes.AccountDocumentId, cancellationToken).ConfigureAwait(false);
        var loaded = stored is null
            ? new CachedAccount(null, null)
            : new CachedAccount(DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.AccountDocument).ToState(), stored.ETag);
        _cache.Set(partition, loaded);
        return loaded;
    }

    private async Task DrainAsync(PartitionQueue queue)
    {
        // Sized for the usual drain of one or a few commands; a hot partition's list grows once and is
        // reused for every batch of this drain.
        var taken = new List<PartitionCommand>(4);
        while (true)
        {
            taken.Clear();
            lock (queue)
            {
                if (queue.Items.Count == 0)
                {
                    queue.Draining = false;
                    queue.Retired = true;
                    _queues.TryRemove(new KeyValuePair<string, PartitionQueue>(queue.Partition, queue));
                    return;
                }

                // A command that reads further documents runs alone; others share a batch.
                if (queue.Items.Peek().NeedsPreparation)
                {
                    taken.Add(queue.Items.Dequeue());
                }
                else
                {
                    while (taken.Count < _options.MaxCommandsPerBatch && queue.Items.Count > 0 && !queue.Items.Peek().NeedsPreparation)
                    {
                        taken.Add(queue.Items.Dequeue());
                    }
                }
            }

            try
            {
                await ProcessAsync(queue.Partition, taken).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                // Store failures end these commands (the host maps them to 503); the partition keeps
                // draining, and the cache is dropped because what was written is now unknown.
                _cache.Invalidate(queue.Partition);
                _logger.LogWarning(exception, "Commands on partition {Partition} failed", queue.Partition);
                foreach (var command in taken)
                {
                    command.Fail(exception);
                }
            }
        }
    }

    private async Task ProcessAsync(string partition, List<PartitionCommand> commands)
    {
        var pending = new List<PartitionCommand>(commands);
        var round = Interlocked.Exchange(ref _spareRound, null) ?? new PartitionRound();
        try
        {
            await ProcessRoundsAsync(partition, pending, round).ConfigureAwait(false);
        }
        finally
        {
            round.Start(partition, null);
            _spareRound = round;
        }
    }

    private async Task ProcessRoundsAsync(string partition, List<PartitionCommand> pending, PartitionRound round)
    {
        var conflictRetries = 0;
        // A command that reads further documents fresh must decide on a fresh account too, or the two
        // could come from different moments (another process may have moved both since we cached).
        var mustReadFresh = pending[0].NeedsPreparation;
        while (pending.Count > 0)
        {
            if (mustReadFresh)
            {
                _cache.Invalidate(partition);
            }

            var readFresh = mustReadFresh || !_cache.TryGet(partition, out _);
            mustReadFresh = false;
            var loaded = await LoadAccountAsync(partition, CancellationToken.None).ConfigureAwait(false);
            if (pending[0].NeedsPreparation)
            {
                await pending[0].PrepareAsync(CancellationToken.None).ConfigureAwait(false);
            }

            round.Start(partition, loaded.State);
            round.DecideAll(pending, _time.GetUtcNow());
            foreach (var command in round.FallenBack)
            {
                command.FallBack();
                pending.Remove(command);
            }

            // A decision that does not write the account (a refusal, a recorded refusal, a credit refused
            // for good, a no-op) carries no precondition on it: it must be made on a state read from the
            // store now, never on a cached one another process may have moved on from.
            if (round.UncheckedDecisions > 0 && !readFresh)
            {
                mustReadFresh = true;
                continue;
            }

            var failure = await CommitRoundAsync(partition, round, loaded.ETag).ConfigureAwait(false);
            if (failure is null)
            {
                CompleteAll(round, pending);
                continue;
            }

            if (failure.Value.AccountMoved)
            {
                // Another process moved the account: reload it and decide everything again.
                _cache.Invalidate(partition);
                if (++conflictRetries > _options.MaxConflictRetries)
                {
                    foreach (var command in pending)
                    {
                        command.Refuse(new LedgerError(ErrorCodes.Contention, $"Account partition '{partition}' kept changing under this request; retry it."));
                    }

                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 4 << Math.Min(conflictRetries, 6)))).ConfigureAwait(false);
                continue;
            }

            // The account state we committed nothing of is still what the cache holds; nothing to undo.
            _cache.Set(partition, loaded);
            await ResolveCommandFailureAsync(round, failure.Value, pending).ConfigureAwait(false);
        }
    }

    /// <summary>Why a round's commit failed: the account moved, or a write of one command (here or in another partition) failed.</summary>
    private readonly record struct RoundFailure(bool AccountMoved, BatchOutcome Outcome, int FailedWriteIndex, int FailedOtherIndex);

    /// <summary>
    /// Commits the round: the account's write (when it changed) leads the partition's batch, the commands'
    /// writes follow in order; batches in other partitions (claims, a transfer's source) ride in the same
    /// store transaction. Returns null when it committed or had nothing to write.
    /// </summary>
    private async Task<RoundFailure?> CommitRoundAsync(string partition, PartitionRound round, string? etag)
    {
        var accountWrites = round.AccountChanged ? 1 : 0;
        var ownWrites = accountWrites + round.Writes.Count;
        if (ownWrites + round.Others.Count == 0)
        {
            return null;
        }

        PartitionBatch? own = null;
        if (ownWrites > 0)
        {
            var batchWrites = new DocumentWrite[ownWrites];
            if (round.AccountChanged)
            {
                round.Current!.AssertInvariants();
                batchWrites[0] = AccountWrite(round.Current, etag);
            }

            round.Writes.CopyTo(batchWrites, accountWrites);
            own = new PartitionBatch(partition, batchWrites);
        }

        if (round.Others.Count == 0)
        {
            var result = await _store.CommitAsync(own!, CancellationToken.None).ConfigureAwait(false);
            return result.IsCommitted ? AfterCommit(partition, round, result.ETags, [], othersStart: 0) : OwnFailure(round, result.Outcome, result.FailedWriteIndex);
        }

        var batches = new List<PartitionBatch>(round.Others.Count + 1);
        if (own is not null)
        {
            batches.Add(own);
        }

        foreach (var (_, write) in round.Others)
        {
            batches.Add(write.Batch);
        }

        var atomic = await (_atomic ?? throw new InvalidOperationException("A command wrote outside its partition on a store that cannot commit across partitions."))
            .CommitAtomicallyAsync(batches, CancellationToken.None).ConfigureAwait(false);
        if (atomic.IsCommitted)
        {
            return AfterCommit(partition, round, own is null ? [] : atomic.Batches[0].ETags, atomic.Batches, othersStart: own is null ? 0 : 1);
        }

        return own is not null && atomic.FailedBatchIndex == 0
            ? OwnFailure(round, atomic.Outcome, atomic.FailedWriteIndex)
            : new RoundFailure(false, atomic.Outcome, -1, atomic.FailedBatchIndex - (own is null ? 0 : 1));
    }

    /// <summary>Caches the accounts the round wrote; the other partitions' results are <paramref name="results"/> from <paramref name="othersStart"/> on.</summary>
    private RoundFailure? AfterCommit(string partition, PartitionRound round, IReadOnlyList<string> ownETags, IReadOnlyList<BatchResult> results, int othersStart)
    {
        if (round.AccountChanged)
        {
            _cache.Set(partition, new CachedAccount(round.Current, ownETags[0]));
        }

        for (var index = 0; index < results.Count - othersStart; index++)
        {
            var write = round.Others[index].Write;
            if (write.NewAccount is not null)
            {
                _cache.Set(write.Batch.Partition, new CachedAccount(write.NewAccount, results[othersStart + index].ETags[0]));
            }
        }

        return null;
    }

    private static RoundFailure OwnFailure(PartitionRound round, BatchOutcome outcome, int failedWriteIndex)
        => round.AccountChanged && failedWriteIndex == 0
            ? new RoundFailure(true, outcome, 0, -1)
            : new RoundFailure(false, outcome, failedWriteIndex - (round.AccountChanged ? 1 : 0), -1);

    /// <summary>One command's write failed: it leaves the round and finds out what happened; the others are decided again.</summary>
    private async Task ResolveCommandFailureAsync(PartitionRound round, RoundFailure failure, List<PartitionCommand> pending)
    {
        if (failure.FailedOtherIndex >= 0)
        {
            var (owner, write) = round.Others[failure.FailedOtherIndex];
            if (write.NewAccount is not null)
            {
                _cache.Invalidate(write.Batch.Partition);
            }

            pending.Remove(owner);
            owner.FallBack(mayRetry: write.NewAccount is not null && failure.Outcome == BatchOutcome.PreconditionFailed);
            return;
        }

        var failedIndex = failure.FailedWriteIndex;
        var found = round.Accepted.Find(candidate => failedIndex >= candidate.FirstWrite && failedIndex < candidate.FirstWrite + candidate.WriteCount);
        var command = found.Command ?? throw new InvalidOperationException($"No command of the round wrote the failed write {failedIndex}.");
        pending.Remove(command);
        await command.ResolveOwnWriteFailureAsync(failure.Outcome, failedIndex - found.FirstWrite, CancellationToken.None).ConfigureAwait(false);
    }

    private static void CompleteAll(PartitionRound round, List<PartitionCommand> pending)
    {
        foreach (var (command, _, _) in round.Accepted)
        {
            command.CompleteWithDecision();
            pending.Remove(command);
        }

        foreach (var command in round.Refused)
        {
            command.CompleteWithDecision();
            pending.Remove(command);
        }
    }

    internal static DocumentWrite AccountWrite(AccountState account, string? etag)
    {
        var body = DocumentCodec.Encode(AccountDocument.From(account), LedgerDocumentJsonContext.Documents.AccountDocument);
        var indexKey = DocumentTypes.OwnerIndexKey(account.App, account.Owner);
        return etag is null
            ? DocumentWrite.Create(DocumentTypes.AccountDocumentId, DocumentTypes.Account, body, indexKey: indexKey)
            : DocumentWrite.Replace(DocumentTypes.AccountDocumentId, DocumentTypes.Account, body, etag, indexKey: indexKey);
    }

    private sealed class PartitionQueue(string partition)
    {
        public string Partition { get; } = partition;
        public Queue<PartitionCommand> Items { get; } = new();
        public bool Draining { get; set; }
        public bool Retired { get; set; }
    }
}
