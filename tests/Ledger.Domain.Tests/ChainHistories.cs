namespace Ledger.Domain.Tests;

/// <summary>Builds account histories the way the engine does (through the rules), for chain tests.</summary>
internal static class ChainHistories
{
    /// <summary>One step of a history: a mint, a burn, or one side of a transfer (in or out).</summary>
    public enum StepKind
    {
        Mint,
        Burn,
        TransferIn,
        TransferOut,
    }

    public sealed record Step(StepKind Kind, int Amount, int Seconds);

    private static readonly AccountId Other = AccountId.From("other");

    /// <summary>Runs <paramref name="steps"/> on one account; steps the rules refuse are skipped, as the engine would refuse them.</summary>
    public static (AccountState Account, IReadOnlyList<LedgerEntry> Entries) Run(IEnumerable<Step> steps)
    {
        var account = Accounts.Open();
        var other = Accounts.Open(Other.Value) with { Balance = BalanceLimits.MaxBalance / 2, IssuanceContraBalance = -(BalanceLimits.MaxBalance / 2) };
        var entries = new List<LedgerEntry>();
        var index = 0;
        foreach (var step in steps)
        {
            var now = Accounts.T0.AddSeconds(step.Seconds);
            var nonce = "step-" + (index++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var posted = step.Kind switch
            {
                StepKind.Mint => Post(account, Accounts.Mint(step.Amount, nonce), now),
                StepKind.Burn => Post(account, Accounts.Burn(step.Amount, nonce), now),
                StepKind.TransferIn => CreditFrom(other, account, step.Amount, nonce, now),
                _ => DebitTo(account, other, step.Amount, nonce, now),
            };
            if (posted is { } done)
            {
                account = done.Account;
                entries.Add(done.Entry);
            }
        }

        return (account, entries);
    }

    public static TransferRecord TransferBetween(AccountId from, AccountId to, long amount, string nonce) => new()
    {
        Id = TransferId.Derive(Accounts.App, IdempotencyKey.From(nonce), "transfer", from),
        App = Accounts.App,
        Kind = TransferKind.Transfer,
        From = from,
        To = to,
        Amount = Amount.From(amount),
        SettleAmount = Amount.From(amount),
        State = TransferState.Crediting,
        Details = TransactionDetails.From("content_unlock", "memo of " + nonce),
        CreatedAt = Accounts.T0,
        UpdatedAt = Accounts.T0,
    };

    /// <summary><paramref name="entry"/> with each field in turn changed to another valid value.</summary>
    public static IEnumerable<LedgerEntry> EveryFieldChanged(LedgerEntry entry)
    {
        yield return entry with { TransactionId = TransactionId.Derive(Accounts.App, IdempotencyKey.From("another"), "posting") };
        yield return entry with { Account = AccountId.From("elsewhere") };
        yield return entry with { Sequence = entry.Sequence + 1 };
        yield return entry with { Kind = entry.Kind == TransactionKind.Mint ? TransactionKind.Burn : TransactionKind.Mint };
        yield return entry with { Operation = entry.Operation is null ? "CREDIT_ADD" : null };
        yield return entry with { Details = TransactionDetails.From(entry.Details.Reason + "x", entry.Details.Memo, entry.Details.Category) };
        yield return entry with { Details = TransactionDetails.From(entry.Details.Reason, (entry.Details.Memo ?? string.Empty) + "!", entry.Details.Category) };
        yield return entry with { Details = TransactionDetails.From(entry.Details.Reason, entry.Details.Memo, entry.Details.Category is null ? "c" : null) };
        yield return entry with { AmountMinorUnits = entry.AmountMinorUnits + 1 };
        yield return entry with { BalanceAfter = entry.BalanceAfter + 1 };
        yield return entry with { Counterparty = AccountId.From("someone") };
        yield return entry with { TransferId = entry.TransferId is null ? "tr_x" : null };
        yield return entry with { ReversesTransactionId = entry.ReversesTransactionId is null ? entry.TransactionId : null };
        yield return entry with { PostedAt = entry.PostedAt.AddTicks(1) };
        yield return entry with { Legs = [.. entry.Legs.Select((leg, i) => i == 0 ? leg with { AmountMinorUnits = leg.AmountMinorUnits + 1 } : leg)] };
        yield return entry with { Legs = [.. entry.Legs, new Leg(AccountId.Issuance, 0)] };
    }

    private static PostingDecision? Post(AccountState account, PostingInstruction instruction, DateTimeOffset now)
    {
        var decided = PostingRules.Decide(account, instruction, now);
        return decided.IsSuccess ? decided.Value : null;
    }

    private static PostingDecision? CreditFrom(AccountState source, AccountState destination, long amount, string nonce, DateTimeOffset now)
        => TransferRules.Credit(destination, TransferBetween(source.Id, destination.Id, amount, nonce), now) is CreditOutcome.Credited credited
            ? new PostingDecision(TransferRules.ApplyCredit(destination, credited.Entry), credited.Entry)
            : null;

    private static PostingDecision? DebitTo(AccountState source, AccountState destination, long amount, string nonce, DateTimeOffset now)
    {
        var reserved = TransferRules.Reserve(source, TransferBetween(source.Id, destination.Id, amount, nonce), now);
        if (!reserved.IsSuccess)
        {
            return null;
        }

        var (account, _, debit) = TransferRules.Commit(reserved.Value.Source, reserved.Value.Transfer, now);
        return new PostingDecision(account, debit);
    }
}
