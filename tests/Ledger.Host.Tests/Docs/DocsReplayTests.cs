using Ledger.Host.Tests.Infrastructure;
using Ledger.Host.Tests.OpenApi;

namespace Ledger.Host.Tests.Docs;

/// <summary>
/// The examples of docs/api.md and of the README's "Try it" run top to bottom on an empty data directory
/// against a real host process, and answer what the documents show: the same status, a body of the same
/// shape (same fields, same array lengths, same problem code) and the headers shown. Timestamps and other
/// values may differ; ids do not, since they derive from the app and the idempotency key.
/// </summary>
public sealed class DocsReplayTests
{
    [BashCurlFact]
    public async Task Every_example_of_the_API_reference_runs_in_document_order_and_answers_as_shown()
    {
        var examples = DocExamples.Read("docs/api.md");

        var differences = await ReplayAsync(examples, extraCurlOptions: string.Empty);

        Assert.True(examples.Count > 50, $"Only {examples.Count} examples found in docs/api.md.");
        Assert.True(differences.Count == 0, $"{differences.Count} of {examples.Count} examples differ from docs/api.md:\n\n" + string.Join("\n\n", differences));
    }

    [BashCurlFact]
    public async Task Every_command_of_the_README_try_it_section_runs_in_order_and_succeeds()
    {
        var examples = DocExamples.Read("README.md", "## Try it");

        // --fail-with-body: a 4xx or 5xx answer fails the command, and so the example.
        var differences = await ReplayAsync(examples, extraCurlOptions: "--fail-with-body");

        Assert.NotEmpty(examples);
        Assert.True(differences.Count == 0, "README examples that failed:\n\n" + string.Join("\n\n", differences));
    }

    private static async Task<List<string>> ReplayAsync(IReadOnlyList<DocExample> examples, string extraCurlOptions)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-docs-replay", Guid.NewGuid().ToString("N"));
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(data);
        try
        {
            await using var host = await HostProcess.StartAsync(data, HostProcess.FreePort());
            var runs = await DocsReplay.RunAsync(examples, host.BaseAddress, directory, extraCurlOptions);
            return runs.SelectMany(run => DocsReplay.Differences(run).Select(difference => $"{run.Example}\n  {difference}")).ToList();
        }
        finally
        {
            TemporaryDirectory.Delete(directory);
        }
    }
}

/// <summary>A test that runs documented shell commands: needs bash and curl (and jq, which the documents use); skipped, with the reason, without them.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BashCurlFactAttribute : FactAttribute
{
    public BashCurlFactAttribute()
    {
        if (ExternalTools.Find("bash") is null || ExternalTools.Find("curl") is null || ExternalTools.Find("jq") is null)
        {
            Skip = "bash, curl and jq are needed to run the documents' examples";
        }
    }
}
