using System.Reflection;
using Ledger.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Ledger.Functions.Tests;

/// <summary>
/// The function declarations as the Functions host reads them (their attributes), checked against the
/// route table and the orchestration's activity names. Ledger.Hosting.Tests checks the same from the
/// source where the app does not build; these read the compiled attributes.
/// </summary>
public sealed class FunctionDeclarationTests
{
    private static readonly Type[] FunctionClasses = [typeof(LedgerHttpFunctions), typeof(TransferOrchestration), typeof(TransferRecoveryTimer)];

    public static TheoryData<string> RouteNames() => [.. LedgerRoutes.All.Select(route => route.Name)];

    [Theory]
    [MemberData(nameof(RouteNames))]
    public void Each_route_has_one_http_function_with_its_method_template_and_authorization(string name)
    {
        var route = LedgerRoutes.Named(name);
        var method = Assert.Single(HttpFunctions(), candidate => candidate.GetCustomAttribute<FunctionAttribute>()!.Name == name);
        var trigger = Assert.Single(method.GetParameters().Select(parameter => parameter.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>());

        Assert.Equal(route.Template, trigger.Route);
        Assert.Equal(route.Method, Assert.Single(trigger.Methods!), ignoreCase: true);
        Assert.Equal(route.Anonymous ? AuthorizationLevel.Anonymous : AuthorizationLevel.Function, trigger.AuthLevel);
        Assert.Equal(typeof(Task<Microsoft.AspNetCore.Http.IResult>), method.ReturnType);

        // Functions binds each {name} of the template to the string parameter of that name.
        var templateParameters = route.Template.Split('/').Where(segment => segment.StartsWith('{')).Select(segment => segment.Trim('{', '}')).Order(StringComparer.Ordinal);
        var stringParameters = method.GetParameters().Where(parameter => parameter.ParameterType == typeof(string)).Select(parameter => parameter.Name!).Order(StringComparer.Ordinal);
        Assert.Equal(templateParameters, stringParameters);
    }

    [Fact]
    public void There_are_as_many_http_functions_as_routes()
        => Assert.Equal(LedgerRoutes.All.Count, HttpFunctions().Count);

    [Fact]
    public void Function_names_are_unique_across_the_app()
    {
        var names = FunctionClasses.SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(method => method.GetCustomAttribute<FunctionAttribute>()?.Name)
            .OfType<string>()
            .ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void The_orchestrator_is_declared_under_the_name_the_driver_schedules()
    {
        var orchestrator = Assert.Single(
            typeof(TransferOrchestration).GetMethods(BindingFlags.Public | BindingFlags.Static),
            method => method.GetParameters().Any(parameter => parameter.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null));

        Assert.Equal(TransferOrchestration.OrchestratorName, orchestrator.GetCustomAttribute<FunctionAttribute>()!.Name);
        Assert.Equal(typeof(TaskOrchestrationContext), Assert.Single(orchestrator.GetParameters()).ParameterType);
    }

    /// <summary>Durable finds an activity by its function name: each name DurableTransferSteps calls must be a declared activity.</summary>
    [Fact]
    public void The_activities_the_orchestrator_calls_are_declared_under_those_names()
    {
        var called = typeof(DurableTransferSteps).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(SagaSteps().Length, called.Length);
        Assert.Equal(called, ActivityNames().Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Every_saga_step_has_one_activity()
        => Assert.Equal(SagaSteps().Length, ActivityNames().Distinct(StringComparer.Ordinal).Count());

    /// <summary>The saga's steps: the methods of <see cref="Ledger.Engine.ITransferSteps"/> (its clock is a property, not a step).</summary>
    private static MethodInfo[] SagaSteps()
        => [.. typeof(Ledger.Engine.ITransferSteps).GetMethods().Where(method => !method.IsSpecialName)];

    private static List<MethodInfo> HttpFunctions()
        => [.. typeof(LedgerHttpFunctions).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(method => method.GetCustomAttribute<FunctionAttribute>() is not null)];

    private static IEnumerable<string> ActivityNames()
        => typeof(TransferOrchestration).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(method => method.GetParameters().Any(parameter => parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null))
            .Select(method => method.GetCustomAttribute<FunctionAttribute>()!.Name);
}
