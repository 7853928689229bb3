using System.Text.Json;
using Ledger.Engine;

namespace Ledger.Hosting.Tests.Support;

/// <summary>
/// A saga driver that behaves as Durable Functions does, to test <see cref="TransferSaga"/> without its
/// packages. The orchestration runs in episodes. Each episode runs <see cref="TransferSaga.DriveAsync"/>
/// from the start; a step call whose index is already in the history is a replay and returns the recorded
/// (serialized, then deserialized) result without running anything; the first call that is not in the
/// history runs the real step once, records its result and ends the episode, as an orchestrator suspends
/// when it schedules an activity. <see cref="UtcNow"/> is the orchestration time: the time the episode
/// that first saw the last replayed result started, so replays decide exactly as the first run did.
/// </summary>
/// <remarks>
/// Durable's own checks are imitated: a replay that asks for another step than the one recorded at its
/// index fails as a non-deterministic orchestration. With <see cref="LoseCompletions"/> set, a step's
/// completion is lost after it ran (the worker died before the result was saved), so the same step runs
/// again in a later episode: at-least-once execution, which only idempotent steps survive.
/// </remarks>
internal sealed class ReplayingTransferSteps(ITransferSteps real, TimeProvider clock) : ITransferSteps
{
    public const string Read = nameof(Read);
    public const string CreditDestination = nameof(CreditDestination);
    public const string CommitSource = nameof(CommitSource);
    public const string VoidSource = nameof(VoidSource);
    public const string ExpireHold = nameof(ExpireHold);
    public const string RefuseOverdueCredit = nameof(RefuseOverdueCredit);
    public const string RecordFailure = nameof(RecordFailure);

    /// <summary>As the Durable worker's serializer: web defaults; the ledger's types name their JSON properties themselves.</summary>
    private static readonly JsonSerializerOptions Serializer = new(JsonSerializerDefaults.Web);

    private readonly List<RecordedStep> _history = [];
    private readonly List<string> _executions = [];
    private readonly Dictionary<int, int> _lost = [];
    private DateTimeOffset _firstEpisodeStart;
    private int _cursor;
    private TaskCompletionSource _episodeEnded = new();
    private int _episodes;

    /// <summary>How many times each step's completion is lost before one is recorded; 0 for none.</summary>
    public int LoseCompletions { get; init; }

    /// <summary>The orchestration's steps, in order, as its history records them.</summary>
    public IReadOnlyList<string> Steps => [.. _history.Select(step => step.Name)];

    /// <summary>Every real run of a step, in order, including the ones whose completion was lost.</summary>
    public IReadOnlyList<string> Executions => _executions;

    /// <summary>How many episodes ran, the last one the pure replay that completes the orchestration.</summary>
    public int Episodes => _episodes;

    /// <summary>How many step calls were answered from history instead of being run.</summary>
    public int Replays { get; private set; }

    public DateTimeOffset UtcNow => _cursor == 0 ? _firstEpisodeStart : _history[_cursor - 1].NextEpisodeStart;

    /// <summary>Runs episodes until the orchestration completes; <paramref name="betweenEpisodes"/> runs after each suspended one.</summary>
    public async Task<TransferDocument?> RunToCompletionAsync(TransferKey transfer, Action<int>? betweenEpisodes = null, int maxEpisodes = 100)
    {
        for (var episode = 0; episode < maxEpisodes; episode++)
        {
            _episodes++;
            _cursor = 0;
            if (episode == 0)
            {
                _firstEpisodeStart = clock.GetUtcNow();
            }
            else if (_history.Count > 0 && _history[^1].NextEpisodeStart == DateTimeOffset.MinValue)
            {
                // The episode that first sees a step's result starts now; replays keep this time for good.
                _history[^1] = _history[^1] with { NextEpisodeStart = clock.GetUtcNow() };
            }

            // An orchestrator suspends by awaiting a task that does not complete in this episode: nothing is
            // thrown into the saga, which the saga could mistake for a failed step. The abandoned drive is
            // dropped, as the worker drops the suspended episode, and the next episode replays from the start.
            _episodeEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var drive = TransferSaga.DriveAsync(this, transfer, CancellationToken.None);
            if (await Task.WhenAny(drive, _episodeEnded.Task) == drive)
            {
                return await drive;
            }

            betweenEpisodes?.Invoke(episode);
        }

        throw new InvalidOperationException($"The orchestration did not complete in {maxEpisodes} episodes; steps so far: {string.Join(", ", Steps)}.");
    }

    public Task<TransferDocument?> ReadAsync(TransferKey transfer, CancellationToken cancellationToken)
        => StepAsync(Read, () => real.ReadAsync(transfer, cancellationToken));

    public Task<CreditStepResult> CreditDestinationAsync(TransferKey transfer, CancellationToken cancellationToken)
        => StepAsync(CreditDestination, () => real.CreditDestinationAsync(transfer, cancellationToken));

    public Task<TransferDocument> CommitSourceAsync(TransferKey transfer, CancellationToken cancellationToken)
        => StepAsync(CommitSource, () => real.CommitSourceAsync(transfer, cancellationToken));

    public Task<TransferDocument> VoidSourceAsync(TransferKey transfer, VoidReason reason, CancellationToken cancellationToken)
        => StepAsync(VoidSource, () => real.VoidSourceAsync(transfer, reason, cancellationToken));

    public Task<TransferDocument> ExpireHoldAsync(TransferKey transfer, CancellationToken cancellationToken)
        => StepAsync(ExpireHold, () => real.ExpireHoldAsync(transfer, cancellationToken));

    public Task<CreditStepResult> RefuseOverdueCreditAsync(TransferKey transfer, CancellationToken cancellationToken)
        => StepAsync(RefuseOverdueCredit, () => real.RefuseOverdueCreditAsync(transfer, cancellationToken));

    public Task<TransferDocument> RecordFailureAsync(TransferKey transfer, SagaFailure failure, CancellationToken cancellationToken)
        => StepAsync(RecordFailure, () => real.RecordFailureAsync(transfer, failure, cancellationToken));

    private async Task<T> StepAsync<T>(string name, Func<Task<T>> run)
    {
        var index = _cursor++;
        if (index < _history.Count)
        {
            var recorded = _history[index];
            if (recorded.Name != name)
            {
                throw new NonDeterministicOrchestrationException(
                    $"Replay asked for {name} at step {index}, but the history recorded {recorded.Name} there (history: {string.Join(", ", Steps)}).");
            }

            Replays++;
            return JsonSerializer.Deserialize<T>(recorded.Json, Serializer)!;
        }

        // Not in the history: the activity is scheduled, runs once, and the orchestrator suspends.
        _executions.Add(name);
        var result = await run();
        var lost = _lost.GetValueOrDefault(index);
        if (lost < LoseCompletions)
        {
            _lost[index] = lost + 1;
            return await SuspendAsync<T>();
        }

        _history.Add(new RecordedStep(name, JsonSerializer.Serialize(result, Serializer), NextEpisodeStart: DateTimeOffset.MinValue));
        return await SuspendAsync<T>();
    }

    /// <summary>Ends the episode: the step's task never completes in it.</summary>
    private Task<T> SuspendAsync<T>()
    {
        _episodeEnded.TrySetResult();
        return new TaskCompletionSource<T>().Task;
    }

    /// <summary>A completed step in the history: its name, its serialized result, and when the episode that first saw it started.</summary>
    private sealed record RecordedStep(string Name, string Json, DateTimeOffset NextEpisodeStart);

}

/// <summary>What Durable Functions raises when a replay does not follow its history.</summary>
internal sealed class NonDeterministicOrchestrationException(string message) : Exception(message);
