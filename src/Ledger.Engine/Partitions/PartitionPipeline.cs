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
    private readonly TimeProvider _time;
    private readonly PartitionPipelineOptions _options;
    private readonly AccountCache _cache;
    private readonly ILogger _logger;

    public PartitionPipeline(ILedgerStore store, TimeProvider time, PartitionPipelineOptions? options = null, ILogger<PartitionPipeline>? logger = null)
    {
        _store = store;
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
                _ = Task.Run(() => DrainAsync(queue));
            }

            return command.Completion;
        }
    }

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
        var taken = new List<PartitionCommand>(_options.MaxCommandsPerBatch);
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
        var accepted = new List<(PartitionCommand Command, int FirstWrite, int WriteCount)>(pending.Count);
        var refused = new List<PartitionCommand>();
        var writes = new List<DocumentWrite>(pending.Count + 1);
        var writtenIds = new HashSet<string>(StringComparer.Ordinal);
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

            var now = _time.GetUtcNow();
            var current = loaded.State;
            var accountChanged = false;
            accepted.Clear();
            refused.Clear();
            writes.Clear();
            writtenIds.Clear();
            writtenIds.Add(DocumentTypes.AccountDocumentId);
            var uncheckedDecisions = 0;
            foreach (var command in pending)
            {
                var (isRefused, newAccount, commandWrites) = command.Decide(current, now);
                if (newAccount is null)
                {
                    uncheckedDecisions++;
                }

                if (isRefused)
                {
                    refused.Add(command);
                    continue;
                }

                // A batch holds at most one write per document: a command that writes a document
                // another command of this batch already writes (a concurrent repeat of one request)
                // waits for the next round, where it meets the committed document instead.
                // One slot of the batch stays free for the account's own write.
                if (1 + writes.Count + commandWrites.Count > PartitionBatch.MaxWrites || WritesAnyOf(commandWrites, writtenIds))
                {
                    break;
                }

                foreach (var write in commandWrites)
                {
                    writtenIds.Add(write.Id);
                }

                if (newAccount is not null)
                {
                    current = newAccount;
                    accountChanged = true;
                }

                accepted.Add((command, writes.Count, commandWrites.Count));
                writes.AddRange(commandWrites);
            }

            // A decision that does not write the account (a refusal, a recorded refusal, a credit refused
            // for good, a no-op) carries no precondition on it: it must be made on a state read from the
            // store now, never on a cached one another process may have moved on from.
            if (uncheckedDecisions > 0 && !readFresh)
            {
                mustReadFresh = true;
                continue;
            }

            // The account's write, when it changed, leads the batch; the commands' writes follow in order.
            var accountWrites = accountChanged ? 1 : 0;
            if (writes.Count + accountWrites == 0)
            {
                CompleteAll(accepted, refused, pending);
                continue;
            }

            var batchWrites = new DocumentWrite[accountWrites + writes.Count];
            if (accountChanged)
            {
                current!.AssertInvariants();
                batchWrites[0] = AccountWrite(current, loaded.ETag);
            }

            writes.CopyTo(batchWrites, accountWrites);
            var result = await _store.CommitAsync(new PartitionBatch(partition, batchWrites), CancellationToken.None).ConfigureAwait(false);
            if (result.IsCommitted)
            {
                if (accountChanged)
                {
                    _cache.Set(partition, new CachedAccount(current, result.ETags[0]));
                }

                CompleteAll(accepted, refused, pending);
                continue;
            }

            if (accountChanged && result.FailedWriteIndex == 0)
            {
                // Another process moved the account: reload it and decide everything again.
                _cache.Invalidate(partition);
                conflictRetries++;
                if (conflictRetries > _options.MaxConflictRetries)
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

            var failedIndex = result.FailedWriteIndex - accountWrites;
            var owner = accepted.Single(candidate => failedIndex >= candidate.FirstWrite && failedIndex < candidate.FirstWrite + candidate.WriteCount);
            pending.Remove(owner.Command);
            if (accountChanged)
            {
                // The account state we committed nothing of is still what the cache holds; nothing to undo.
                _cache.Set(partition, loaded);
            }

            await owner.Command.ResolveOwnWriteFailureAsync(result.Outcome, failedIndex - owner.FirstWrite, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static bool WritesAnyOf(IReadOnlyList<DocumentWrite> commandWrites, HashSet<string> writtenIds)
    {
        foreach (var write in commandWrites)
        {
            if (writtenIds.Contains(write.Id))
            {
                return true;
            }
        }

        return false;
    }

    private static void CompleteAll(List<(PartitionCommand Command, int FirstWrite, int WriteCount)> accepted, List<PartitionCommand> refused, List<PartitionCommand> pending)
    {
        foreach (var (command, _, _) in accepted)
        {
            command.CompleteWithDecision();
            pending.Remove(command);
        }

        foreach (var command in refused)
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
