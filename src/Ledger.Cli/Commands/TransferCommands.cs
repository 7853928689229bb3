using System.CommandLine;
using Ledger.Cli.Output;
using Ledger.Client;

namespace Ledger.Cli.Commands;

/// <summary><c>transfer</c>, <c>hold</c>, <c>capture</c>, <c>void</c>, <c>refund</c> and <c>show</c>: what moves credits between accounts.</summary>
internal static class TransferCommands
{
    public static IEnumerable<Command> Build(CliContext context) => [Transfer(context), Hold(context), Capture(context), Void(context), Refund(context), Show(context)];

    private static Command Transfer(CliContext context)
    {
        var from = new Argument<string>("from") { Description = "The source account" };
        var to = new Argument<string>("to") { Description = "The destination account" };
        var amount = CliOptions.Amount();
        var written = new WrittenFields(reasonRequired: true);
        var key = CliOptions.IdempotencyKey();
        var command = new Command("transfer", "Move credits from one account to another (two-phase: reserved, credited, posted)") { from, to, amount, key };
        written.AddTo(command);
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var request = new TransferRequest
            {
                From = run.Value(from), To = run.Value(to), Amount = run.Value(amount),
                Reason = run.Value(written.Reason)!, Memo = run.Value(written.Memo), Category = run.Value(written.Category), IdempotencyKey = run.Value(key),
            };
            return await FinishAsync(run, await run.Client.StartTransferAsync(request, cancellationToken), cancellationToken);
        });
    }

    private static Command Hold(CliContext context)
    {
        var from = new Argument<string>("from") { Description = "The account the amount is reserved on" };
        var to = new Argument<string>("to") { Description = "The account a capture credits" };
        var amount = CliOptions.Amount("The amount to reserve");
        var expiresIn = new Option<long?>("--expires-in") { Description = "Seconds until the hold is voided if not captured (an hour when neither expiry is given)" };
        var expiresAt = CliOptions.Instant("--expires-at", "When the hold is voided if not captured");
        var written = new WrittenFields(reasonRequired: true);
        var key = CliOptions.IdempotencyKey();
        var command = new Command("hold", "Reserve credits on an account, to capture or void later") { from, to, amount, expiresIn, expiresAt, key };
        written.AddTo(command);
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var request = new HoldRequest
            {
                From = run.Value(from), To = run.Value(to), Amount = run.Value(amount), ExpiresInSeconds = run.Value(expiresIn), ExpiresAt = run.Value(expiresAt),
                Reason = run.Value(written.Reason)!, Memo = run.Value(written.Memo), Category = run.Value(written.Category), IdempotencyKey = run.Value(key),
            };
            run.Print(await run.Client.PlaceHoldAsync(request, cancellationToken), Views.Transfer);
        });
    }

    private static Command Capture(CliContext context)
    {
        var hold = new Argument<string>("hold") { Description = "The hold's id (tr_…)" };
        var amount = CliOptions.OptionalAmount("The amount to capture (the whole hold when left out)");
        var key = CliOptions.IdempotencyKey();
        var command = new Command("capture", "Capture a hold, in full or in part: the captured amount moves") { hold, amount, key };
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var request = new CaptureRequest { Amount = run.Value(amount), IdempotencyKey = run.Value(key) };
            return await FinishAsync(run, await run.Client.CaptureHoldAsync(run.Value(hold), request, cancellationToken), cancellationToken);
        });
    }

    private static Command Void(CliContext context)
    {
        var hold = new Argument<string>("hold") { Description = "The hold's id (tr_…)" };
        var command = new Command("void", "Void a hold: the reserved amount is released, nothing moves") { hold };
        return command.WithAction(context, async (run, cancellationToken) =>
            run.Print(await run.Client.VoidHoldAsync(run.Value(hold), cancellationToken), Views.Transfer));
    }

    private static Command Refund(CliContext context)
    {
        var original = new Argument<string>("id") { Description = "A posted transfer (tr_…) to reverse, or a mint's transaction (tx_…) to burn back" };
        var amount = CliOptions.OptionalAmount("The amount to refund (all that remains when left out)");
        var account = CliOptions.Text("--account", "The minted account (needed to refund a mint, tx_…)");
        var written = new WrittenFields();
        var key = CliOptions.IdempotencyKey();
        var command = new Command("refund", "Refund a transfer (a linked reverse transfer) or a mint (a linked burn), in full or in part") { original, amount, account, key };
        written.AddTo(command);
        return command.WithAction(context, async (run, cancellationToken) =>
        {
            var id = run.Value(original);
            if (!id.StartsWith("tx_", StringComparison.Ordinal))
            {
                var request = new RefundRequest { Amount = run.Value(amount), Reason = run.Value(written.Reason), Memo = run.Value(written.Memo), Category = run.Value(written.Category), IdempotencyKey = run.Value(key) };
                return await FinishAsync(run, await run.Client.RefundTransferAsync(id, request, cancellationToken), cancellationToken);
            }

            var accountId = run.Value(account) ?? throw new UsageException("Refunding a mint (tx_…) needs --account, the account the mint credited.");
            var mintRefund = new MintRefundRequest { AccountId = accountId, Amount = run.Value(amount), Reason = run.Value(written.Reason), Memo = run.Value(written.Memo), Category = run.Value(written.Category), IdempotencyKey = run.Value(key) };
            run.Print(await run.Client.RefundMintAsync(id, mintRefund, cancellationToken), Views.Entry);
            return CliExitCodes.Ok;
        });
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A transfer, hold or refund id (tr_…)" };
        var command = new Command("show", "Show a transfer, hold or refund and its state") { id };
        return command.WithAction(context, async (run, cancellationToken) =>
            run.Print(await run.Client.GetTransferAsync(run.Value(id), cancellationToken), Views.Transfer));
    }

    /// <summary>
    /// Waits (within --timeout) for a transfer the ledger was still crediting when it answered, prints it,
    /// and exits: 0 when posted, 3 when voided (nothing moved; its failure code is printed), 4 when it is
    /// still not final (it will be: the ledger's saga runner finishes it).
    /// </summary>
    private static async Task<int> FinishAsync(CommandRun run, Transfer transfer, CancellationToken cancellationToken)
    {
        if (!transfer.IsFinished)
        {
            run.Note($"The ledger is still crediting {transfer.TransferId}; waiting for it to finish.");
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(run.Value(CliOptions.TimeoutSeconds)));
            try
            {
                transfer = await run.Client.WaitForTransferAsync(transfer.TransferId, cancellationToken: bound.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Still running after --timeout: printed as it is now, and reported below.
            }
        }

        run.Print(transfer, Views.Transfer);
        if (transfer.State == "voided")
        {
            run.Error.WriteLine($"error: {transfer.FailureCode ?? "voided"}: the {transfer.Kind} was voided, nothing moved ({transfer.FailureMessage}).");
            return CliExitCodes.Refused;
        }

        if (!transfer.IsFinished)
        {
            run.Error.WriteLine($"error: {transfer.TransferId} is still {transfer.State}; the ledger will finish it. Check with: ledger show {transfer.TransferId}");
            return CliExitCodes.Unavailable;
        }

        return CliExitCodes.Ok;
    }
}
