using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine.Partitions;

/// <summary>
/// What a command decided against its partition's account: refuse, or write. <see cref="NewAccount"/> is
/// null when the account document does not change.
/// </summary>
internal readonly record struct CommandDecision<T>(AccountState? NewAccount, IReadOnlyList<DocumentWrite> Writes, Result<T> Outcome)
{
    public static CommandDecision<T> Refuse(LedgerError error) => new(null, Array.Empty<DocumentWrite>(), Result<T>.Failure(error));

    /// <summary>
    /// Refuses and records the refusal under <paramref name="refusalDocumentId"/> (the id the effect would
    /// have had), so a repeat of the request gets it again; a transient refusal is not recorded.
    /// </summary>
    public static CommandDecision<T> RefuseRecorded(LedgerError error, string refusalDocumentId, DateTimeOffset now)
        => RefusalDocument.IsRecorded(error)
            ? new(null, [RefusalDocument.Write(refusalDocumentId, error, now)], Result<T>.Failure(error))
            : Refuse(error);

    public static CommandDecision<T> Apply(AccountState? newAccount, IReadOnlyList<DocumentWrite> writes, T value) => new(newAccount, writes, Result<T>.Success(value));
}

/// <summary>
/// One unit of work on one partition. The pipeline runs <see cref="Decide"/> against the current account
/// state (null when there is no account document), commits the writes of several commands in one
/// atomic batch, and completes each command with its outcome once the batch is durable.
/// </summary>
internal abstract class PartitionCommand
{
    /// <summary>True for commands that read further documents first: they run alone in their batch, so what they read cannot change under them.</summary>
    public abstract bool NeedsPreparation { get; }

    public abstract ValueTask PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Decides against <paramref name="account"/>; returns whether it refused, the new account, and its writes.</summary>
    public abstract (bool Refused, AccountState? NewAccount, IReadOnlyList<DocumentWrite> Writes) Decide(AccountState? account, DateTimeOffset now);

    /// <summary>Completes with the last decision's outcome; called only once that decision is durable (or wrote nothing).</summary>
    public abstract void CompleteWithDecision();

    /// <summary>One of this command's own writes failed: find out what happened (a replay, usually) and complete.</summary>
    public abstract ValueTask ResolveOwnWriteFailureAsync(BatchOutcome outcome, int writeIndex, CancellationToken cancellationToken);

    public abstract void Fail(Exception exception);

    public abstract void Refuse(LedgerError error);
}

/// <summary>A command built from delegates, so each engine operation states its decision in one place.</summary>
internal sealed class PartitionCommand<T> : PartitionCommand
{
    private readonly Func<AccountState?, DateTimeOffset, CommandDecision<T>> _decide;
    private readonly Func<BatchOutcome, int, CancellationToken, ValueTask<Result<T>>>? _resolveOwnWriteFailure;
    private readonly Func<CancellationToken, ValueTask>? _prepare;
    private readonly TaskCompletionSource<Result<T>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CommandDecision<T> _lastDecision;

    public PartitionCommand(
        Func<AccountState?, DateTimeOffset, CommandDecision<T>> decide,
        Func<BatchOutcome, int, CancellationToken, ValueTask<Result<T>>>? resolveOwnWriteFailure = null,
        Func<CancellationToken, ValueTask>? prepare = null)
    {
        _decide = decide;
        _resolveOwnWriteFailure = resolveOwnWriteFailure;
        _prepare = prepare;
    }

    public Task<Result<T>> Completion => _completion.Task;

    public override bool NeedsPreparation => _prepare is not null;

    public override ValueTask PrepareAsync(CancellationToken cancellationToken) => _prepare?.Invoke(cancellationToken) ?? ValueTask.CompletedTask;

    public override (bool Refused, AccountState? NewAccount, IReadOnlyList<DocumentWrite> Writes) Decide(AccountState? account, DateTimeOffset now)
    {
        _lastDecision = _decide(account, now);

        // A refusal that records itself writes like any other decision; only a refusal without writes
        // skips the batch.
        return (!_lastDecision.Outcome.IsSuccess && _lastDecision.Writes.Count == 0, _lastDecision.NewAccount, _lastDecision.Writes);
    }

    public override void CompleteWithDecision() => _completion.TrySetResult(_lastDecision.Outcome);

    public override async ValueTask ResolveOwnWriteFailureAsync(BatchOutcome outcome, int writeIndex, CancellationToken cancellationToken)
    {
        if (_resolveOwnWriteFailure is null)
        {
            Fail(new InvalidOperationException($"A write this command made failed with {outcome} at index {writeIndex}, which it never expects."));
            return;
        }

        try
        {
            _completion.TrySetResult(await _resolveOwnWriteFailure(outcome, writeIndex, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    public override void Refuse(LedgerError error) => _completion.TrySetResult(Result<T>.Failure(error));
}
