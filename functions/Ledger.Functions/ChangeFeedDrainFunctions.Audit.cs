using Ledger.Projections.Audit;
using Microsoft.Azure.Functions.Worker;

namespace Ledger.Functions;

/// <summary>
/// The continuous audit's timer: like the other consumers', it drains the audit's processor from its stored
/// checkpoint for at most the drain budget. The audit's state lives in the store, so whichever instance runs
/// the timer carries on where the last drain stopped.
/// </summary>
public sealed partial class ChangeFeedDrainFunctions
{
    [Function("DrainAudit")]
    public Task DrainAudit([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
        => DrainAsync(AuditConsumer.ConsumerName, cancellationToken);
}
