using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;

namespace Ledger.Projections.Audit;

/// <summary>
/// The audit of one app for one step: its totals and the account and transfer states the step's changes
/// touch, loaded by the caller, checked and updated here without I/O. What can be checked from one change
/// (an entry's legs and balance chain, an account's floor, an account's balance against its entries by
/// sequence number) is checked at once. What spans documents that the feed may hand over in separate pages
/// or out of order (an account's pending against its open reservations, a finished transfer's two legs,
/// minted − burned against the balances) waits for <see cref="Settle"/>, which runs when the feed's head
/// was reached: then every committed change has been read in its latest version and the state is whole.
/// </summary>
public sealed class AuditBook
{
    public const int MaxRecentViolations = 20;
    public const int MaxUnsettled = 2_000;
    public const int MaxDetailLength = 300;

    private static readonly string Issuance = AccountId.Issuance.Value;

    private readonly Dictionary<string, Loaded<AuditAccountState>> _accounts;
    private readonly Dictionary<string, Loaded<AuditTransferLegs>> _legs;
    private readonly DateTimeOffset _now;

    /// <summary>The ids of the totals' unsettled lists, so marking one is a lookup, not a scan of up to <see cref="MaxUnsettled"/> ids.</summary>
    private readonly HashSet<string> _unsettledAccounts;
    private readonly HashSet<string> _unsettledTransfers;

    public AuditBook(AppId app, AuditTotals totals, IReadOnlyDictionary<string, AuditAccountState?> accounts, IReadOnlyDictionary<string, AuditTransferLegs?> legs, DateTimeOffset now)
    {
        App = app;
        Totals = totals;
        _accounts = accounts.ToDictionary(pair => pair.Key, pair => new Loaded<AuditAccountState>(pair.Value), StringComparer.Ordinal);
        _legs = legs.ToDictionary(pair => pair.Key, pair => new Loaded<AuditTransferLegs>(pair.Value), StringComparer.Ordinal);
        _now = now;
        _unsettledAccounts = new HashSet<string>(totals.UnsettledAccounts, StringComparer.Ordinal);
        _unsettledTransfers = new HashSet<string>(totals.UnsettledTransfers, StringComparer.Ordinal);
    }

    public AppId App { get; }
    public AuditTotals Totals { get; }

    /// <summary>What this step found, in the order found.</summary>
    public List<AuditViolation> Found { get; } = [];

    /// <summary>The account states this step changed.</summary>
    public IEnumerable<AuditAccountState> ChangedAccounts => _accounts.Values.Where(loaded => loaded.Changed && loaded.Value is not null).Select(loaded => loaded.Value!);

    /// <summary>Transfer legs this step changed (null value: delete it), with whether the store holds a version.</summary>
    public IEnumerable<(string TransferId, AuditTransferLegs? Legs, bool Stored)> ChangedLegs
        => _legs.Where(pair => pair.Value.Changed).Select(pair => (pair.Key, pair.Value.Value, pair.Value.WasStored));

    /// <summary>Every account state this step loaded or began, changed or not, as it stands now.</summary>
    public IEnumerable<AuditAccountState> Accounts => _accounts.Values.Select(loaded => loaded.Value).OfType<AuditAccountState>();

    /// <summary>Every transfer's legs this step loaded, as they stand now (null: none, or no longer needed).</summary>
    public IEnumerable<(string TransferId, AuditTransferLegs? Legs)> Legs => _legs.Select(pair => (pair.Key, pair.Value.Value));

    public void Apply(AuditChange change)
    {
        switch (change)
        {
            case AccountChange account:
                ApplyAccount(account);
                break;
            case EntryChange entry:
                ApplyEntry(entry);
                break;
            case TransferChange transfer:
                ApplyTransfer(transfer);
                break;
            case UnreadableChange unreadable:
                Report(AuditViolationCodes.UnreadableDocument, unreadable.AccountId, null, null, null, $"The {unreadable.Change.Type} document '{unreadable.Change.Id}' does not read: {unreadable.Error}", unreadable.Change.ChangeId);
                break;
        }

        Totals.ChangesAudited = checked(Totals.ChangesAudited + 1);
        if (Totals.AuditedThrough is not { } through || change.Change.CommittedAt > through)
        {
            Totals.AuditedThrough = change.Change.CommittedAt;
        }
    }

    private void ApplyAccount(AccountChange change)
    {
        var state = AccountState(change.AccountId);
        if (state.AccountETag == change.Change.ETag)
        {
            return;
        }

        var document = change.Account;
        if (state.AccountETag is null)
        {
            Totals.Accounts = checked(Totals.Accounts + 1);
        }

        Totals.Balances = checked(Totals.Balances + document.Balance - state.Balance);
        Totals.Pending = checked(Totals.Pending + document.PendingDebits - state.Pending);
        Totals.IssuanceContra = checked(Totals.IssuanceContra + document.IssuanceContraBalance - state.IssuanceContra);
        state.AccountETag = change.Change.ETag;
        state.AccountSequence = document.LastSequence;
        state.Balance = document.Balance;
        state.Pending = document.PendingDebits;
        state.IssuanceContra = document.IssuanceContraBalance;
        state.Floor = document.Floor;
        var available = checked(document.Balance - document.PendingDebits);
        if (available < document.Floor)
        {
            Report(AuditViolationCodes.BelowFloor, change.AccountId, null, document.Floor, available, $"Available {available} is below the floor {document.Floor}.", change.Change.ChangeId);
        }

        CompareWithEntries(state, change.Change.ChangeId);
        MarkUnsettled(Totals.UnsettledAccounts, _unsettledAccounts, change.AccountId);
    }

    private void ApplyEntry(EntryChange change)
    {
        var entry = change.Entry;
        var state = AccountState(change.AccountId);
        if (entry.Sequence <= state.EntrySequence)
        {
            return;
        }

        var changeId = change.Change.ChangeId;
        var expectedBalance = checked(state.EntryBalance + entry.Amount);
        if (entry.Sequence != state.EntrySequence + 1)
        {
            Report(AuditViolationCodes.EntryMissing, change.AccountId, entry.TransferId, state.EntrySequence + 1, entry.Sequence, $"Entry {entry.Sequence} follows entry {state.EntrySequence}: entries in between are missing.", changeId);
        }
        else if (entry.BalanceAfter != expectedBalance)
        {
            Report(AuditViolationCodes.BalanceMismatch, change.AccountId, entry.TransferId, expectedBalance, entry.BalanceAfter, $"Entry {entry.Sequence} leaves {entry.BalanceAfter}, not the previous balance {state.EntryBalance} plus its amount {entry.Amount}.", changeId);
        }

        CheckLegs(change);
        var issuanceLegs = entry.Legs.Where(leg => leg.AccountId == Issuance).Sum(leg => leg.Amount);
        state.EntryIssuance = checked(state.EntryIssuance + issuanceLegs);
        state.EntrySequence = entry.Sequence;
        state.EntryBalance = entry.BalanceAfter;
        if (issuanceLegs < 0)
        {
            Totals.Minted = checked(Totals.Minted - issuanceLegs);
        }
        else
        {
            Totals.Burned = checked(Totals.Burned + issuanceLegs);
        }

        if (change.IsTransferLeg)
        {
            RecordLeg(change);
        }

        CompareWithEntries(state, changeId);
    }

    /// <summary>A transaction's legs sum to zero; the leg on the entry's own account is its amount; a transfer leg stands alone.</summary>
    private void CheckLegs(EntryChange change)
    {
        var entry = change.Entry;
        var own = entry.Legs.Where(leg => leg.AccountId == entry.AccountId).Sum(leg => leg.Amount);
        var sum = entry.Legs.Sum(leg => leg.Amount);
        var expectedSum = change.IsTransferLeg ? entry.Amount : 0;
        if (own != entry.Amount || sum != expectedSum || (change.IsTransferLeg && entry.Legs.Count != 1))
        {
            Report(AuditViolationCodes.TransactionUnbalanced, change.AccountId, entry.TransferId, expectedSum, sum, $"Transaction {entry.TransactionId} (entry {entry.Sequence}) has legs summing to {sum} with {own} on its own account, for an amount of {entry.Amount}.", change.Change.ChangeId);
        }
    }

    private void RecordLeg(EntryChange change)
    {
        var entry = change.Entry;
        var transferId = entry.TransferId!;
        var loaded = LegsOf(transferId);
        var legs = loaded.Value ?? new AuditTransferLegs { TransferId = transferId };
        var before = loaded.Value?.Net ?? 0;
        if (entry.Kind == EntryChange.TransferCreditKind)
        {
            legs.Credit = entry.Amount;
        }
        else
        {
            legs.Debit = entry.Amount;
        }

        Totals.InFlight = checked(Totals.InFlight + legs.Net - before);
        loaded.Set(legs);
        if (legs.Credit is { } credit && legs.Debit is { } debit)
        {
            if (legs.Net != 0)
            {
                Report(AuditViolationCodes.TransactionUnbalanced, change.AccountId, transferId, 0, legs.Net, $"Transfer {transferId} credited {credit} and debited {debit}.", change.Change.ChangeId);
            }

            // Both legs seen: nothing is in flight any more, and the document is not needed again.
            Totals.InFlight = checked(Totals.InFlight - legs.Net);
            loaded.Set(null);
            return;
        }

        MarkUnsettled(Totals.UnsettledTransfers, _unsettledTransfers, transferId);
    }

    private void ApplyTransfer(TransferChange change)
    {
        var transfer = change.Transfer;
        var state = AccountState(change.AccountId);
        if (change.IsFinal)
        {
            state.Open.Remove(transfer.TransferId);
            if (LegsOf(transfer.TransferId) is { Value: { } legs } loaded && legs.FinalState != transfer.State)
            {
                legs.FinalState = transfer.State;
                loaded.Set(legs);
                MarkUnsettled(Totals.UnsettledTransfers, _unsettledTransfers, transfer.TransferId);
            }
        }
        else
        {
            state.Open[transfer.TransferId] = transfer.Amount;
        }

        MarkUnsettled(Totals.UnsettledAccounts, _unsettledAccounts, change.AccountId);
    }

    /// <summary>When the entries and the account document describe the same sequence, they must agree.</summary>
    private void CompareWithEntries(AuditAccountState state, string changeId)
    {
        if (state.AccountETag is null || state.EntrySequence != state.AccountSequence)
        {
            return;
        }

        if (state.Balance != state.EntryBalance)
        {
            Report(AuditViolationCodes.BalanceMismatch, state.AccountId, null, state.EntryBalance, state.Balance, $"The account holds {state.Balance}, its entries up to {state.EntrySequence} add up to {state.EntryBalance}.", changeId);
        }

        if (state.IssuanceContra != state.EntryIssuance)
        {
            Report(AuditViolationCodes.IssuanceContraMismatch, state.AccountId, null, state.EntryIssuance, state.IssuanceContra, $"The account's issuance contra-balance is {state.IssuanceContra}, its entries' issuance legs add up to {state.EntryIssuance}.", changeId);
        }
    }

    /// <summary>The checks that span documents, on what changed since the head was last reached. The caller loaded the unsettled ids.</summary>
    public void Settle()
    {
        foreach (var accountId in Totals.UnsettledAccounts)
        {
            SettleAccount(accountId);
        }

        foreach (var transferId in Totals.UnsettledTransfers)
        {
            SettleTransfer(transferId);
        }

        Totals.UnsettledAccounts.Clear();
        Totals.UnsettledTransfers.Clear();
        _unsettledAccounts.Clear();
        _unsettledTransfers.Clear();
        SettleIssuance();
        Totals.SettledAt = _now;
    }

    private void SettleAccount(string accountId)
    {
        if (!_accounts.TryGetValue(accountId, out var loaded) || loaded.Value is not { AccountETag: not null } state)
        {
            return;
        }

        var reserved = state.Open.Values.Sum();
        if (reserved != state.Pending)
        {
            Report(AuditViolationCodes.PendingMismatch, accountId, null, reserved, state.Pending, $"Pending debits are {state.Pending}; the open reservations ({state.Open.Count}) add up to {reserved}.", state.AccountETag);
        }
    }

    private void SettleTransfer(string transferId)
    {
        if (!_legs.TryGetValue(transferId, out var loaded) || loaded.Value is not { } legs)
        {
            return;
        }

        var problem = (legs.Credit, legs.Debit, legs.FinalState) switch
        {
            (null, not null, _) => "was debited but never credited",
            (not null, _, TransferChange.Voided) => "was voided after its credit landed",
            (null, _, TransferChange.Posted) => "is posted without its credit",
            _ => null,
        };
        if (problem is not null)
        {
            Report(AuditViolationCodes.TransferUnbalanced, null, transferId, 0, legs.Net, $"Transfer {transferId} {problem}.", legs.FinalState ?? string.Empty);
        }
    }

    /// <summary>minted − burned = balances − what is in flight = −(the issuance contra-balance); one gap is reported once.</summary>
    private void SettleIssuance()
    {
        var issued = checked(Totals.Minted - Totals.Burned);
        var gap = checked(Totals.Balances - Totals.InFlight - issued);
        var contraGap = checked(Totals.IssuanceContra + issued);
        var reported = gap != 0 ? gap : contraGap != 0 ? contraGap : (long?)null;
        if (reported is { } difference && difference != Totals.ReportedIssuanceGap)
        {
            Report(AuditViolationCodes.IssuanceMismatch, null, null, issued, checked(Totals.Balances - Totals.InFlight), $"Minted {Totals.Minted} − burned {Totals.Burned} = {issued}, but the balances less {Totals.InFlight} in flight add up to {Totals.Balances - Totals.InFlight} and the issuance contra-balance is {Totals.IssuanceContra}.", Totals.ChangesAudited.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Totals.ReportedIssuanceGap = reported;
    }

    private void Report(string code, string? accountId, string? transferId, long? expected, long? actual, string detail, string evidence)
    {
        var id = ViolationId(code, accountId, transferId, evidence);
        if (Totals.RecentViolations.Exists(known => known.Id == id) || Found.Exists(known => known.Id == id))
        {
            // A change read again (at least once delivery) finds what it found before: counted once.
            return;
        }

        var violation = new AuditViolation
        {
            Id = id,
            Code = code,
            AppId = App.Value,
            AccountId = accountId,
            TransferId = transferId,
            Expected = expected,
            Actual = actual,
            Detail = detail.Length <= MaxDetailLength ? detail : detail[..MaxDetailLength],
            ChangeId = evidence.Contains('@', StringComparison.Ordinal) ? evidence : null,
            DetectedAt = _now,
        };
        Found.Add(violation);
        Totals.Violations = checked(Totals.Violations + 1);
        Totals.RecentViolations.Add(violation);
        if (Totals.RecentViolations.Count > MaxRecentViolations)
        {
            Totals.RecentViolations.RemoveRange(0, Totals.RecentViolations.Count - MaxRecentViolations);
        }
    }

    private string ViolationId(string code, string? accountId, string? transferId, string evidence)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{App.Value}\n{code}\n{accountId}\n{transferId}\n{evidence}"));
        return "aud_" + Convert.ToHexStringLower(digest)[..24];
    }

    private static void MarkUnsettled(List<string> unsettled, HashSet<string> listed, string id)
    {
        // Bounded: past the bound an id is checked again when it next changes, not at this head.
        if (unsettled.Count < MaxUnsettled && listed.Add(id))
        {
            unsettled.Add(id);
        }
    }

    private AuditAccountState AccountState(string accountId)
    {
        if (!_accounts.TryGetValue(accountId, out var loaded))
        {
            throw new InvalidOperationException($"The audit state of account '{accountId}' was not loaded.");
        }

        var state = loaded.Value ?? new AuditAccountState { AccountId = accountId };
        loaded.Set(state);
        return state;
    }

    private Loaded<AuditTransferLegs> LegsOf(string transferId)
        => _legs.TryGetValue(transferId, out var loaded) ? loaded : throw new InvalidOperationException($"The audit legs of transfer '{transferId}' were not loaded.");

    /// <summary>A document as loaded from the store, and whether this step changed it.</summary>
    private sealed class Loaded<T>(T? value)
        where T : class
    {
        public T? Value { get; private set; } = value;
        public bool WasStored { get; } = value is not null;
        public bool Changed { get; private set; }

        public void Set(T? value)
        {
            Value = value;
            Changed = true;
        }
    }
}
