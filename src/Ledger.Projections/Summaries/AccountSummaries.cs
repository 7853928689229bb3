using Ledger.Domain;
using Ledger.Engine;

namespace Ledger.Projections;

/// <summary>Credits (sum of positive amounts), debits (sum of the magnitudes of negative ones), net and count.</summary>
public sealed record SummaryTotals(long Credits, long Debits, long Net, long Count);

/// <summary>The totals of one operation, reason or category; <see cref="Key"/> is null for entries without one.</summary>
public sealed record SummaryGroup(string? Key, SummaryTotals Totals);

public sealed record AccountSummary(
    AccountId Account,
    DateTimeOffset? From,
    DateTimeOffset? To,
    SummaryTotals Totals,
    IReadOnlyList<SummaryGroup> ByOperation,
    IReadOnlyList<SummaryGroup> ByReason,
    IReadOnlyList<SummaryGroup> ByCategory);

/// <summary>
/// An account's summary over a period [from, to), computed from its entries when asked.
/// <para>
/// Why a query over entries and not a consumer-maintained daily aggregate: correctness first. The query is
/// exact for any instants (a daily aggregate is exact only for whole UTC days and needs entry scans for the
/// ragged ends anyway), it sees every acknowledged posting at once (an aggregate lags behind the feed and
/// would have to say how far), and it has no second copy of the truth to keep consistent under replays.
/// Its cost is bounded: it starts at the snapshot before <c>from</c> (<see cref="AccountPeriodReader"/>), and
/// refuses a period that would scan more than <see cref="MaxEntriesScanned"/> entries. Should summaries over
/// very long periods become common, a daily aggregate can be added behind this same method for whole days.
/// </para>
/// </summary>
public sealed class AccountSummaries(LedgerEngine engine)
{
    /// <summary>
    /// Most entries one summary reads. Amounts are at most <see cref="Amount.MaxPerTransaction"/> (10^12),
    /// so 2·10^5 entries sum to at most 2·10^17, far below <see cref="long.MaxValue"/>: the checked totals
    /// below cannot overflow within this bound.
    /// </summary>
    public const int MaxEntriesScanned = 200_000;

    /// <summary>Most distinct keys one breakdown reports; more would make an unbounded response.</summary>
    public const int MaxGroupsPerBreakdown = 1_000;

    public async Task<Result<AccountSummary>> SummarizeAsync(AppId app, AccountId accountId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        if (from is { } start && to is { } end && start >= end)
        {
            return LedgerError.Invalid("to", "must be later than 'from'.");
        }

        var account = await engine.GetAccountAsync(app, accountId, cancellationToken).ConfigureAwait(false);
        if (!account.IsSuccess)
        {
            return account.Error!;
        }

        var total = new Accumulator();
        var byOperation = new Breakdown();
        var byReason = new Breakdown();
        var byCategory = new Breakdown();
        var scanned = 0;
        await foreach (var entry in AccountPeriodReader.ReadAsync(engine.Store, DocumentTypes.AccountPartition(app, accountId), from, to, () => scanned++, cancellationToken).ConfigureAwait(false))
        {
            if (scanned > MaxEntriesScanned)
            {
                return LedgerError.Invalid("from", $"the period holds more than {MaxEntriesScanned} entries; ask for a shorter period or use an export.");
            }

            total.Add(entry.Amount);
            if (!byOperation.Add(entry.Operation, entry.Amount) || !byReason.Add(entry.Reason, entry.Amount) || !byCategory.Add(entry.Category, entry.Amount))
            {
                return LedgerError.Invalid("from", $"the period has more than {MaxGroupsPerBreakdown} distinct operations, reasons or categories; ask for a shorter period.");
            }
        }

        return new AccountSummary(accountId, from, to, total.Totals, byOperation.Groups(), byReason.Groups(), byCategory.Groups());
    }

    private sealed class Accumulator
    {
        private long _credits;
        private long _debits;
        private long _count;

        public SummaryTotals Totals => new(_credits, _debits, checked(_credits - _debits), _count);

        public void Add(long amount)
        {
            if (amount >= 0)
            {
                _credits = checked(_credits + amount);
            }
            else
            {
                _debits = checked(_debits - amount);
            }

            _count++;
        }
    }

    private sealed class Breakdown
    {
        private readonly Accumulator _withoutKey = new();
        private readonly Dictionary<string, Accumulator> _byKey = new(StringComparer.Ordinal);
        private bool _anyWithoutKey;

        /// <summary>Adds an amount to its key's group; false when that would pass <see cref="MaxGroupsPerBreakdown"/>.</summary>
        public bool Add(string? key, long amount)
        {
            if (key is null)
            {
                _anyWithoutKey = true;
                _withoutKey.Add(amount);
                return true;
            }

            if (!_byKey.TryGetValue(key, out var group))
            {
                if (_byKey.Count >= MaxGroupsPerBreakdown)
                {
                    return false;
                }

                group = new Accumulator();
                _byKey.Add(key, group);
            }

            group.Add(amount);
            return true;
        }

        /// <summary>Groups ordered by key (ordinal), the group without a key first: stable output for clients and tests.</summary>
        public IReadOnlyList<SummaryGroup> Groups()
        {
            var groups = new List<SummaryGroup>(_byKey.Count + 1);
            if (_anyWithoutKey)
            {
                groups.Add(new SummaryGroup(null, _withoutKey.Totals));
            }

            groups.AddRange(_byKey.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new SummaryGroup(pair.Key, pair.Value.Totals)));
            return groups;
        }
    }
}
