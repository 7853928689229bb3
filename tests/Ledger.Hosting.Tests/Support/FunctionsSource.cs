using System.Reflection;
using System.Text.RegularExpressions;
using Ledger.Http;

namespace Ledger.Hosting.Tests.Support;

/// <summary>One HTTP function of the Functions app, as its source declares it.</summary>
internal sealed record HttpFunctionDeclaration(
    string Name,
    string AuthorizationLevel,
    string Method,
    string RouteConstant,
    string? Template,
    string Signature,
    string Body)
{
    public override string ToString() => $"[Function(\"{Name}\")] {Method} {RouteConstant} = '{Template}'";
}

/// <summary>
/// Reads the Functions app's HTTP functions from <c>functions/Ledger.Functions/LedgerHttpFunctions.cs</c>: the
/// project does not build here (its packages do not restore), so its declarations are parsed, and every
/// route constant is resolved to its value through <see cref="LedgerRoutes"/>, which does build.
/// </summary>
internal static partial class FunctionsSource
{
    public const string HttpFunctionsFile = "functions/Ledger.Functions/LedgerHttpFunctions.cs";
    public const string OrchestrationFile = "functions/Ledger.Functions/TransferOrchestration.cs";
    public const string ProgramFile = "functions/Ledger.Functions/Program.cs";
    public const string FunctionsDirectory = "functions/Ledger.Functions";

    private static readonly Lazy<IReadOnlyList<HttpFunctionDeclaration>> Parsed = new(() => ParseHttpFunctions(RepositoryFiles.Read(HttpFunctionsFile)));

    public static IReadOnlyList<HttpFunctionDeclaration> HttpFunctions => Parsed.Value;

    /// <summary>The public string constants of <see cref="LedgerRoutes"/>: the templates both hosts use.</summary>
    public static IReadOnlyDictionary<string, string> RouteConstants { get; } = typeof(LedgerRoutes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .ToDictionary(field => field.Name, field => (string)field.GetRawConstantValue()!, StringComparer.Ordinal);

    /// <summary>The names a template binds, <c>{account_id}</c> → <c>account_id</c>.</summary>
    public static IReadOnlyList<string> TemplateParameters(string template)
        => [.. TemplateParameter().Matches(template).Select(match => match.Groups["name"].Value)];

    /// <summary>The declarations, each from its <c>[Function("...")]</c> to the next one (or to the private helpers).</summary>
    public static IReadOnlyList<HttpFunctionDeclaration> ParseHttpFunctions(string source)
    {
        var helpers = source.IndexOf("private Task<IResult> Handle(", StringComparison.Ordinal);
        var end = helpers < 0 ? source.Length : helpers;
        var attributes = FunctionAttribute().Matches(source).Where(match => match.Index < end).ToArray();
        var functions = new List<HttpFunctionDeclaration>();
        for (var i = 0; i < attributes.Length; i++)
        {
            var start = attributes[i].Index;
            var stop = i + 1 < attributes.Length ? attributes[i + 1].Index : end;
            var text = source[start..stop];
            var name = attributes[i].Groups["name"].Value;

            var triggers = HttpTrigger().Matches(text);
            Assert.True(triggers.Count == 1, $"Function '{name}' should have exactly one [HttpTrigger(AuthorizationLevel.X, \"method\", Route = LedgerRoutes.Y)]; found {triggers.Count} in:\n{text}");
            var trigger = triggers[0];
            var arrow = text.IndexOf("=>", StringComparison.Ordinal);
            Assert.True(arrow > 0, $"Function '{name}' should be an expression-bodied call of the shared handler:\n{text}");
            var semicolon = text.IndexOf(';', arrow);
            Assert.True(semicolon > arrow, $"Function '{name}' has no end to its body:\n{text}");

            var constant = trigger.Groups["route"].Value;
            functions.Add(new HttpFunctionDeclaration(
                name,
                trigger.Groups["level"].Value,
                trigger.Groups["method"].Value,
                constant,
                RouteConstants.TryGetValue(constant, out var template) ? template : null,
                text[..arrow],
                text[(arrow + 2)..semicolon].Trim()));
        }

        return functions;
    }

    /// <summary>The route values a function body forwards: <c>("account_id", account_id)</c> → (account_id, account_id).</summary>
    public static IReadOnlyList<(string Name, string Argument)> ForwardedRouteValues(string body)
        => [.. RouteValueArgument().Matches(body).Select(match => (match.Groups["name"].Value, match.Groups["argument"].Value))];

    [GeneratedRegex(@"\[Function\(""(?<name>[^""]+)""\)\]")]
    public static partial Regex FunctionAttribute();

    [GeneratedRegex(@"\[HttpTrigger\(\s*AuthorizationLevel\.(?<level>\w+)\s*,\s*""(?<method>[A-Za-z]+)""\s*,\s*Route\s*=\s*LedgerRoutes\.(?<route>\w+)\s*\)\]")]
    public static partial Regex HttpTrigger();

    /// <summary>A body that only calls the shared handler: <c>Handle(request, "Name", ...)</c> or <c>HandleWithDurableSagas(request, durableClient, "Name", ...)</c>.</summary>
    [GeneratedRegex(@"^(?<helper>Handle|HandleWithDurableSagas)\(\s*request\s*,\s*(?:durableClient\s*,\s*)?""(?<route>[^""]+)""(?<rest>.*)\)$", RegexOptions.Singleline)]
    public static partial Regex SharedHandlerCall();

    [GeneratedRegex(@"\(\s*""(?<name>\w+)""\s*,\s*(?<argument>\w+)\s*\)")]
    private static partial Regex RouteValueArgument();

    [GeneratedRegex(@"\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex TemplateParameter();
}
