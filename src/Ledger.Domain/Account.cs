namespace Ledger.Domain;

public enum AccountStatus
{
    Open,

    /// <summary>No postings in either direction until unfrozen; reads still work.</summary>
    Frozen,

    /// <summary>Terminal. Only reachable at zero balance with nothing pending.</summary>
    Closed,
}

/// <summary>
/// The state of one account, kept in the account's own partition. <see cref="IssuanceContraBalance"/> is
/// this partition's share of the issuance contra-account, so that summing it over every partition gives
/// −(minted − burned) without any shared hot document.
/// </summary>
public sealed record AccountState
{
    public required AccountId Id { get; init; }
    public required AppId App { get; init; }
    public required OwnerId Owner { get; init; }
    public required AccountStatus Status { get; init; }

    /// <summary>The lowest <see cref="Available"/> balance a debit may leave. 0 unless configured.</summary>
    public required long Floor { get; init; }

    /// <summary>The sum of every posted leg of this account.</summary>
    public required long Balance { get; init; }

    /// <summary>Credits reserved by pending transfers and holds, not yet posted.</summary>
    public required long PendingDebits { get; init; }

    public required long IssuanceContraBalance { get; init; }

    /// <summary>The sequence number of the newest entry; entries are numbered 1, 2, 3, … without gaps.</summary>
    public required long LastSequence { get; init; }

    /// <summary>
    /// The hash of the newest entry (<see cref="EntryChain"/>), the link of the next one; null while the
    /// account has no hashed entry (a new account, or one whose entries predate chains).
    /// </summary>
    public string? LastEntryHash { get; init; }

    /// <summary>
    /// The sequence of the account's first hashed entry: 1 for an account opened with chains, the first
    /// entry posted after chains arrived for an older one (null until then). Every entry from it on must
    /// carry a hash, so stripping one is a break rather than an entry older than chains.
    /// </summary>
    public long? ChainStartSequence { get; init; }

    /// <summary>Balance below which a low-balance notification is raised; null for none.</summary>
    public long? LowBalanceThreshold { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The idempotency key of the request that opened the account, so only a repeat of that request gets it back as its own.</summary>
    public string? OpenedByKey { get; init; }

    /// <summary>The time of the newest entry; entry times never go backwards inside an account.</summary>
    public DateTimeOffset? LastPostedAt { get; init; }

    public long Available => checked(Balance - PendingDebits);

    public static Result<AccountState> Open(AccountId id, AppId app, OwnerId owner, long floor, long? lowBalanceThreshold, DateTimeOffset now)
    {
        if (id == AccountId.Issuance)
        {
            return LedgerError.Invalid("account_id", "that id is reserved.");
        }

        // A positive floor would put a new account below its own floor before its first posting, so
        // floors are zero (the default) or negative (an allowed overdraft).
        if (floor is < BalanceLimits.MinFloor or > 0)
        {
            return LedgerError.Invalid("floor", $"must be between {BalanceLimits.MinFloor} and 0.");
        }

        if (lowBalanceThreshold is < BalanceLimits.MinFloor or > BalanceLimits.MaxBalance)
        {
            return LedgerError.Invalid("low_balance_threshold", $"must be between {BalanceLimits.MinFloor} and {BalanceLimits.MaxBalance}.");
        }

        return new AccountState
        {
            Id = id,
            App = app,
            Owner = owner,
            Status = AccountStatus.Open,
            Floor = floor,
            Balance = 0,
            PendingDebits = 0,
            IssuanceContraBalance = 0,
            LastSequence = 0,
            ChainStartSequence = 1,
            LowBalanceThreshold = lowBalanceThreshold,
            CreatedAt = now,
            UpdatedAt = now,
            LastPostedAt = null,
        };
    }

    /// <summary>Why this account cannot take a posting now, or null when it can.</summary>
    public LedgerError? RefusePostingReason() => Status switch
    {
        AccountStatus.Open => null,
        AccountStatus.Frozen => new LedgerError(ErrorCodes.AccountFrozen, $"Account '{Id}' is frozen."),
        _ => new LedgerError(ErrorCodes.AccountClosed, $"Account '{Id}' is closed."),
    };

    /// <summary>Checks the invariants that must hold for every stored account state; a violation is a bug.</summary>
    public void AssertInvariants()
    {
        if (PendingDebits < 0)
        {
            throw new InvalidOperationException($"Account '{Id}' has negative pending debits {PendingDebits}.");
        }

        if (Available < Floor)
        {
            throw new InvalidOperationException($"Account '{Id}' has available {Available} below its floor {Floor}.");
        }

        if (LastSequence < 0 || Balance > BalanceLimits.MaxBalance || IssuanceContraBalance is < -BalanceLimits.MaxBalance or > BalanceLimits.MaxBalance)
        {
            throw new InvalidOperationException($"Account '{Id}' is out of bounds (sequence {LastSequence}, balance {Balance}, issuance contra-balance {IssuanceContraBalance}).");
        }

        if (Status == AccountStatus.Closed && (Balance != 0 || PendingDebits != 0))
        {
            throw new InvalidOperationException($"Closed account '{Id}' still holds {Balance} with {PendingDebits} pending.");
        }
    }
}
