using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ledger.Host.Tests.Docs;

/// <summary>
/// One runnable example of a Markdown document: a ```bash block and, when the next fenced block follows
/// it directly, the answer the document shows for it (```http: status line, headers and body; ```json: the
/// command's output).
/// </summary>
public sealed record DocExample(int Line, string Commands, string? AnswerKind, string? Answer)
{
    public override string ToString() => $"line {Line}: {Commands.Split('\n')[0]}";
}

/// <summary>Reads the examples of the repository's Markdown documents, in document order.</summary>
public static partial class DocExamples
{
    /// <summary>The repository's root, found from this source file's own path (the build knows it).</summary>
    public static string RepositoryRoot([CallerFilePath] string sourceFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sourceFile)!, "..", "..", ".."));

    public static IReadOnlyList<DocExample> Read(string relativePath, string? section = null)
    {
        var markdown = File.ReadAllText(Path.Combine(RepositoryRoot(), relativePath));
        var lines = markdown.Split('\n');
        var (first, last) = section is null ? (0, lines.Length) : SectionBounds(lines, section);
        var examples = new List<DocExample>();
        for (var index = first; index < last; index++)
        {
            if (lines[index].TrimEnd() != "```bash")
            {
                continue;
            }

            var (commands, end) = Fenced(lines, index);
            var next = end + 1;
            while (next < last && lines[next].Trim().Length == 0)
            {
                next++;
            }

            string? kind = null;
            string? answer = null;
            if (next < last && FenceOpening().Match(lines[next]) is { Success: true } opening && opening.Groups[1].Value is "http" or "json")
            {
                kind = opening.Groups[1].Value;
                (answer, _) = Fenced(lines, next);
            }

            examples.Add(new DocExample(index + 1, commands, kind, answer));
            index = end;
        }

        return examples;
    }

    /// <summary>The lines of the section whose heading is <paramref name="heading"/>, up to the next heading of the same or a higher level.</summary>
    private static (int First, int Last) SectionBounds(string[] lines, string heading)
    {
        var start = Array.FindIndex(lines, line => line.TrimEnd() == heading);
        Assert.True(start >= 0, $"No section '{heading}'.");
        var level = heading.TakeWhile(character => character == '#').Count();
        var fenced = false;
        for (var index = start + 1; index < lines.Length; index++)
        {
            // A '#' line inside a code block is a shell comment, not a heading.
            fenced ^= lines[index].StartsWith("```", StringComparison.Ordinal);
            var hashes = lines[index].TakeWhile(character => character == '#').Count();
            if (!fenced && hashes >= 1 && hashes <= level && lines[index].Length > hashes && lines[index][hashes] == ' ')
            {
                return (start + 1, index);
            }
        }

        return (start + 1, lines.Length);
    }

    private static (string Text, int End) Fenced(string[] lines, int opening)
    {
        var text = new StringBuilder();
        var index = opening + 1;
        for (; index < lines.Length && lines[index].TrimEnd() != "```"; index++)
        {
            text.Append(lines[index].TrimEnd('\r')).Append('\n');
        }

        return (text.ToString(), index);
    }

    [GeneratedRegex(@"^```([a-z]+)\s*$")]
    private static partial Regex FenceOpening();
}

/// <summary>An HTTP answer as curl -i prints it, or as a document shows it: status, headers, body.</summary>
public sealed partial record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public static HttpAnswer Parse(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart();
        var split = normalized.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? normalized : normalized[..split];
        var body = split < 0 ? string.Empty : normalized[(split + 2)..].Trim();
        var headLines = head.Split('\n');
        var status = StatusLine().Match(headLines[0]);
        Assert.True(status.Success, $"Not an HTTP status line: '{headLines[0]}'");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in headLines.Skip(1).Where(line => line.Contains(':', StringComparison.Ordinal)))
        {
            headers[line[..line.IndexOf(':', StringComparison.Ordinal)].Trim()] = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }

        return new HttpAnswer(int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), headers, body);
    }

    [GeneratedRegex(@"^HTTP/[0-9.]+ (\d{3})")]
    private static partial Regex StatusLine();
}

/// <summary>Compares the shape of two JSON values: the same kinds, the same property names, the same array lengths, the same problem code.</summary>
public static class JsonShape
{
    /// <summary>The string a document puts in an array it shortened (<c>"… 12 more …"</c>); such an array's length is not compared.</summary>
    private const string Elision = "…";

    public static IEnumerable<string> Differences(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (Kind(expected) != Kind(actual))
        {
            yield return $"{path}: expected {expected.ValueKind}, got {actual.ValueKind}";
            yield break;
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var difference in ObjectDifferences(expected, actual, path))
                {
                    yield return difference;
                }

                break;
            case JsonValueKind.Array:
                foreach (var difference in ArrayDifferences(expected, actual, path))
                {
                    yield return difference;
                }

                break;
        }
    }

    private static IEnumerable<string> ObjectDifferences(JsonElement expected, JsonElement actual, string path)
    {
        var expectedNames = expected.EnumerateObject().Select(property => property.Name).ToHashSet(StringComparer.Ordinal);
        var actualNames = actual.EnumerateObject().Select(property => property.Name).ToHashSet(StringComparer.Ordinal);
        if (!expectedNames.SetEquals(actualNames))
        {
            yield return $"{path}: expected properties [{string.Join(", ", expectedNames.Order(StringComparer.Ordinal))}], got [{string.Join(", ", actualNames.Order(StringComparer.Ordinal))}]";
            yield break;
        }

        if (expected.TryGetProperty("code", out var code) && expected.TryGetProperty("status", out _) && code.ValueKind == JsonValueKind.String
            && actual.GetProperty("code").ToString() != code.GetString())
        {
            yield return $"{path}.code: expected {code.GetString()}, got {actual.GetProperty("code")}";
        }

        foreach (var property in expected.EnumerateObject())
        {
            foreach (var difference in Differences(property.Value, actual.GetProperty(property.Name), path + "." + property.Name))
            {
                yield return difference;
            }
        }
    }

    private static IEnumerable<string> ArrayDifferences(JsonElement expected, JsonElement actual, string path)
    {
        var expectedItems = expected.EnumerateArray().ToArray();
        var actualItems = actual.EnumerateArray().ToArray();
        var shortened = expectedItems.Any(item => item.ValueKind == JsonValueKind.String && item.GetString()!.Contains(Elision, StringComparison.Ordinal));
        if (shortened)
        {
            yield break;
        }

        if (expectedItems.Length != actualItems.Length)
        {
            yield return $"{path}: expected {expectedItems.Length} items, got {actualItems.Length}";
            yield break;
        }

        for (var index = 0; index < expectedItems.Length; index++)
        {
            foreach (var difference in Differences(expectedItems[index], actualItems[index], $"{path}[{index}]"))
            {
                yield return difference;
            }
        }
    }

    /// <summary>The value's kind, true and false being one kind: a flag's value is not its shape.</summary>
    private static JsonValueKind Kind(JsonElement element) => element.ValueKind == JsonValueKind.False ? JsonValueKind.True : element.ValueKind;
}
