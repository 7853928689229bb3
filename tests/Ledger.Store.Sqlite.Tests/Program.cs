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

        await Console.Error.WriteLineAsync($"This assembly holds tests; run it with 'dotnet test'. As a process it only accepts '{CrashWriter.Command} <data directory>'.");
        return 2;
    }
}
