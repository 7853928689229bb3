using System.Text.Json;

namespace Ledger.Cli.Tests.Infrastructure;

/// <summary>What one run of the CLI printed and how it exited.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>Standard output read as the JSON that --json prints.</summary>
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the CLI in-process, as the <c>ledger</c> executable would run, with captured output, the given
/// environment variables, a working directory of its own and requests going through <paramref name="handler"/>.
/// </summary>
public sealed class CliRunner(Func<HttpMessageHandler> handler, IReadOnlyDictionary<string, string?> environment)
{
    public string WorkingDirectory { get; } = Directory.CreateTempSubdirectory("ledger-cli-run-").FullName;

    /// <summary>Whether the CLI is told that standard error is a terminal (it then draws progress bars).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The same runner with some environment variables changed (null removes one).</summary>
    public CliRunner With(params (string Name, string? Value)[] variables)
    {
        var changed = new Dictionary<string, string?>(environment);
        foreach (var (name, value) in variables)
        {
            changed[name] = value;
        }

        return new CliRunner(handler, changed) { ErrorIsTerminal = ErrorIsTerminal };
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Environment = name => environment.GetValueOrDefault(name),
            WorkingDirectory = WorkingDirectory,
            ErrorIsTerminal = ErrorIsTerminal,
            Handler = handler,
        };
        var exitCode = await LedgerCli.RunAsync(args, context);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs a command that must succeed, and returns its output.</summary>
    public async Task<CliResult> SucceedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == CliExitCodes.Ok, $"ledger {string.Join(' ', args)} failed:\n{result}");
        return result;
    }
}
