using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Host.Tests.OpenApi;

namespace Ledger.Host.Tests.Docs;

/// <summary>What one example printed when it ran, and the exit status of the first of its commands that failed (0 when none did).</summary>
public sealed record ExampleRun(DocExample Example, int ExitCode, string Output);

/// <summary>
/// Runs a document's examples the way a reader would: top to bottom, in one bash session (so a variable
/// an example sets is there for the next), against a host on an empty data directory. The one change made
/// to the text is the address: the documented <c>http://localhost:5080</c> becomes the test host's.
/// </summary>
public static class DocsReplay
{
    public const string DocumentedAddress = "localhost:5080";

    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs the examples. Each one's <c>curl</c> is given <c>-sS</c> (no progress meter, errors shown),
    /// plus <c>-i</c> where the document shows the HTTP answer, and <paramref name="extraCurlOptions"/>.
    /// </summary>
    public static async Task<IReadOnlyList<ExampleRun>> RunAsync(IReadOnlyList<DocExample> examples, Uri host, string workingDirectory, string extraCurlOptions = "")
    {
        // Every command of an example must succeed, not only its last one: a failure anywhere (in a pipeline
        // too) is remembered by the ERR trap and reported as the example's status.
        var script = new StringBuilder("set -o pipefail\n");
        for (var index = 0; index < examples.Count; index++)
        {
            var example = examples[index];
            var options = (example.AnswerKind == "http" ? "-sS -i " : "-sS ") + extraCurlOptions;
            script.Append("curl() { command curl ").Append(options).Append(" \"$@\"; }\n");
            script.Append("failed=0; trap 'failed=$?' ERR; echo '@@@ ").Append(index).Append(" begin'\n");
            script.Append(example.Commands.Replace("http://" + DocumentedAddress, host.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
                .Replace(DocumentedAddress, host.Authority, StringComparison.Ordinal));
            script.Append("status=$failed; trap - ERR; echo; echo \"@@@ ").Append(index).Append(" end $status\"\n");
        }

        var file = Path.Combine(workingDirectory, "examples.sh");
        await File.WriteAllTextAsync(file, script.ToString());
        var (_, output) = await ExternalTools.RunAsync("bash", [file], RunBound, workingDirectory);
        return examples.Select((example, index) => Cut(output, example, index)).ToArray();
    }

    /// <summary>Where the run differs from what the document shows: status, the body's shape and code, the headers shown.</summary>
    public static IEnumerable<string> Differences(ExampleRun run)
    {
        if (run.ExitCode != 0)
        {
            return [$"exited with {run.ExitCode}: {run.Output}"];
        }

        return run.Example.AnswerKind switch
        {
            "http" => HttpDifferences(HttpAnswer.Parse(run.Example.Answer!), run.Output),
            "json" => BodyDifferences(run.Example.Answer!, run.Output),
            _ => [],
        };
    }

    private static IEnumerable<string> HttpDifferences(HttpAnswer expected, string output)
    {
        if (!output.TrimStart().StartsWith("HTTP/", StringComparison.Ordinal))
        {
            return [$"no HTTP answer: {output}"];
        }

        var actual = HttpAnswer.Parse(output);
        if (actual.Status != expected.Status)
        {
            return [$"expected {expected.Status}, got {actual.Status}: {actual.Body}"];
        }

        var missingHeaders = expected.Headers.Keys.Where(name => name is "Location" or "Allow" or "Retry-After" && !actual.Headers.ContainsKey(name)).Select(name => $"header {name} missing");
        return missingHeaders.Concat(expected.Body.StartsWith('{') || expected.Body.StartsWith('[') ? BodyDifferences(expected.Body, actual.Body) : []);
    }

    private static IEnumerable<string> BodyDifferences(string expected, string actual)
    {
        JsonElement actualJson;
        try
        {
            actualJson = JsonDocument.Parse(actual).RootElement.Clone();
        }
        catch (JsonException)
        {
            return [$"expected JSON, got: {actual}"];
        }

        return JsonShape.Differences(JsonDocument.Parse(expected).RootElement.Clone(), actualJson).Select(difference => difference + " in " + actual);
    }

    private static ExampleRun Cut(string output, DocExample example, int index)
    {
        var begin = output.IndexOf($"@@@ {index} begin\n", StringComparison.Ordinal);
        var endMarker = $"@@@ {index} end ";
        var end = output.IndexOf(endMarker, StringComparison.Ordinal);
        if (begin < 0 || end < 0)
        {
            return new ExampleRun(example, -1, "did not run; the session printed:\n" + output[Math.Max(0, output.Length - 2000)..]);
        }

        var text = output[(begin + $"@@@ {index} begin\n".Length)..end];
        var statusText = output[(end + endMarker.Length)..].Split('\n')[0];
        return new ExampleRun(example, int.Parse(statusText, CultureInfo.InvariantCulture), text.TrimEnd('\n'));
    }
}
