namespace Ledger.Cli;

/// <summary>
/// The process exit codes of <c>ledger</c>, stable so scripts can branch on them. The README lists them.
/// </summary>
public static class CliExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>Something the CLI did not expect (a bug, or an answer it could not read).</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong: unknown command or option, missing or malformed value, no URL.</summary>
    public const int Usage = 2;

    /// <summary>The ledger refused the request with a 4xx problem; its <c>code</c> is printed.</summary>
    public const int Refused = 3;

    /// <summary>The ledger could not be reached, timed out, or answered 5xx (retrying later may work).</summary>
    public const int Unavailable = 4;

    /// <summary><c>ledger verify</c> found at least one problem.</summary>
    public const int VerifyFoundProblems = 5;

    /// <summary>Interrupted (Ctrl+C), the shell's convention for SIGINT.</summary>
    public const int Interrupted = 130;
}
