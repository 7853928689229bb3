using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Ledger.Storage;

namespace Ledger.Store.Sqlite.Tests;

/// <summary>
/// Proves invariant 7 for real: a child process commits as fast as it can and prints each
/// acknowledged write; the parent kills it with SIGKILL mid-flight and then checks that every printed
/// write is in the file. Printing happens only after CommitAsync returns, so a printed write is one the
/// store acknowledged.
/// </summary>
internal static partial class CrashWriter
{
    public const string Command = "crash-writer";

    private const int ConcurrentWriters = 16;

    /// <summary>The child gives up on its own after this many commits, so a parent that dies cannot leave it running forever.</summary>
    private const int MaxCommitsPerWriter = 20_000;

    public static async Task<int> WriteUntilKilledAsync(string dataDirectory)
    {
        await using var store = new SqliteLedgerStore(new SqliteLedgerStoreOptions { DataDirectory = dataDirectory });
        var output = Console.Out;
        var writers = Enumerable.Range(0, ConcurrentWriters).Select(writer => Task.Run(async () =>
        {
            var partition = $"account-{writer:D2}";
            for (var number = 0; number < MaxCommitsPerWriter; number++)
            {
                var id = $"doc-{number:D5}";
                var result = await store.CommitAsync(
                    new PartitionBatch(partition, DocumentWrite.Create(id, "entry", Encoding.UTF8.GetBytes($"{partition}/{id}"), sortKey: number)),
                    CancellationToken.None);
                if (!result.IsCommitted)
                {
                    throw new InvalidOperationException($"{partition}/{id} failed with {result.Outcome}.");
                }

                await output.WriteLineAsync($"ack {partition} {id}");
            }
        })).ToArray();
        await Task.WhenAll(writers);
        return 0;
    }

    /// <summary>
    /// Starts the child, kills it once it has acknowledged enough writes (after <paramref name="whileWriting"/>,
    /// when given, has run against the live child), and returns every write it acknowledged, including those
    /// still in the pipe when it died.
    /// </summary>
    public static async Task<List<(string Partition, string Id)>> RunAndKillAsync(string dataDirectory, int acknowledgementsBeforeKill, TimeSpan timeout, Action? whileWriting = null)
    {
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(typeof(CrashWriter).Assembly.Location);
        startInfo.ArgumentList.Add(Command);
        startInfo.ArgumentList.Add(dataDirectory);

        using var child = Process.Start(startInfo) ?? throw new InvalidOperationException("The crash writer did not start.");
        using var deadline = new CancellationTokenSource(timeout);
        var errors = child.StandardError.ReadToEndAsync(deadline.Token);
        var acknowledged = new List<(string Partition, string Id)>();
        try
        {
            while (acknowledged.Count < acknowledgementsBeforeKill)
            {
                var line = await child.StandardOutput.ReadLineAsync(deadline.Token)
                    ?? throw new InvalidOperationException($"The crash writer exited early: {await errors}");
                acknowledged.Add(Parse(line));
            }

            whileWriting?.Invoke();
        }
        finally
        {
            // Kill sends SIGKILL: no finally blocks, no disposal, no flush in the child.
            child.Kill(entireProcessTree: true);
        }

        await child.WaitForExitAsync(deadline.Token);
        while (await child.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (TryParse(line) is { } write)
            {
                acknowledged.Add(write);
            }
        }

        return acknowledged;
    }

    private static (string Partition, string Id) Parse(string line)
        => TryParse(line) ?? throw new InvalidOperationException($"Unexpected crash writer output: '{line}'.");

    /// <summary>
    /// Accepts only complete acknowledgements: a line cut short by the kill would name a different
    /// document, so the id must have all its digits.
    /// </summary>
    private static (string Partition, string Id)? TryParse(string line)
        => AcknowledgementPattern().Match(line) is { Success: true } match ? (match.Groups[1].Value, match.Groups[2].Value) : null;

    [GeneratedRegex(@"^ack (account-\d{2}) (doc-\d{5})$")]
    private static partial Regex AcknowledgementPattern();
}
