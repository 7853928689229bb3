using Ledger.Domain;
using Ledger.Projections.Audit;

namespace Ledger.Projections;

/// <summary>The processors a host runs, one per enabled consumer; the status route and the Functions timers read them.</summary>
public sealed class ChangeFeedProcessors
{
    private readonly DeadLetterStore _deadLetters;
    private readonly AuditStore? _audit;

    /// <param name="audit">The audit's state, when the audit consumer runs: the report then carries each app's audit figures.</param>
    public ChangeFeedProcessors(IEnumerable<ChangeFeedProcessor> processors, DeadLetterStore deadLetters, AuditStore? audit = null)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        _deadLetters = deadLetters;
        _audit = audit;
        All = processors.ToArray();
        var duplicate = All.GroupBy(processor => processor.Name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            // Two processors on one checkpoint would overwrite each other's lease.
            throw new InvalidOperationException($"Two change-feed consumers are named '{duplicate.Key}'.");
        }
    }

    public IReadOnlyList<ChangeFeedProcessor> All { get; }

    /// <summary>The processor of the consumer named <paramref name="name"/>; null when that consumer is not enabled.</summary>
    public ChangeFeedProcessor? Named(string name) => All.FirstOrDefault(processor => string.Equals(processor.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// The consumers' status and dead letters as <paramref name="app"/> may see them: its own dead letters and
    /// no other app's volumes. Null is the operator's view: every figure and every app's dead letters.
    /// </summary>
    public async Task<ConsumersReport> GetReportAsync(AppId? app, CancellationToken cancellationToken)
    {
        var statuses = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var deadLetters = await _deadLetters.ListAsync(app, cancellationToken).ConfigureAwait(false);
        var audit = _audit is null ? null : await _audit.ListTotalsAsync(app, cancellationToken).ConfigureAwait(false);
        return new ConsumersReport(app, app is null ? statuses : statuses.Select(status => status.ForOneApp()).ToArray(), deadLetters, audit);
    }

    /// <summary>Every consumer's full status, for the operator and the host's own health checks and metrics.</summary>
    public async Task<IReadOnlyList<ConsumerStatus>> GetStatusAsync(CancellationToken cancellationToken)
    {
        var statuses = new ConsumerStatus[All.Count];
        for (var index = 0; index < All.Count; index++)
        {
            statuses[index] = await All[index].GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }

        return statuses;
    }
}

/// <summary>
/// The status route's content for one app (<see cref="App"/>) or for the operator (null). <see cref="Audit"/> holds the
/// audit's totals and violations of the apps the caller sees; null when the audit does not run.
/// </summary>
public sealed record ConsumersReport(AppId? App, IReadOnlyList<ConsumerStatus> Consumers, DeadLetterList DeadLetters, IReadOnlyList<AuditTotals>? Audit = null);
