namespace Ledger.Projections;

/// <summary>The processors a host runs, one per enabled consumer; the status endpoint reads them.</summary>
public sealed class ChangeFeedProcessors
{
    public ChangeFeedProcessors(IEnumerable<ChangeFeedProcessor> processors)
    {
        All = processors.ToArray();
        var duplicate = All.GroupBy(processor => processor.Name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            // Two processors on one checkpoint would overwrite each other's lease.
            throw new InvalidOperationException($"Two change-feed consumers are named '{duplicate.Key}'.");
        }
    }

    public IReadOnlyList<ChangeFeedProcessor> All { get; }

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
