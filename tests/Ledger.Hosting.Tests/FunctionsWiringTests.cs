using System.Text.RegularExpressions;
using Ledger.Engine;
using Ledger.Hosting.Tests.Support;

namespace Ledger.Hosting.Tests;

/// <summary>
/// The Functions app's orchestration and composition, read from source (the project does not build here):
/// the orchestrator runs the one saga definition, every step is an activity that runs the engine's step,
/// the activities it calls are the activities it declares, and the composition gives the functions what
/// they take.
/// </summary>
public sealed partial class FunctionsWiringTests
{
    private const string SagaFile = "src/Ledger.Engine/TransferSaga.cs";

    /// <summary>Each step of <see cref="ITransferSteps"/> → the activity constant the orchestrator calls for it, and the activity function that runs it.</summary>
    public static TheoryData<string, string, string> Steps() => new()
    {
        { nameof(ITransferSteps.ReadAsync), "ReadTransferActivity", "ReadTransfer" },
        { nameof(ITransferSteps.CreditDestinationAsync), "CreditDestinationActivity", "CreditDestination" },
        { nameof(ITransferSteps.CommitSourceAsync), "CommitSourceActivity", "CommitSource" },
        { nameof(ITransferSteps.VoidSourceAsync), "VoidSourceActivity", "VoidSource" },
        { nameof(ITransferSteps.ExpireHoldAsync), "ExpireHoldActivity", "ExpireHold" },
        { nameof(ITransferSteps.RefuseOverdueCreditAsync), "RefuseOverdueCreditActivity", "RefuseOverdueCredit" },
        { nameof(ITransferSteps.RecordFailureAsync), "RecordFailureActivity", "RecordFailure" },
    };

    [Fact]
    public void The_orchestrator_runs_the_saga_definition_with_durable_steps_and_its_input()
    {
        var source = RepositoryFiles.Read(FunctionsSource.OrchestrationFile);
        Assert.Matches(@"\[Function\(OrchestratorName\)\]\s*public\s+static\s+Task<TransferDocument\?>\s+\w+\(\s*\[OrchestrationTrigger\]\s*TaskOrchestrationContext\s+context\s*\)", source);
        Assert.Matches(@"=>\s*TransferSaga\.DriveAsync\(\s*new\s+DurableTransferSteps\(\s*context\s*\)\s*,\s*context\.GetInput<TransferKey>\(\)!?\s*,", source);
        Assert.Matches(@"ScheduleNewOrchestrationInstanceAsync\(\s*TransferOrchestration\.OrchestratorName\s*,", source);

        // The saga's order lives in TransferSaga only: the Functions app names no step outside the step class.
        Assert.Equal(1, Regex.Count(source, @"class\s+\w+\s*\([^)]*\)\s*:\s*ITransferSteps"));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void Each_durable_step_calls_its_activity_with_the_step_retry_and_each_activity_runs_the_engines_step(string step, string activityConstant, string activityFunction)
    {
        var source = RepositoryFiles.Read(FunctionsSource.OrchestrationFile);
        var durable = StepsClass(source);

        var call = Regex.Match(durable, $@"public\s+Task<[^>]+>\s+{step}\([^)]*\)\s*=>\s*context\.CallActivityAsync<[^>]+>\(\s*(?<activity>\w+)\s*,[^;]*TransferOrchestration\.StepRetry\s*\)\s*;");
        Assert.True(call.Success, $"DurableTransferSteps.{step} should be context.CallActivityAsync<T>({activityConstant}, ..., TransferOrchestration.StepRetry).");
        Assert.Equal(activityConstant, call.Groups["activity"].Value);

        var function = Regex.Match(source, $@"\[Function\((?<name>[^)]*\)?)\)\]\s*public\s+Task<[^>]+>\s+{activityFunction}\(\s*\[ActivityTrigger\][^)]*\)\s*=>\s*engine\.TransferSteps\.{step}\(");
        Assert.True(function.Success, $"The activity function {activityFunction} should be [Function(...)] with an [ActivityTrigger] input, running engine.TransferSteps.{step}.");
    }

    [Fact]
    public void The_orchestration_time_is_the_contexts_and_nothing_else_reads_a_clock()
    {
        var source = RepositoryFiles.Read(FunctionsSource.OrchestrationFile);
        Assert.Matches(@"public\s+DateTimeOffset\s+UtcNow\s*=>\s*new\(\s*context\.CurrentUtcDateTime\s*,\s*TimeSpan\.Zero\s*\)\s*;", StepsClass(source));

        string[] nondeterministic = ["DateTime.UtcNow", "DateTime.Now", "DateTimeOffset.UtcNow", "DateTimeOffset.Now", "GetUtcNow()", "Guid.NewGuid", "Task.Delay", "Task.Run", "Random"];
        foreach (var text in new[] { StepsClass(source), SagaDefinition() })
        {
            foreach (var api in nondeterministic)
            {
                Assert.DoesNotContain(api, text, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>An activity is found by its function name: the name the orchestrator calls must be the name a function declares.</summary>
    [Fact]
    public void The_activities_the_orchestrator_calls_are_the_activities_the_app_declares()
    {
        var source = RepositoryFiles.Read(FunctionsSource.OrchestrationFile);
        var constants = ActivityConstants(source);
        var called = Regex.Matches(StepsClass(source), @"CallActivityAsync<[^>]+>\(\s*(?<constant>\w+)\s*,")
            .Select(match => constants[match.Groups["constant"].Value])
            .Order(StringComparer.Ordinal)
            .ToArray();
        var declared = DeclaredActivityNames(source, constants).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(Steps().Count, called.Length);
        Assert.Equal(called, declared);
    }

    [Fact]
    public void Every_activity_is_declared_once_and_the_orchestrator_calls_each_once()
    {
        var source = RepositoryFiles.Read(FunctionsSource.OrchestrationFile);
        var constants = ActivityConstants(source);
        Assert.Equal(Steps().Count, constants.Count);
        Assert.Equal(constants.Count, constants.Values.Distinct(StringComparer.Ordinal).Count());

        var declared = DeclaredActivityNames(source, constants);
        Assert.Equal(Steps().Count, declared.Count);
        Assert.Equal(declared.Count, declared.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>
    /// <see cref="TransferSaga.DriveAsync"/> is the orchestrator's body in Azure. Durable Functions runs an
    /// orchestrator on one thread and documents that orchestrator code must not use ConfigureAwait(false)
    /// (durable-functions-code-constraints, "Threading APIs"): a continuation that leaves the orchestrator's
    /// thread can hang the orchestration in Running (Azure/AppConfiguration-DotnetProvider#484).
    /// </summary>
    [Fact]
    public void The_saga_definition_keeps_its_continuations_on_the_orchestrators_thread()
    {
        Assert.DoesNotContain("ConfigureAwait(false)", SagaDefinition(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The recovery timer hands every stalled transfer to the Durable driver. A transfer whose orchestration
    /// ended without finishing it (failed after its retries, terminated) can only be finished by a new one.
    /// </summary>
    [Fact]
    public void The_durable_driver_starts_a_new_orchestration_for_one_that_ended_without_finishing()
    {
        var source = RepositoryFiles.Read(FunctionsSource.OrchestrationFile);
        var start = source.IndexOf("class DurableTransferSagaDriver", StringComparison.Ordinal);
        Assert.True(start >= 0, "No DurableTransferSagaDriver.");
        var driver = source[start..source.IndexOf("\n}", start, StringComparison.Ordinal)];
        Assert.Matches(@"RuntimeStatus|IsCompleted|OrchestrationRuntimeStatus\.(Failed|Terminated)", driver);
    }

    [Fact]
    public void The_functions_composition_is_the_shared_one_without_the_in_process_saga_runner()
    {
        var program = RepositoryFiles.Read(FunctionsSource.ProgramFile);
        Assert.Contains(".AddLedger(builder.Configuration)", program, StringComparison.Ordinal);
        Assert.Contains(".ConfigureFunctionsWebApplication()", program, StringComparison.Ordinal);

        // Sagas run as orchestrations in Azure; the in-process runner would drive them a second time.
        Assert.DoesNotContain("AddTransferSagaRunner", program, StringComparison.Ordinal);
    }

    private static string StepsClass(string source)
    {
        var start = source.IndexOf("class DurableTransferSteps", StringComparison.Ordinal);
        Assert.True(start >= 0, "No class DurableTransferSteps.");
        var end = source.IndexOf("\n}", start, StringComparison.Ordinal);
        return source[start..end];
    }

    private static string SagaDefinition()
    {
        var source = RepositoryFiles.Read(SagaFile);
        var start = source.IndexOf("public static class TransferSaga", StringComparison.Ordinal);
        Assert.True(start >= 0, "No TransferSaga class.");
        var end = source.IndexOf("\n}", start, StringComparison.Ordinal);
        return source[start..end];
    }

    /// <summary>DurableTransferSteps' activity constants: name → value.</summary>
    private static Dictionary<string, string> ActivityConstants(string source)
        => Regex.Matches(StepsClass(source), @"public\s+const\s+string\s+(?<name>\w+)\s*=\s*""(?<value>[^""]+)""\s*;")
            .ToDictionary(match => match.Groups["name"].Value, match => match.Groups["value"].Value, StringComparer.Ordinal);

    /// <summary>
    /// The function names of the methods with an [ActivityTrigger] input, evaluated as C# does:
    /// <c>nameof(X.Y)</c> is "Y", a constant is its value, a literal is itself.
    /// </summary>
    private static List<string> DeclaredActivityNames(string source, IReadOnlyDictionary<string, string> constants)
    {
        var names = new List<string>();
        foreach (Match function in ActivityFunction().Matches(source))
        {
            var argument = function.Groups["argument"].Value.Trim();
            var nameOf = Regex.Match(argument, @"^nameof\((?:\w+\.)*(?<member>\w+)\)$");
            var literal = Regex.Match(argument, @"^""(?<value>[^""]*)""$");
            var constant = Regex.Match(argument, @"^(?:DurableTransferSteps\.)?(?<name>\w+)$");
            names.Add(
                nameOf.Success ? nameOf.Groups["member"].Value
                : literal.Success ? literal.Groups["value"].Value
                : constant.Success && constants.TryGetValue(constant.Groups["name"].Value, out var value) ? value
                : throw new InvalidOperationException($"Cannot evaluate the function name {argument}."));
        }

        return names;
    }

    [GeneratedRegex(@"\[Function\((?<argument>[^\]]*?)\)\]\s*public\s+Task<[^>]+>\s+\w+\(\s*\[ActivityTrigger\]")]
    private static partial Regex ActivityFunction();
}
