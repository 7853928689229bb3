namespace Ledger.Cli;

/// <summary>
/// What a run of the CLI reads from and writes to outside its arguments: the two output streams, the
/// environment variables, whether standard error is a terminal (for the progress bar), the current
/// directory (where downloads land) and, for tests, the HTTP handler that reaches the ledger.
/// </summary>
public sealed record CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Reads an environment variable; null when it is not set.</summary>
    public required Func<string, string?> Environment { get; init; }

    /// <summary>Whether standard error is an interactive terminal: only then is a progress bar drawn.</summary>
    public bool ErrorIsTerminal { get; init; }

    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Makes the handler requests go through (tests reach an in-process host); null uses a real network connection.</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }

    /// <summary>The context of the running process: the console, its environment and its terminal.</summary>
    public static CliContext FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Environment = System.Environment.GetEnvironmentVariable,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
