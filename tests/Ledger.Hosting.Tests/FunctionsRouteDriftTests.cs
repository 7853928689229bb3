using System.Text.RegularExpressions;
using Ledger.Hosting.Tests.Support;
using Ledger.Http;

namespace Ledger.Hosting.Tests;

/// <summary>
/// The two hosts serve one API: the local host maps <see cref="LedgerRoutes.All"/> in a loop, and the
/// Functions app declares one HTTP function per route by hand. These tests read the Functions source (it
/// does not build here) and fail as soon as a route is added, renamed, re-templated or re-authorized on
/// one side only.
/// </summary>
public sealed partial class FunctionsRouteDriftTests
{
    private const string LocalHostFile = "src/Ledger.Host/LocalHost.cs";
    private const string LocalProgramFile = "src/Ledger.Host/Program.cs";

    public static TheoryData<string> RouteNames() => [.. LedgerRoutes.All.Select(route => route.Name)];

    [Fact]
    public void The_functions_file_declares_only_http_functions_that_the_parser_understood()
    {
        var source = RepositoryFiles.Read(FunctionsSource.HttpFunctionsFile);
        var parsed = FunctionsSource.HttpFunctions;

        // Every [Function] and every [HttpTrigger] in the file was read: a declaration the regexes miss
        // (another spelling, a second trigger) would otherwise escape every check below.
        Assert.Equal(FunctionsSource.FunctionAttribute().Count(source), parsed.Count);
        Assert.Equal(Regex.Count(source, @"\[HttpTrigger\("), parsed.Count);
        Assert.All(parsed, function => Assert.True(
            function.Template is not null,
            $"{function}: LedgerRoutes.{function.RouteConstant} is not a public string constant of {nameof(LedgerRoutes)}."));
    }

    [Fact]
    public void Http_functions_and_routes_are_a_bijection_by_name()
    {
        var functions = FunctionsSource.HttpFunctions;
        var duplicateFunctions = functions.GroupBy(function => function.Name, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();
        Assert.True(duplicateFunctions.Length == 0, "Functions declared twice: " + string.Join(", ", duplicateFunctions));

        var routeNames = LedgerRoutes.All.Select(route => route.Name).ToHashSet(StringComparer.Ordinal);
        var functionNames = functions.Select(function => function.Name).ToHashSet(StringComparer.Ordinal);
        var withoutFunction = routeNames.Except(functionNames).Order(StringComparer.Ordinal).ToArray();
        var withoutRoute = functionNames.Except(routeNames).Order(StringComparer.Ordinal).ToArray();
        Assert.True(withoutFunction.Length == 0, "Routes with no HTTP function in the Functions app: " + string.Join(", ", withoutFunction));
        Assert.True(withoutRoute.Length == 0, "HTTP functions with no route in LedgerRoutes.All: " + string.Join(", ", withoutRoute));
        Assert.Equal(LedgerRoutes.All.Count, functions.Count);
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public void Each_route_has_one_function_with_its_method_template_and_authorization(string name)
    {
        var route = LedgerRoutes.Named(name);
        var function = Assert.Single(FunctionsSource.HttpFunctions, candidate => candidate.Name == name);

        Assert.True(
            string.Equals(route.Method, function.Method, StringComparison.OrdinalIgnoreCase),
            $"{name}: the route is {route.Method}, the function triggers on \"{function.Method}\".");
        Assert.True(
            route.Template == function.Template,
            $"{name}: the route's template is '{route.Template}', the function's is LedgerRoutes.{function.RouteConstant} = '{function.Template}'.");

        // Anonymous routes (health, ping) are for probes without keys: a function key
        // on them would break the probes; every other route needs both the function key and the app key.
        var expectedLevel = route.Anonymous ? "Anonymous" : "Function";
        Assert.True(
            expectedLevel == function.AuthorizationLevel,
            $"{name}: Anonymous = {route.Anonymous}, so AuthorizationLevel.{expectedLevel} is expected, not AuthorizationLevel.{function.AuthorizationLevel}.");
    }

    [Theory]
    [MemberData(nameof(RouteNames))]
    public void Each_function_only_hands_its_own_route_and_route_values_to_the_shared_handler(string name)
    {
        var route = LedgerRoutes.Named(name);
        var function = Assert.Single(FunctionsSource.HttpFunctions, candidate => candidate.Name == name);

        var call = FunctionsSource.SharedHandlerCall().Match(function.Body);
        Assert.True(call.Success, $"{name}: the body should be only Handle(request, \"{name}\", ...) or HandleWithDurableSagas(request, durableClient, \"{name}\", ...), not: {function.Body}");
        Assert.Equal(name, call.Groups["route"].Value);
        Assert.Matches(@"\bHttpRequest\s+request\b", function.Signature);

        // Functions binds each {parameter} of the template to the method parameter of that name; the
        // function must pass every one of them on, and nothing else, or the handler reads an empty value.
        var expected = FunctionsSource.TemplateParameters(route.Template).Order(StringComparer.Ordinal).ToArray();
        var forwarded = FunctionsSource.ForwardedRouteValues(call.Groups["rest"].Value);
        Assert.All(forwarded, value => Assert.Equal(value.Name, value.Argument));
        Assert.Equal(expected, forwarded.Select(value => value.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.All(expected, parameter => Assert.Matches($@"\bstring\s+{parameter}\b", function.Signature));

        if (call.Groups["helper"].Value == "HandleWithDurableSagas")
        {
            Assert.Matches(@"\[DurableClient\]\s*DurableTaskClient\s+durableClient\b", function.Signature);
        }
    }

    [Fact]
    public void The_shared_handler_helpers_set_the_route_values_and_call_LedgerApi_with_the_named_route()
    {
        var source = RepositoryFiles.Read(FunctionsSource.HttpFunctionsFile);
        Assert.Contains("request.RouteValues[name] = value;", source, StringComparison.Ordinal);
        Assert.Contains("api.HandleAsync(LedgerRoutes.Named(routeName), request.HttpContext)", source, StringComparison.Ordinal);
        Assert.Contains("request.HttpContext.Items[LedgerApi.SagaDriverItem] = new DurableTransferSagaDriver(", source, StringComparison.Ordinal);
    }

    [Fact]
    public void No_function_parses_a_request_itself()
    {
        string[] parsing = ["RequestBody.", "JsonDocument", "ReadFromJsonAsync", "ReadAsStringAsync", "Request.Body", "Request.Query", "Request.Form"];
        var files = Directory.GetFiles(RepositoryFiles.PathOf(FunctionsSource.FunctionsDirectory), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.Contains(files, path => path.EndsWith("LedgerHttpFunctions.cs", StringComparison.Ordinal));
        foreach (var path in files)
        {
            var text = File.ReadAllText(path);
            foreach (var forbidden in parsing)
            {
                Assert.False(text.Contains(forbidden, StringComparison.Ordinal), $"{Path.GetFileName(path)} uses {forbidden}: request parsing belongs in Ledger.Http, shared by both hosts.");
            }
        }
    }

    /// <summary>
    /// A route whose handler runs a saga reads its driver from the request; in Azure that must be the
    /// Durable driver, or the saga runs in the function's process and is lost when the instance recycles.
    /// </summary>
    [Fact]
    public void Exactly_the_routes_whose_handlers_drive_sagas_use_the_durable_driver()
    {
        var handlers = RouteHandlers();
        Assert.Equal(LedgerRoutes.All.Count, handlers.Count);
        var sagaHandlers = HandlerMethodsDrivingSagas();
        Assert.NotEmpty(sagaHandlers);

        var sagaRoutes = handlers.Where(pair => sagaHandlers.Contains(pair.Value)).Select(pair => pair.Key).Order(StringComparer.Ordinal).ToArray();
        var durableFunctions = FunctionsSource.HttpFunctions
            .Where(function => function.Body.StartsWith("HandleWithDurableSagas(", StringComparison.Ordinal))
            .Select(function => function.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(["CaptureHold", "RefundTransfer", "StartTransfer"], sagaRoutes);
        Assert.Equal(sagaRoutes, durableFunctions);
    }

    [Fact]
    public void The_local_host_maps_every_route_of_the_table_once_in_one_loop()
    {
        var source = RepositoryFiles.Read(LocalHostFile);
        var loop = LocalMappingLoop().Match(source);
        Assert.True(loop.Success, "LocalHost.MapLedgerRoutes should map every route with foreach (var route in LedgerRoutes.All) { endpoints.MapMethods(\"/\" + route.Template, [route.Method], ... api.HandleAsync(route, context)).WithMetadata(route).WithContract(route); } (WithContract names the endpoint and gives it its OpenAPI contract)");

        // One mapping call in the file, the loop's, so no route is mapped a second time by hand.
        Assert.Equal(1, Regex.Count(source, @"\.Map(Get|Post|Put|Patch|Delete|Methods)\("));
        var program = RepositoryFiles.Read(LocalProgramFile);
        Assert.Equal(1, Regex.Count(program, @"\.MapLedgerRoutes\(\)"));
        Assert.Equal(0, Regex.Count(program, @"\.Map(Get|Post|Put|Patch|Delete|Methods)\("));

        // ...and mapping each entry once maps each route once: names and (method, template) are unique.
        var names = LedgerRoutes.All.Select(route => route.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        var endpoints = LedgerRoutes.All.Select(route => route.Method.ToUpperInvariant() + " /" + route.Template).ToArray();
        Assert.Equal(endpoints.Length, endpoints.Distinct(StringComparer.Ordinal).Count());
        Assert.All(LedgerRoutes.All, route => Assert.False(route.Template.StartsWith('/'), $"{route.Name}: templates carry no leading slash, as Functions routes do."));
    }

    [Fact]
    public void Every_route_constant_is_the_template_of_a_route()
    {
        var templates = LedgerRoutes.All.Select(route => route.Template).ToHashSet(StringComparer.Ordinal);
        var unused = FunctionsSource.RouteConstants.Where(pair => !templates.Contains(pair.Value)).Select(pair => pair.Key).ToArray();
        Assert.True(unused.Length == 0, "Route constants no route uses (a function could point at one): " + string.Join(", ", unused));
    }

    /// <summary>Route name → the LedgerApi method its table entry calls, read from the route table's sources.</summary>
    private static Dictionary<string, string> RouteHandlers()
    {
        var handlers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(RepositoryFiles.PathOf("src/Ledger.Http"), "LedgerRoutes*.cs"))
        {
            foreach (Match entry in RouteEntry().Matches(File.ReadAllText(path)))
            {
                handlers.Add(entry.Groups["name"].Value, entry.Groups["handler"].Value);
            }
        }

        return handlers;
    }

    /// <summary>The LedgerApi handlers whose body reads the request's saga driver.</summary>
    private static HashSet<string> HandlerMethodsDrivingSagas()
    {
        var driving = new HashSet<string>(StringComparer.Ordinal);
        var callSites = 0;
        var inHandlers = 0;
        foreach (var path in Directory.GetFiles(RepositoryFiles.PathOf("src/Ledger.Http"), "LedgerApi*.cs"))
        {
            var source = File.ReadAllText(path);
            callSites += Regex.Count(source, @"SagaDriverFor\(request\)");
            var members = MemberStart().Matches(source).Select(match => match.Index).Append(source.Length).ToArray();
            foreach (Match handler in HandlerDeclaration().Matches(source))
            {
                var end = members.First(index => index > handler.Index);
                var body = source[handler.Index..end];
                var calls = Regex.Count(body, @"SagaDriverFor\(request\)");
                inHandlers += calls;
                if (calls > 0)
                {
                    driving.Add(handler.Groups["method"].Value);
                }
            }
        }

        // Every use of the driver is inside a route handler, so none hides in a helper the parse cannot see.
        Assert.Equal(callSites, inHandlers);
        return driving;
    }

    [GeneratedRegex(@"foreach\s*\(\s*var\s+route\s+in\s+LedgerRoutes\.All\s*\)\s*\{\s*endpoints\.MapMethods\(\s*""/""\s*\+\s*route\.Template\s*,\s*\[\s*route\.Method\s*\]\s*,[^;]*api\.HandleAsync\(\s*route\s*,\s*context\s*\)\s*\)(?:\s*\.WithMetadata\(\s*route\s*\))?\s*\.WithContract\(\s*route\s*\)\s*;\s*\}")]
    private static partial Regex LocalMappingLoop();

    [GeneratedRegex(@"new\(\s*""(?<name>\w+)""\s*,\s*""(?<method>[A-Z]+)""\s*,\s*(?<template>\w+)\s*,\s*Scope:\s*(?:null|LedgerScopes\.\w+)\s*,\s*\(api,\s*request\)\s*=>\s*api\.(?<handler>\w+)\(request\)\s*\)")]
    private static partial Regex RouteEntry();

    [GeneratedRegex(@"^    internal\s+(?:async\s+)?Task<IResult>\s+(?<method>\w+)\(\s*ApiRequest\s+request\s*\)", RegexOptions.Multiline)]
    private static partial Regex HandlerDeclaration();

    [GeneratedRegex(@"^    (?:public|private|internal|protected)\s", RegexOptions.Multiline)]
    private static partial Regex MemberStart();
}
