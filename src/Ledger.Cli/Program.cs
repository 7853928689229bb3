namespace Ledger.Cli;

/// <summary>The <c>ledger</c> process: runs the command line against the console and exits with its code.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => LedgerCli.RunAsync(args, CliContext.FromProcess());
}
