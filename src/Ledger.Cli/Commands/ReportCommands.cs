using System.CommandLine;
using System.Globalization;
using Ledger.Cli.Output;
using Ledger.Client;

namespace Ledger.Cli.Commands;

/// <summary><c>summary</c>, <c>export</c> and <c>consumers</c>: the reports the ledger's projections serve.</summary>
internal static class ReportCommands
{
    public static IEnumerable<Command> Build(CliContext context) => [Summary(context), ExportCommand.Build(context), Consumers(context)];

    private static Command Summary(CliContext context)
    {
        var account = new Argument<string>("account") { Description = "The account" };
        var from = CliOptions.Instant("--from", "Start of the period, included (the first entry when left out)");
        var to = CliOptions.Instant("--to", "End of the period, excluded (now when left out)");
        var command = new Command("summary", "Credits, debits and net of an account over a period, by operation, reason and category") { account, from, to };
        return command.WithAction(context, async (run, cancellationToken) =>
            run.Print(await run.Client.GetAccountSummaryAsync(run.Value(account), run.Value(from), run.Value(to), cancellationToken), WriteSummary));
    }

    private static void WriteSummary(TextWriter writer, AccountSummary summary)
    {
        TextTable.WriteDetails(writer,
        [
            ("account", summary.AccountId),
            ("from", Views.Instant(summary.From) ?? "the first entry"),
            ("to", Views.Instant(summary.To) ?? "now"),
            ("credits", Views.Number(summary.Credits)),
            ("debits", Views.Number(summary.Debits)),
            ("net", Views.Signed(summary.Net)),
            ("entries", Views.Number(summary.Count)),
        ]);
        foreach (var (heading, groups) in new[] { ("OPERATION", summary.ByOperation), ("REASON", summary.ByReason), ("CATEGORY", summary.ByCategory) })
        {
            writer.WriteLine();
            var table = new TextTable(TableColumn.Left(heading), TableColumn.Right("CREDITS"), TableColumn.Right("DEBITS"), TableColumn.Right("NET"), TableColumn.Right("ENTRIES"));
            foreach (var group in groups)
            {
                table.AddRow(group.Key ?? "(none)", Views.Number(group.Credits), Views.Number(group.Debits), Views.Signed(group.Net), Views.Number(group.Count));
            }

            table.WriteTo(writer);
        }
    }

    private static Command Consumers(CliContext context)
    {
        var command = new Command("consumers", "The change-feed consumers (snapshots, exports, …): state, lag and dead letters");
        return command.WithAction(context, async (run, cancellationToken) =>
            run.Print(await run.Client.GetConsumerStatusAsync(cancellationToken), WriteConsumers));
    }

    private static void WriteConsumers(TextWriter writer, ConsumerReport report)
    {
        writer.WriteLine($"scope: {report.Scope}");
        var table = new TextTable(TableColumn.Left("CONSUMER"), TableColumn.Left("STATE"), TableColumn.Right("CHANGES BEHIND"), TableColumn.Right("SECONDS BEHIND"), TableColumn.Left("LAST CHECKPOINT"), TableColumn.Right("FAILURES"), TableColumn.Left("LAST ERROR"));
        foreach (var consumer in report.Consumers)
        {
            var behind = consumer.ChangesBehind is { } changes ? (consumer.ChangesBehindAtLeast == true ? "≥" : "") + Views.Number(changes) : null;
            table.AddRow(consumer.Name, consumer.State, behind, consumer.SecondsBehind?.ToString("0.#", CultureInfo.InvariantCulture), Views.Instant(consumer.LastCheckpointAt), Views.Number(consumer.ConsecutiveFailures), consumer.LastError);
        }

        table.WriteTo(writer);
        if (report.DeadLetters.Count == 0)
        {
            writer.WriteLine("dead letters: none");
            return;
        }

        writer.WriteLine();
        var letters = new TextTable(TableColumn.Left("CONSUMER"), TableColumn.Left("CHANGE"), TableColumn.Left("TYPE"), TableColumn.Right("ATTEMPTS"), TableColumn.Left("DEAD LETTERED"), TableColumn.Left("ERROR"));
        foreach (var letter in report.DeadLetters)
        {
            letters.AddRow(letter.Consumer, letter.ChangeId, letter.DocumentType, Views.Number(letter.Attempts), Views.Instant(letter.DeadLetteredAt), letter.Error);
        }

        letters.WriteTo(writer);
        if (report.DeadLettersTruncated)
        {
            writer.WriteLine("(more dead letters than shown)");
        }
    }
}
