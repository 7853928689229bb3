using System.Text.Json;
using Ledger.Projections;
using Ledger.Projections.Notifications;
using Ledger.Store.Cosmos;
using Microsoft.Azure.Functions.Worker;

namespace Ledger.Functions;

/// <summary>
/// Feeds the change-feed consumers from the Cosmos DB change feed. Each consumer has its own trigger
/// and lease prefix, so one that fails and retries never holds back another; the consumers are the
/// local host's, idempotent on the change id, so the trigger's at-least-once delivery is safe.
/// </summary>
public sealed class ChangeFeedFunctions(IEnumerable<IChangeConsumer> consumers)
{
    private const string Database = "ledger";
    private const string Container = "ledger";
    private const string Leases = "leases";
    private const string Connection = "CosmosLedger";

    [Function("SnapshotsFromChangeFeed")]
    public Task Snapshots(
        [CosmosDBTrigger(Database, Container, Connection = Connection, LeaseContainerName = Leases, LeaseContainerPrefix = "snapshots-", CreateLeaseContainerIfNotExists = false, StartFromBeginning = true)] IReadOnlyList<JsonElement> changes,
        FunctionContext context)
        => HandleAsync(SnapshotConsumer.ConsumerName, changes, context.CancellationToken);

    [Function("ExportsFromChangeFeed")]
    public Task Exports(
        [CosmosDBTrigger(Database, Container, Connection = Connection, LeaseContainerName = Leases, LeaseContainerPrefix = "exports-", CreateLeaseContainerIfNotExists = false, StartFromBeginning = true)] IReadOnlyList<JsonElement> changes,
        FunctionContext context)
        => HandleAsync(ExportConsumer.ConsumerName, changes, context.CancellationToken);

    [Function("NotificationsFromChangeFeed")]
    public Task Notifications(
        [CosmosDBTrigger(Database, Container, Connection = Connection, LeaseContainerName = Leases, LeaseContainerPrefix = "notifications-", CreateLeaseContainerIfNotExists = false, StartFromBeginning = true)] IReadOnlyList<JsonElement> changes,
        FunctionContext context)
        => HandleAsync(NotificationConsumer.ConsumerName, changes, context.CancellationToken);

    /// <summary>Hands the batch to the named consumer; a consumer that is not configured (notifications without a topic) skips it.</summary>
    private Task HandleAsync(string consumerName, IReadOnlyList<JsonElement> changes, CancellationToken cancellationToken)
    {
        var consumer = consumers.FirstOrDefault(candidate => candidate.Name == consumerName);
        return consumer is null ? Task.CompletedTask : consumer.HandleAsync(CosmosChangeFeedDocuments.FromFeedItems(changes), cancellationToken);
    }
}
