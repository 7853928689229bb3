namespace Ledger.Store.Sqlite.Tests;

/// <summary>
/// The entry point of this assembly when the crash test starts it as a child process. The test runner
/// loads the assembly as a library and never calls it.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [CrashWriter.Command, var dataDirectory])
        {
            return await CrashWriter.WriteUntilKilledAsync(dataDirectory);
        }

        if (args is [PostingLoad.Command, var loadDirectory, var postings, var accounts, var concurrency, .. var mode] && mode is [] or ["atomic"])
        {
            return await PostingLoad.RunAsync(
                loadDirectory,
                int.Parse(postings, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(accounts, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(concurrency, System.Globalization.CultureInfo.InvariantCulture),
                atomic: mode is ["atomic"]);
        }

        await Console.Error.WriteLineAsync($"This assembly holds tests; run it with 'dotnet test'. As a process it only accepts '{CrashWriter.Command} <data directory>' or '{PostingLoad.Command} <data directory> <postings> <accounts> <concurrency> [atomic]'.");
        return 2;
    }
}
