using System.CommandLine;
using Ledger.Cli.Output;
using Ledger.Client;

namespace Ledger.Cli.Commands;

/// <summary><c>post</c> (a catalog operation), <c>mint</c> and <c>burn</c>: the writes of one account against issuance.</summary>
internal static class PostingCommands
{
    public static IEnumerable<Command> Build(CliContext context) => [Post(context), Issue(context, TransactionKind.Mint), Issue(context, TransactionKind.Burn)];

    private static Command Post(CliContext context)
    {
        var operation = new Argument<string>("operation") { Description = "A name of the app's operation catalog, such as DAILY_REWARD" };
        var account = CliOptions.Text("--account", "The account to apply it to (POST /transactions)");
        var owner = CliOptions.Text("--owner", "The owner to apply it to, opening the owner's account on first use (the shared-ledger POST /ledger)");
        var amount = CliOptions.OptionalAmount("The amount, for operations whose catalog entry is credit or debit");
        var written = new WrittenFields();
        var key = CliOptions.IdempotencyKey();
        var command = new Command("post", "Apply a catalog operation to an account or an owner") { operation, account, owner, amount, key };
        written.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(account) is null) == (result.GetResult(owner) is null))
            {
                result.AddError("Give exactly one of --account and --owner.");
            }
        });

        return command.WithAction(context, async (run, cancellationToken) =>
        {
            if (run.Value(owner) is { } ownerId)
            {
                written.RequireNoneFor(run, "--owner (the shared-ledger contract takes no reason, memo or category)");
                var request = new LedgerPostRequest { OwnerId = ownerId, Operation = run.Value(operation), Amount = run.Value(amount), IdempotencyKey = run.Value(key) };
                run.Print(await run.Client.PostLedgerAsync(request, cancellationToken), Views.Posting);
                return;
            }

            var transaction = new TransactionRequest
            {
                Kind = TransactionKind.Operation, AccountId = run.Value(account)!, Operation = run.Value(operation), Amount = run.Value(amount),
                Reason = run.Value(written.Reason), Memo = run.Value(written.Memo), Category = run.Value(written.Category), IdempotencyKey = run.Value(key),
            };
            run.Print(await run.Client.PostTransactionAsync(transaction, cancellationToken), Views.Entry);
        });
    }

    /// <summary><c>mint</c> credits an account from issuance; <c>burn</c> debits it to issuance.</summary>
    private static Command Issue(CliContext context, TransactionKind kind)
    {
        var (name, description) = kind == TransactionKind.Mint
            ? ("mint", "Credit an account from issuance (a purchase, a grant)")
            : ("burn", "Debit an account to issuance (a payout, an expiry)");
        var account = new Argument<string>("account") { Description = "The account" };
        var amount = CliOptions.Amount();
        var written = new WrittenFields(reasonRequired: true);
        var key = CliOptions.IdempotencyKey();
        var command = new Command(name, description) { account, amount, key };
        written.AddTo(command);
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var request = new TransactionRequest
            {
                Kind = kind, AccountId = run.Value(account), Amount = run.Value(amount),
                Reason = run.Value(written.Reason), Memo = run.Value(written.Memo), Category = run.Value(written.Category), IdempotencyKey = run.Value(key),
            };
            run.Print(await run.Client.PostTransactionAsync(request, cancellationToken), Views.Entry);
        });
    }
}

/// <summary>The descriptive fields a write carries: its structured reason, a free-text memo and a category.</summary>
internal sealed class WrittenFields(bool reasonRequired = false)
{
    public Option<string?> Reason { get; } = CliOptions.Text("--reason", "The structured reason, such as credit_purchase (lower case, digits, _ and .)", reasonRequired);

    public Option<string?> Memo { get; } = CliOptions.Text("--memo", "Free text, at most 500 characters");

    public Option<string?> Category { get; } = CliOptions.Text("--category", "A grouping for summaries");

    public void AddTo(Command command)
    {
        command.Options.Add(Reason);
        command.Options.Add(Memo);
        command.Options.Add(Category);
    }

    /// <summary>Refuses the fields where the route has no place for them.</summary>
    public void RequireNoneFor(CommandRun run, string where)
    {
        if (run.Value(Reason) is not null || run.Value(Memo) is not null || run.Value(Category) is not null)
        {
            throw new UsageException($"--reason, --memo and --category cannot be used with {where}.");
        }
    }
}
