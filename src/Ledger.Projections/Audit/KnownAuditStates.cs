using Ledger.Domain;

namespace Ledger.Projections.Audit;

/// <summary>
/// What one app's audit state was when this consumer last saved it: the totals, the ETag the store gave them,
/// and the account states and transfer legs loaded or written since. Every save writes the totals under
/// their ETag, so while the stored totals still carry <see cref="TotalsETag"/> nobody else has saved this
/// app's state, and every state held here is the stored one.
/// </summary>
internal sealed class KnownAuditState(AuditTotals totals, string totalsETag)
{
    public AuditTotals Totals { get; private set; } = totals;

    public string TotalsETag { get; private set; } = totalsETag;

    public Dictionary<string, AuditAccountState> Accounts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, AuditTransferLegs> Legs { get; } = new(StringComparer.Ordinal);

    public int Count => Accounts.Count + Legs.Count;

    /// <summary>Takes in what a saved step holds: its totals under their new ETag, and every state it loaded, as it left them.</summary>
    public void Record(AuditBook book, string totalsETag)
    {
        Totals = book.Totals;
        TotalsETag = totalsETag;
        foreach (var account in book.Accounts)
        {
            Accounts[account.AccountId] = account;
        }

        foreach (var (transferId, legs) in book.Legs)
        {
            if (legs is null)
            {
                Legs.Remove(transferId);
            }
            else
            {
                Legs[transferId] = legs;
            }
        }
    }
}

/// <summary>
/// The audit states this consumer saved last, per app, so a step reads only the totals' version instead of
/// every account and transfer it touches. A step takes its app's entry out (it changes the states in place)
/// and it is put back only after the step's save committed, so a step that fails leaves nothing behind to
/// trust: the next one reads the store. Bounded by a number of states over all apps; past it, everything
/// held is dropped and read again when needed.
/// </summary>
internal sealed class KnownAuditStates(int maxStates = KnownAuditStates.DefaultMaxStates)
{
    /// <summary>A few hundred bytes each: tens of megabytes at most.</summary>
    public const int DefaultMaxStates = 100_000;

    private readonly Dictionary<AppId, KnownAuditState> _apps = [];
    private readonly Lock _lock = new();
    private int _held;

    /// <summary>States held over all apps.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>Takes the app's entry out; null when none is held.</summary>
    public KnownAuditState? Take(AppId app)
    {
        lock (_lock)
        {
            if (!_apps.Remove(app, out var known))
            {
                return null;
            }

            _held -= known.Count;
            return known;
        }
    }

    /// <summary>Holds the entry of an app whose step was saved.</summary>
    public void Keep(AppId app, KnownAuditState known)
    {
        lock (_lock)
        {
            if (_apps.Remove(app, out var replaced))
            {
                _held -= replaced.Count;
            }

            if (_held + known.Count > maxStates)
            {
                _apps.Clear();
                _held = 0;
            }

            if (known.Count <= maxStates)
            {
                _apps[app] = known;
                _held += known.Count;
            }
        }
    }
}
