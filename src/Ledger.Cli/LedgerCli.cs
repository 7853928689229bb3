using System.CommandLine;
using System.Net;
using System.Text.Json;
using Ledger.Cli.Commands;
using Ledger.Cli.Output;
using Ledger.Client;

namespace Ledger.Cli;

/// <summary>
/// The <c>ledger</c> command line: builds the command tree, runs one command line, and turns every way it
/// can end into one of the <see cref="CliExitCodes"/> with a message on standard error.
/// </summary>
public static class LedgerCli
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                context.Error.WriteLine($"error: {error.Message}");
            }

            context.Error.WriteLine("Run 'ledger --help' (or 'ledger <command> --help') for usage.");
            return CliExitCodes.Usage;
        }

        try
        {
            var invocation = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (Exception exception)
        {
            return Report(exception, parse.GetValue(CliOptions.Json), context, cancellationToken);
        }
    }

    /// <summary>The root command and every command under it, each wired to <paramref name="context"/>.</summary>
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("The credit ledger from a terminal: postings, transfers, holds, refunds, balances, history, reports and an audit, over the ledger's HTTP API.");
        foreach (var option in CliOptions.Global)
        {
            root.Options.Add(option);
        }

        foreach (var command in PostingCommands.Build(context)
            .Concat(TransferCommands.Build(context))
            .Concat(AccountCommands.Build(context))
            .Concat(ReportCommands.Build(context))
            .Append(VerifyCommand.Build(context)))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Wires <paramref name="command"/> to <paramref name="action"/>, which returns the exit code.</summary>
    internal static Command WithAction(this Command command, CliContext context, Func<CommandRun, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var run = new CommandRun(parse, context);
            return await action(run, cancellationToken);
        });
        return command;
    }

    /// <summary>Wires <paramref name="command"/> to an action that succeeds unless it throws.</summary>
    internal static Command WithAction(this Command command, CliContext context, Func<CommandRun, CancellationToken, Task> action)
        => command.WithAction(context, async (run, cancellationToken) =>
        {
            await action(run, cancellationToken);
            return CliExitCodes.Ok;
        });

    private static int Report(Exception exception, bool json, CliContext context, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case LedgerApiException refusal:
                if (json)
                {
                    CliJson.Write(context.Out, refusal.Problem);
                }

                context.Error.WriteLine($"error: {refusal.Code} (HTTP {(int)refusal.StatusCode}): {refusal.Detail ?? refusal.Problem.Title}");
                return IsUnavailable(refusal.StatusCode) ? CliExitCodes.Unavailable : CliExitCodes.Refused;
            case LedgerUnreachableException unreachable:
                context.Error.WriteLine($"error: {unreachable.Message}");
                if (unreachable.IdempotencyKey is { } key)
                {
                    context.Error.WriteLine($"Whether it took effect is unknown: re-run it with --key {key} to find out, safely.");
                }

                return CliExitCodes.Unavailable;
            case RefusedException refused:
                context.Error.WriteLine($"error: {refused.Code}: {refused.Message}");
                return CliExitCodes.Refused;
            case UsageException usage:
                context.Error.WriteLine($"error: {usage.Message}");
                return CliExitCodes.Usage;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                context.Error.WriteLine("Interrupted.");
                return CliExitCodes.Interrupted;
            case JsonException or IOException:
                context.Error.WriteLine($"error: {exception.Message}");
                return CliExitCodes.Failed;
            default:
                context.Error.WriteLine($"error: unexpected {exception.GetType().Name}: {exception.Message}");
                return CliExitCodes.Failed;
        }
    }

    /// <summary>A busy or failing ledger (408, 429, 5xx): the same command may work later, unlike a refusal.</summary>
    private static bool IsUnavailable(HttpStatusCode status) => (int)status is 408 or 429 or >= 500;
}
