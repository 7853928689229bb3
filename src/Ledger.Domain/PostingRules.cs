namespace Ledger.Domain;

/// <summary>
/// A request to post one transaction to one account, already validated. The amount is a magnitude;
/// <see cref="Direction"/> says which way it moves the account.
/// </summary>
public sealed record PostingInstruction
{
    public required TransactionId TransactionId { get; init; }
    public required TransactionKind Kind { get; init; }
    public required Direction Direction { get; init; }
    public required Amount Amount { get; init; }
    public string? Operation { get; init; }
    public required TransactionDetails Details { get; init; }
    public TransactionId? Reverses { get; init; }

    /// <summary>Builds the instruction for a named catalog operation.</summary>
    public static Result<PostingInstruction> ForOperation(TransactionId transactionId, OperationCatalog catalog, string? operationName, long? suppliedAmount, TransactionDetails? details)
    {
        var definition = catalog.Find(operationName);
        if (!definition.TryGetValue(out var operation, out var error))
        {
            return error;
        }

        var amount = operation.ResolveAmount(suppliedAmount);
        if (!amount.IsSuccess)
        {
            return amount.Error!;
        }

        // The shared-ledger contract carries no reason; the operation name, in lower case, is the natural one.
        return new PostingInstruction
        {
            TransactionId = transactionId,
            Kind = TransactionKind.Operation,
            Direction = operation.Direction,
            Amount = amount.Value,
            Operation = operation.Name,
            Details = details ?? TransactionDetails.From(operation.Name.ToLowerInvariant()),
        };
    }
}

/// <summary>The outcome of a posting that the rules allow: the account after it and the entry it adds.</summary>
public sealed record PostingDecision(AccountState Account, LedgerEntry Entry);

/// <summary>
/// The rules of posting to a single account: mints, burns and catalog operations against the issuance
/// contra-account, whose leg stays in the same partition. Pure: the caller supplies the time.
/// </summary>
public static class PostingRules
{
    public static Result<PostingDecision> Decide(AccountState account, PostingInstruction instruction, DateTimeOffset now)
    {
        if (instruction.Kind is not (TransactionKind.Mint or TransactionKind.Burn or TransactionKind.Operation))
        {
            throw new ArgumentException($"{instruction.Kind} is not a single-account posting.", nameof(instruction));
        }

        if (account.RefusePostingReason() is { } refusal)
        {
            return refusal;
        }

        var signedAmount = instruction.Direction == Direction.Credit ? instruction.Amount.MinorUnits : -instruction.Amount.MinorUnits;
        var movement = CheckMovement(account, signedAmount) ?? CheckIssuance(account, signedAmount);
        if (movement is not null)
        {
            return movement;
        }

        var postedAt = NextPostingTime(account, now);
        var sequence = checked(account.LastSequence + 1);
        var balanceAfter = checked(account.Balance + signedAmount);
        var entry = EntryChain.Sealed(account, new LedgerEntry
        {
            TransactionId = instruction.TransactionId,
            Account = account.Id,
            Sequence = sequence,
            Kind = instruction.Kind,
            Operation = instruction.Operation,
            Details = instruction.Details,
            Legs = [new Leg(account.Id, signedAmount), new Leg(AccountId.Issuance, -signedAmount)],
            AmountMinorUnits = signedAmount,
            BalanceAfter = balanceAfter,
            Counterparty = AccountId.Issuance,
            ReversesTransactionId = instruction.Reverses,
            PostedAt = postedAt,
        });

        var updated = account with
        {
            Balance = balanceAfter,
            IssuanceContraBalance = checked(account.IssuanceContraBalance - signedAmount),
            LastSequence = sequence,
            LastEntryHash = entry.Hash,
            ChainStartSequence = account.ChainStartSequence ?? sequence,
            LastPostedAt = postedAt,
            UpdatedAt = postedAt,
        };
        updated.AssertInvariants();
        return new PostingDecision(updated, entry);
    }

    /// <summary>
    /// Checks that moving <paramref name="signedAmount"/> keeps the account within its bounds: a debit
    /// may not take <see cref="AccountState.Available"/> below the floor; a credit may not pass the
    /// balance limit.
    /// </summary>
    public static LedgerError? CheckMovement(AccountState account, long signedAmount)
    {
        if (signedAmount < 0 && checked(account.Available + signedAmount) < account.Floor)
        {
            return new LedgerError(
                ErrorCodes.InsufficientFunds,
                $"Account '{account.Id}' has {account.Available} available (floor {account.Floor}); {-signedAmount} was requested.");
        }

        if (signedAmount > 0 && checked(account.Balance + signedAmount) > BalanceLimits.MaxBalance)
        {
            return new LedgerError(ErrorCodes.BalanceLimitExceeded, $"Account '{account.Id}' would pass the balance limit of {BalanceLimits.MaxBalance}.");
        }

        return null;
    }

    /// <summary>
    /// Checks that the issuance contra-account's share in this partition stays within the balance limit
    /// either way: transfers carry credits out of the partition, so without a bound repeated mints (or,
    /// after transfers in, burns) could drive it past any limit and, in the end, past a 64-bit sum.
    /// </summary>
    public static LedgerError? CheckIssuance(AccountState account, long signedAmount)
    {
        var contra = checked(account.IssuanceContraBalance - signedAmount);
        return contra is < -BalanceLimits.MaxBalance or > BalanceLimits.MaxBalance
            ? new LedgerError(ErrorCodes.BalanceLimitExceeded, $"Account '{account.Id}' would take its share of the issuance contra-account past the balance limit of {BalanceLimits.MaxBalance} either way.")
            : null;
    }

    /// <summary>Entry times never go backwards inside an account, even if the clock does.</summary>
    public static DateTimeOffset NextPostingTime(AccountState account, DateTimeOffset now)
        => account.LastPostedAt is { } last && last > now ? last : now;
}
