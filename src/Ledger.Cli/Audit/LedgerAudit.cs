using System.Globalization;

namespace Ledger.Cli.Audit;

/// <summary>
/// The issue-level audit of a ledger, made only of reads of its HTTP API: every account's balance equals
/// the sum of its entries (and each entry's balance_after the running sum, its sequence numbers without
/// gaps), every transaction's legs sum to zero, minted − burned equals the sum of the audited balances,
/// nothing is left pending, no transfer is left unfinished, and (where the ledger offers it) every
/// account's hash chain verifies. Run it on a quiet ledger: an open hold or a transfer in flight while it
/// runs is reported, because the audit cannot tell it from one left behind.
/// </summary>
public sealed class LedgerAudit(IAuditSource source)
{
    /// <summary>The contra-account of mints and burns: it appears in legs and counterparties, never as an account.</summary>
    public const string IssuanceAccount = "$issuance";

    public async Task<AuditReport> RunAsync(AuditScope scope, CancellationToken cancellationToken)
    {
        var run = new AuditRun();
        await SeedAsync(scope, run, cancellationToken);
        while (run.Unvisited.TryDequeue(out var accountId))
        {
            await AuditAccountAsync(accountId, run, cancellationToken);
        }

        await CheckTransactionsAsync(run, cancellationToken);
        CheckIssuance(run);
        var stuckChecked = await CheckStuckTransfersAsync(run, cancellationToken);
        return new AuditReport
        {
            Accounts = run.AccountCount,
            Entries = run.EntryCount,
            Transactions = run.Transactions.Count,
            Minted = run.Minted,
            Burned = run.Burned,
            TotalBalance = run.TotalBalance,
            TotalPending = run.TotalPending,
            ChainsChecked = run.ChainsAvailable == true,
            StuckTransfersChecked = stuckChecked,
            Findings = run.Findings,
        };
    }

    private async Task SeedAsync(AuditScope scope, AuditRun run, CancellationToken cancellationToken)
    {
        if (scope.WholeApp)
        {
            await foreach (var accountId in source.ListAppAccountIdsAsync(cancellationToken))
            {
                run.Visit(accountId);
            }

            return;
        }

        foreach (var owner in scope.Owners)
        {
            await VisitOwnerAsync(owner, run, cancellationToken);
        }

        foreach (var accountId in scope.Accounts)
        {
            run.Visit(accountId);
        }
    }

    private async Task VisitOwnerAsync(string ownerId, AuditRun run, CancellationToken cancellationToken)
    {
        if (!run.ListedOwners.Add(ownerId))
        {
            return;
        }

        await foreach (var account in source.ListOwnerAccountsAsync(ownerId, cancellationToken))
        {
            run.Visit(account.AccountId);
        }
    }

    private async Task AuditAccountAsync(string accountId, AuditRun run, CancellationToken cancellationToken)
    {
        var account = await source.GetAccountAsync(accountId, cancellationToken);
        if (account is null)
        {
            run.Find(AuditChecks.MissingAccount, accountId, "The account is named by the audit or by an entry, but the ledger has no such account.");
            return;
        }

        run.AccountCount++;
        run.TotalBalance += account.Balance;
        run.TotalPending += account.Pending;
        await VisitOwnerAsync(account.OwnerId, run, cancellationToken);

        var entries = new List<AuditEntry>();
        await foreach (var entry in source.ReadEntriesAsync(accountId, cancellationToken))
        {
            entries.Add(entry);
        }

        CheckHistory(account, entries, run);
        if (account.Pending != 0)
        {
            run.Find(AuditChecks.PendingLeft, accountId, Invariant($"{account.Pending} is still reserved (an open hold or an unfinished transfer)."));
        }

        await CheckChainAsync(accountId, run, cancellationToken);
    }

    /// <summary>Replays the account's entries oldest first: sequence numbers, running balances, the final balance.</summary>
    private static void CheckHistory(AuditAccount account, List<AuditEntry> entries, AuditRun run)
    {
        entries.Sort((left, right) => left.Sequence.CompareTo(right.Sequence));
        Int128 running = 0;
        long expectedSequence = 1;
        bool sequenceReported = false, runningReported = false;
        foreach (var entry in entries)
        {
            if (entry.Sequence != expectedSequence && !sequenceReported)
            {
                run.Find(AuditChecks.SequenceGap, account.AccountId, Invariant($"Expected entry {expectedSequence}, found {entry.Sequence}."));
                sequenceReported = true;
            }

            expectedSequence = entry.Sequence + 1;
            running += entry.Amount;
            if (running != entry.BalanceAfter && !runningReported)
            {
                run.Find(AuditChecks.RunningBalanceMismatch, Invariant($"{account.AccountId}/{entry.Sequence}"), Invariant($"balance_after is {entry.BalanceAfter}, but the entries up to it sum to {running}."));
                runningReported = true;
            }

            run.Record(entry);
        }

        if (running != account.Balance)
        {
            run.Find(AuditChecks.BalanceMismatch, account.AccountId, Invariant($"The balance is {account.Balance}, but its {entries.Count} entries sum to {running}."));
        }
    }

    private async Task CheckChainAsync(string accountId, AuditRun run, CancellationToken cancellationToken)
    {
        if (run.ChainsAvailable == false)
        {
            return;
        }

        var chain = await source.VerifyChainAsync(accountId, cancellationToken);
        run.ChainsAvailable = chain is not null;
        if (chain is { Ok: false })
        {
            run.Find(AuditChecks.ChainBroken, accountId, chain.Problem ?? "The ledger's hash-chain check failed.");
        }
    }

    /// <summary>
    /// A transaction whose legs do not sum to zero is unbalanced, unless it is a transfer that is not final
    /// yet (credited, not yet debited): then it is reported as unfinished.
    /// </summary>
    private async Task CheckTransactionsAsync(AuditRun run, CancellationToken cancellationToken)
    {
        foreach (var (transactionId, transaction) in run.Transactions.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var sum = transaction.Sum();
            if (sum == 0)
            {
                continue;
            }

            var state = transaction.TransferId is null ? null : await source.GetTransferStateAsync(transaction.TransferId, cancellationToken);
            if (state is "reserved" or "crediting" && run.ReportedTransfers.Add(transaction.TransferId!))
            {
                run.Find(AuditChecks.TransferNotFinal, transaction.TransferId!, Invariant($"The transfer is {state}: its transaction {transactionId} has legs summing to {sum} so far."));
                continue;
            }

            run.Find(AuditChecks.UnbalancedTransaction, transactionId, Invariant($"Its legs ({transaction.Describe()}) sum to {sum}, not 0."));
        }
    }

    private static void CheckIssuance(AuditRun run)
    {
        var issued = run.Minted - run.Burned;
        if (issued != run.TotalBalance)
        {
            run.Find(AuditChecks.IssuanceMismatch, IssuanceAccount, Invariant($"Minted {run.Minted} − burned {run.Burned} = {issued}, but the {run.AccountCount} accounts' balances sum to {run.TotalBalance}."));
        }
    }

    private async Task<bool> CheckStuckTransfersAsync(AuditRun run, CancellationToken cancellationToken)
    {
        var stuck = await source.ListStuckTransfersAsync(cancellationToken);
        foreach (var transfer in stuck ?? [])
        {
            if (run.ReportedTransfers.Add(transfer.TransferId))
            {
                run.Find(AuditChecks.TransferNotFinal, transfer.TransferId, $"The ledger lists it as stuck ({transfer.Reason ?? "no reason given"}) in state {transfer.State}.");
            }
        }

        return stuck is not null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
