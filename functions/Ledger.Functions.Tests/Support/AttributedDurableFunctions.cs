using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Moq;

namespace Ledger.Functions.Tests.Support;

/// <summary>
/// Registers a class's Durable functions with a <see cref="DurableTaskRegistry"/> the way the Functions host
/// finds them: every method with a <see cref="FunctionAttribute"/>, under that attribute's name, as an
/// orchestrator when a parameter is an <see cref="OrchestrationTriggerAttribute"/> and as an activity when one is
/// an <see cref="ActivityTriggerAttribute"/>. Nothing is registered by a name written here, so a function whose
/// name drifts from the one the orchestration calls fails the orchestration, as it would in Azure.
/// It also counts what the engine ran, so a test can see replay and retries happen.
/// </summary>
internal sealed class AttributedDurableFunctions
{
    private readonly ConcurrentDictionary<string, int> _episodes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ActivityRun> _activityRuns = new();
    private readonly ConcurrentDictionary<string, int> _replays = new(StringComparer.Ordinal);

    /// <param name="functions">The class whose [Function] methods are registered.</param>
    /// <param name="orchestratorInput">
    /// What an orchestrator's input is read as. A Functions orchestrator declares only its context and reads
    /// the input with <see cref="TaskOrchestrationContext.GetInput{T}"/>; the SDK's worker hands that call the
    /// input it deserialized as this type.
    /// </param>
    /// <param name="target">The instance non-static functions run on (the Functions host activates it with the app's services).</param>
    public AttributedDurableFunctions(Type functions, Type orchestratorInput, object target)
    {
        Orchestrators = Functions(functions, typeof(OrchestrationTriggerAttribute)).ToArray();
        Activities = Functions(functions, typeof(ActivityTriggerAttribute)).ToArray();
        OrchestratorInput = orchestratorInput;
        Target = target;
    }

    private IReadOnlyList<(string Name, MethodInfo Method)> Orchestrators { get; }

    private IReadOnlyList<(string Name, MethodInfo Method)> Activities { get; }

    /// <summary>Runs after each activity's function returned, before the engine records its result; a test uses it to hold a step.</summary>
    public Func<string, Task> AfterActivity { get; set; } = _ => Task.CompletedTask;

    private Type OrchestratorInput { get; }

    private object Target { get; }

    /// <summary>How many times the orchestrator ran (once per episode: every run replays the history from the start).</summary>
    public int EpisodesOf(string instanceId) => _episodes.GetValueOrDefault(instanceId);

    /// <summary>How many of those runs started as a replay of recorded history.</summary>
    public int ReplaysOf(string instanceId) => _replays.GetValueOrDefault(instanceId);

    /// <summary>The activity functions that ran for an orchestration instance, in the order they started.</summary>
    public IReadOnlyList<ActivityRun> RunsFor(string instanceId) => [.. _activityRuns.Where(run => run.InstanceId == instanceId).OrderBy(run => run.StartedAt)];

    public void AddTo(DurableTaskRegistry registry)
    {
        foreach (var (name, method) in Orchestrators)
        {
            registry.AddOrchestrator(name, () => new FunctionOrchestrator(this, method));
        }

        foreach (var (name, method) in Activities)
        {
            registry.AddActivity(name, _ => new FunctionActivity(this, name, method));
        }
    }

    private static IEnumerable<(string Name, MethodInfo Method)> Functions(Type functions, Type trigger)
        => functions.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(method => method.GetParameters().Any(parameter => parameter.IsDefined(trigger)))
            .Select(method => (method.GetCustomAttribute<FunctionAttribute>()?.Name
                ?? throw new InvalidOperationException($"{method.Name} has a {trigger.Name} but no [Function]."), method));

    private static async Task<object?> ResultOf(object? returned)
    {
        if (returned is not Task task)
        {
            return returned;
        }

        await task;
        return task.GetType().IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
    }

    private static Type OutputOf(MethodInfo method)
        => method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
            ? method.ReturnType.GetGenericArguments()[0]
            : typeof(object);

    /// <summary>An orchestrator function as the SDK's worker runs it: once per episode, its context replaying what is recorded.</summary>
    private sealed class FunctionOrchestrator(AttributedDurableFunctions functions, MethodInfo method) : ITaskOrchestrator
    {
        public Type InputType => functions.OrchestratorInput;

        public Type OutputType => OutputOf(method);

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            functions._episodes.AddOrUpdate(context.InstanceId, 1, (_, runs) => runs + 1);
            if (context.IsReplaying)
            {
                functions._replays.AddOrUpdate(context.InstanceId, 1, (_, runs) => runs + 1);
            }

            // Its only parameter is the context; the input is read from it.
            return ResultOf(method.Invoke(method.IsStatic ? null : functions.Target, [context]));
        }
    }

    /// <summary>An activity function as the Functions host calls it: the trigger's input, and a FunctionContext.</summary>
    private sealed class FunctionActivity(AttributedDurableFunctions functions, string name, MethodInfo method) : ITaskActivity
    {
        public Type InputType => method.GetParameters().Single(parameter => parameter.IsDefined(typeof(ActivityTriggerAttribute))).ParameterType;

        public Type OutputType => OutputOf(method);

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var run = new ActivityRun(context.InstanceId, name, DateTimeOffset.UtcNow);
            functions._activityRuns.Enqueue(run);
            var arguments = method.GetParameters().Select(parameter => parameter.ParameterType == typeof(FunctionContext)
                ? new Mock<FunctionContext>().Object
                : parameter.IsDefined(typeof(ActivityTriggerAttribute)) ? input : throw new InvalidOperationException($"{name} takes a {parameter.ParameterType.Name} the test host cannot bind."));
            object? result;
            try
            {
                result = await ResultOf(method.Invoke(method.IsStatic ? null : functions.Target, [.. arguments]));
            }
            catch (Exception exception)
            {
                run.Failure = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
                ExceptionDispatchInfo.Throw(run.Failure);
                throw;
            }

            await functions.AfterActivity(name);
            return result;
        }
    }
}

/// <summary>One run of an activity function: which instance, which activity, when it started, what it threw.</summary>
internal sealed record ActivityRun(string InstanceId, string Activity, DateTimeOffset StartedAt)
{
    public Exception? Failure { get; set; }
}
