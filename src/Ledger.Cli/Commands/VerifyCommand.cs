using System.CommandLine;
using System.Globalization;
using Ledger.Cli.Audit;
using Ledger.Cli.Output;

namespace Ledger.Cli.Commands;

/// <summary>
/// <c>verify</c>: the issue-level audit of <see cref="LedgerAudit"/> over the HTTP API. Prints what it
/// reconciled and every finding, and exits 5 when there is any.
/// </summary>
internal static class VerifyCommand
{
    public static Command Build(CliContext context)
    {
        var owners = new Option<string[]>("--owner") { Description = "Audit this owner's accounts (repeatable)" };
        var accounts = new Option<string[]>("--account") { Description = "Audit this account (repeatable)" };
        var command = new Command("verify", "Audit the ledger: balances equal their entries, transactions balance, minted − burned equals the balances, nothing left pending. Without --owner or --account: every account the app's export lists. Counterparties and owners' other accounts are followed.")
        {
            owners, accounts,
        };
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var scope = new AuditScope(run.Value(owners) ?? [], run.Value(accounts) ?? []);
            var report = await new LedgerAudit(new ClientAuditSource(run.Client)).RunAsync(scope, cancellationToken);
            run.Print(report, WriteReport);
            return report.Ok ? CliExitCodes.Ok : CliExitCodes.VerifyFoundProblems;
        });
    }

    private static void WriteReport(TextWriter writer, AuditReport report)
    {
        TextTable.WriteDetails(writer,
        [
            ("accounts", Text(report.Accounts)),
            ("entries", Text(report.Entries)),
            ("transactions", Text(report.Transactions)),
            ("minted", Text(report.Minted)),
            ("burned", Text(report.Burned)),
            ("balances", Text(report.TotalBalance)),
            ("pending", Text(report.TotalPending)),
            ("hash chains", report.ChainsChecked ? "checked by the ledger, account by account" : "not checked (the ledger does not offer the check)"),
            ("stuck transfers", report.StuckTransfersChecked ? "checked" : "not checked (this key may not list them)"),
        ]);
        writer.WriteLine();
        if (report.Ok)
        {
            writer.WriteLine("OK: no problems found.");
            return;
        }

        var table = new TextTable(TableColumn.Left("CHECK"), TableColumn.Left("SUBJECT"), TableColumn.Left("DETAIL"));
        foreach (var finding in report.Findings)
        {
            table.AddRow(finding.Check, finding.Subject, finding.Detail);
        }

        table.WriteTo(writer);
        writer.WriteLine();
        writer.WriteLine(report.Findings.Count == 1 ? "1 problem found." : $"{report.Findings.Count} problems found.");
    }

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
