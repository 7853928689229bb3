using System.CommandLine;
using Ledger.Cli.Output;
using Ledger.Client;

namespace Ledger.Cli.Commands;

/// <summary><c>account …</c> (open, show, list, freeze, unfreeze, close), <c>balance</c> and <c>history</c>.</summary>
internal static class AccountCommands
{
    public static IEnumerable<Command> Build(CliContext context) => [Account(context), Balance(context), History(context)];

    private static Command Account(CliContext context)
    {
        var command = new Command("account", "Open, show, list, freeze, unfreeze or close accounts");
        command.Subcommands.Add(Open(context));
        command.Subcommands.Add(ShowAccount(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(StateChange(context, "freeze", "Freeze an account: no postings either way until unfrozen", (client, id, token) => client.FreezeAccountAsync(id, token)));
        command.Subcommands.Add(StateChange(context, "unfreeze", "Unfreeze a frozen account", (client, id, token) => client.UnfreezeAccountAsync(id, token)));
        command.Subcommands.Add(StateChange(context, "close", "Close an empty account, for good", (client, id, token) => client.CloseAccountAsync(id, token)));
        return command;
    }

    private static Command Open(CliContext context)
    {
        var account = new Argument<string>("account") { Description = "The new account's id" };
        var owner = CliOptions.Text("--owner", "The owner (the app's user id); the account id when left out");
        var floor = new Option<long?>("--floor") { Description = "The lowest available balance allowed, 0 or below (0 by default: no overdraft)" };
        var lowBalance = new Option<long?>("--low-balance") { Description = "Raise a low-balance notification below this balance" };
        var key = CliOptions.IdempotencyKey();
        var command = new Command("open", "Open an account") { account, owner, floor, lowBalance, key };
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var id = run.Value(account);
            var request = new OpenAccountRequest { AccountId = id, OwnerId = run.Value(owner) ?? id, Floor = run.Value(floor), LowBalanceThreshold = run.Value(lowBalance), IdempotencyKey = run.Value(key) ?? "open-" + id };
            run.Print(await run.Client.OpenAccountAsync(request, cancellationToken), Views.Account);
        });
    }

    private static Command ShowAccount(CliContext context)
    {
        var account = new Argument<string>("account") { Description = "The account" };
        return new Command("show", "Show an account: owner, status, balance, pending and available") { account }
            .WithAction(context, async (run, cancellationToken) => run.Print(await run.Client.GetAccountAsync(run.Value(account), cancellationToken), Views.Account));
    }

    private static Command List(CliContext context)
    {
        var owner = new Argument<string>("owner") { Description = "The owner whose accounts are listed" };
        var paging = new Paging("--continuation", "The continuation printed after the previous page");
        var command = new Command("list", "List an owner's accounts") { owner };
        paging.AddTo(command);
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var accounts = new List<Account>();
            string? continuation = run.Value(paging.Position);
            do
            {
                var page = await run.Client.ListAccountsAsync(run.Value(owner), run.Value(paging.Limit), continuation, cancellationToken);
                accounts.AddRange(page.Accounts);
                continuation = page.Continuation;
            }
            while (continuation is not null && run.Value(paging.All));

            run.Print(new AccountPage { Accounts = accounts, Continuation = continuation }, (writer, page) => Views.Accounts(writer, page.Accounts));
            paging.NoteNextPage(run, continuation, $"ledger account list {run.Value(owner)}");
        });
    }

    private static Command StateChange(CliContext context, string name, string description, Func<LedgerClient, string, CancellationToken, Task<Account>> change)
    {
        var account = new Argument<string>("account") { Description = "The account" };
        return new Command(name, description) { account }
            .WithAction(context, async (run, cancellationToken) => run.Print(await change(run.Client, run.Value(account), cancellationToken), Views.Account));
    }

    private static Command Balance(CliContext context)
    {
        var account = new Argument<string>("account") { Description = "The account" };
        var asOf = CliOptions.Instant("--as-of", "The balance as of this instant instead of now");
        var command = new Command("balance", "An account's balance now (with pending and available), or as of an instant") { account, asOf };
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var balance = await run.Client.GetBalanceAsync(run.Value(account), run.Value(asOf), cancellationToken);
            run.Print(balance, static (writer, value) =>
            {
                var table = value.AsOf is null
                    ? new TextTable(TableColumn.Left("ACCOUNT"), TableColumn.Right("BALANCE"), TableColumn.Right("PENDING"), TableColumn.Right("AVAILABLE"))
                    : new TextTable(TableColumn.Left("ACCOUNT"), TableColumn.Right("BALANCE"), TableColumn.Left("AS OF"));
                table.AddRow(value.AsOf is null
                    ? [value.AccountId, Views.Number(value.Amount), Views.Number(value.Pending), Views.Number(value.Available)]
                    : [value.AccountId, Views.Number(value.Amount), Views.Instant(value.AsOf)]);
                table.WriteTo(writer);
            });
        });
    }

    private static Command History(CliContext context)
    {
        var account = new Argument<string>("account") { Description = "The account" };
        var paging = new Paging("--cursor", "The cursor printed after the previous page");
        var command = new Command("history", "An account's entries, newest first, a page at a time") { account };
        paging.AddTo(command);
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var entries = new List<Entry>();
            string? cursor = run.Value(paging.Position);
            do
            {
                var page = await run.Client.ListEntriesAsync(run.Value(account), run.Value(paging.Limit), cursor, cancellationToken);
                entries.AddRange(page.Entries);
                cursor = page.NextCursor;
            }
            while (cursor is not null && run.Value(paging.All));

            run.Print(new EntryPage { Entries = entries, NextCursor = cursor }, (writer, page) => Views.Entries(writer, page.Entries));
            paging.NoteNextPage(run, cursor, $"ledger history {run.Value(account)}");
        });
    }
}

/// <summary>The paging options of a list: page size, where to resume, or every page at once.</summary>
internal sealed class Paging(string positionName, string positionDescription)
{
    public Option<int?> Limit { get; } = new("--limit") { Description = "Page size, 1 to 200 (50 when left out)" };

    public Option<string?> Position { get; } = new(positionName) { Description = positionDescription };

    public Option<bool> All { get; } = new("--all") { Description = "Every page, not just one" };

    public void AddTo(Command command)
    {
        command.Options.Add(Limit);
        command.Options.Add(Position);
        command.Options.Add(All);
    }

    /// <summary>Tells people how to get the next page (in JSON the position is a field of the answer).</summary>
    public void NoteNextPage(CommandRun run, string? next, string commandLine)
    {
        if (next is not null)
        {
            run.Note($"More: {commandLine} {Position.Name} {next}");
        }
    }
}
