using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine.Partitions;

/// <summary>
/// A batch a command writes outside its pipeline's partition, committed atomically with the pipeline's
/// group (only on a store that commits across partitions). When <see cref="NewAccount"/> is set, the
/// batch's first write is that partition's account document, and the pipeline caches the new state.
/// </summary>
internal sealed record OtherPartitionWrite(PartitionBatch Batch, AccountState? NewAccount = null);

/// <summary>
/// What a command decided against its partition's account: refuse, write, or fall back. <see cref="NewAccount"/>
/// is null when the account document does not change. <see cref="FallsBack"/> means this path cannot decide
/// the command (it writes nothing, its claim is not written) and the caller takes its general path instead.
/// </summary>
internal readonly record struct CommandDecision<T>(AccountState? NewAccount, IReadOnlyList<DocumentWrite> Writes, Result<T> Outcome)
{
    public IReadOnlyList<OtherPartitionWrite> OtherWrites { get; init; } = [];

    public bool FallsBack { get; init; }

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

    /// <summary>Writes nothing and hands the command back to its caller's general path (see <see cref="PartitionCommand.FellBack"/>).</summary>
    public static CommandDecision<T> FallBack() => new(null, Array.Empty<DocumentWrite>(), Result<T>.Failure(PartitionCommand.FellBackError)) { FallsBack = true };
}

/// <summary>What one decision of a command asks the pipeline to do.</summary>
internal readonly record struct DecidedCommand(bool Refused, bool FallsBack, AccountState? NewAccount, IReadOnlyList<DocumentWrite> Writes, IReadOnlyList<OtherPartitionWrite> OtherWrites);

/// <summary>
/// One unit of work on one partition. The pipeline runs <see cref="Decide"/> against the current account
/// state (null when there is no account document), commits the writes of several commands in one
/// atomic batch, and completes each command with its outcome once the batch is durable.
/// </summary>
internal abstract class PartitionCommand
{
    /// <summary>The outcome a command that <see cref="FellBack"/> completes with; its caller never answers it.</summary>
    internal static readonly LedgerError FellBackError = new(ErrorCodes.Contention, "The command was handed back to its caller's general path.");

    /// <summary>
    /// The idempotency claim that rides in the same store commit as whatever this command decides (its
    /// effect, its recorded refusal, or nothing but the claim), so a key and its effect cost one durable
    /// commit. Only set on a store that commits across partitions; null otherwise.
    /// </summary>
    public PartitionBatch? Claim { get; init; }

    /// <summary>
    /// True once the pipeline handed the command back undecided: it chose to fall back, or its claim or one
    /// of its writes failed a precondition, which on the claim path means the key was used before (or a
    /// snapshot it decided on moved). Nothing of it was written; the caller takes its general path.
    /// </summary>
    public bool FellBack { get; private set; }

    /// <summary>True when it fell back only because an account it wrote in another partition had moved: deciding again may well succeed.</summary>
    public bool MayRetry { get; private set; }

    /// <summary>True for commands that read further documents first: they run alone in their batch, so what they read cannot change under them.</summary>
    public abstract bool NeedsPreparation { get; }

    public abstract ValueTask PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Decides against <paramref name="account"/>: what it writes here and elsewhere, or that it refuses or falls back.</summary>
    public abstract DecidedCommand Decide(AccountState? account, DateTimeOffset now);

    /// <summary>Completes with the last decision's outcome; called only once that decision is durable (or wrote nothing).</summary>
    public abstract void CompleteWithDecision();

    /// <summary>One of this command's own writes failed: find out what happened (a replay, usually) and complete.</summary>
    public abstract ValueTask ResolveOwnWriteFailureAsync(BatchOutcome outcome, int writeIndex, CancellationToken cancellationToken);

    public abstract void Fail(Exception exception);

    public abstract void Refuse(LedgerError error);

    /// <summary>Hands the command back to its caller undecided (see <see cref="FellBack"/>); never does I/O.</summary>
    public void FallBack(bool mayRetry = false)
    {
        FellBack = true;
        MayRetry = mayRetry;
        Refuse(FellBackError);
    }
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

    public override DecidedCommand Decide(AccountState? account, DateTimeOffset now)
    {
        _lastDecision = _decide(account, now);

        // A refusal that records itself writes like any other decision; only a refusal without writes
        // skips the batch.
        var refused = !_lastDecision.Outcome.IsSuccess && _lastDecision.Writes.Count == 0 && !_lastDecision.FallsBack;
        return new DecidedCommand(refused, _lastDecision.FallsBack, _lastDecision.NewAccount, _lastDecision.Writes, _lastDecision.OtherWrites);
    }

    public override void CompleteWithDecision()
    {
        if (_lastDecision.FallsBack)
        {
            FallBack();
            return;
        }

        _completion.TrySetResult(_lastDecision.Outcome);
    }

    public override async ValueTask ResolveOwnWriteFailureAsync(BatchOutcome outcome, int writeIndex, CancellationToken cancellationToken)
    {
        if (Claim is not null)
        {
            // On the claim path nothing proves this request owns its key yet (a request with another
            // body may have used it): the caller's general path claims first and then decides.
            FallBack();
            return;
        }

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
