using System.Collections.ObjectModel;
using System.Globalization;
using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Ledger.Store.Cosmos;

/// <summary>
/// The two containers and the ledger container's indexing policy. Bicep (<c>infra/bicep</c>) must
/// declare the same partition keys and composite indexes; docs/cosmos.md shows the policy as JSON.
/// </summary>
internal static partial class LedgerContainers
{
    /// <summary>Partition key path of the leases container: one checkpoint per consumer.</summary>
    public const string LeasesPartitionKeyPath = "/id";

    /// <summary>
    /// Composite indexes that ORDER BY on several properties requires: (type, sortKey, id) serves history
    /// pages in both directions (Cosmos DB reads a composite index backwards as well), (type, indexKey,
    /// pk, id) serves index queries and their keyset paging.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<(string Path, CompositePathSortOrder Order)>> RequiredCompositeIndexes { get; } =
    [
        [("/type", CompositePathSortOrder.Ascending), ("/sortKey", CompositePathSortOrder.Ascending), ("/id", CompositePathSortOrder.Ascending)],
        [("/type", CompositePathSortOrder.Ascending), ("/indexKey", CompositePathSortOrder.Ascending), ("/pk", CompositePathSortOrder.Ascending), ("/id", CompositePathSortOrder.Ascending)],
    ];

    /// <summary>
    /// Paths left out of the index. Bodies are never queried, and every indexed term costs request units
    /// on every write, so leaving them out keeps postings cheap.
    /// </summary>
    public static IReadOnlyList<string> ExcludedPaths { get; } =
    [
        "/" + DocumentEnvelope.BodyProperty + "/*",
        "/" + DocumentEnvelope.BodyBase64Property + "/?",
        "/" + DocumentEnvelope.CommittedAtProperty + "/?",
    ];

    public static ContainerProperties LedgerContainerProperties(string name)
    {
        var properties = new ContainerProperties(name, DocumentEnvelope.PartitionKeyPath)
        {
            // No TTL: nothing in the ledger expires by itself.
            DefaultTimeToLive = null,
        };
        properties.IndexingPolicy.IndexingMode = IndexingMode.Consistent;
        properties.IndexingPolicy.Automatic = true;
        properties.IndexingPolicy.IncludedPaths.Add(new IncludedPath { Path = "/*" });
        foreach (var path in ExcludedPaths)
        {
            properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = path });
        }

        foreach (var composite in RequiredCompositeIndexes)
        {
            var paths = new Collection<CompositePath>();
            foreach (var (path, order) in composite)
            {
                paths.Add(new CompositePath { Path = path, Order = order });
            }

            properties.IndexingPolicy.CompositeIndexes.Add(paths);
        }

        return properties;
    }

    public static ContainerProperties LeasesContainerProperties(string name) => new(name, LeasesPartitionKeyPath) { DefaultTimeToLive = null };

    /// <summary>
    /// Creates what is missing when <see cref="CosmosStoreOptions.CreateIfMissing"/> is set, then verifies
    /// both containers in every case, so a store never runs on a container that cannot serve it.
    /// </summary>
    public static async Task<(Container Ledger, Container Leases)> EnsureAsync(
        CosmosClient client, CosmosStoreOptions options, RequestChargeRecorder charges, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.CreateIfMissing)
        {
            var database = await client.CreateDatabaseIfNotExistsAsync(options.DatabaseName, options.CreateDatabaseThroughput, cancellationToken: cancellationToken).ConfigureAwait(false);
            charges.Record("provision", database.RequestCharge, database.StatusCode);
            var ledger = await database.Database.CreateContainerIfNotExistsAsync(LedgerContainerProperties(options.LedgerContainerName), cancellationToken: cancellationToken).ConfigureAwait(false);
            charges.Record("provision", ledger.RequestCharge, ledger.StatusCode);
            var leases = await database.Database.CreateContainerIfNotExistsAsync(LeasesContainerProperties(options.LeasesContainerName), cancellationToken: cancellationToken).ConfigureAwait(false);
            charges.Record("provision", leases.RequestCharge, leases.StatusCode);
            LogProvisioned(logger, options.DatabaseName, options.LedgerContainerName, options.LeasesContainerName);
        }

        var ledgerContainer = client.GetContainer(options.DatabaseName, options.LedgerContainerName);
        var leasesContainer = client.GetContainer(options.DatabaseName, options.LeasesContainerName);
        var ledgerProperties = await ReadPropertiesAsync(ledgerContainer, options, charges, cancellationToken).ConfigureAwait(false);
        var leasesProperties = await ReadPropertiesAsync(leasesContainer, options, charges, cancellationToken).ConfigureAwait(false);
        VerifyLedger(ledgerProperties, logger);
        VerifyLeases(leasesProperties);
        return (ledgerContainer, leasesContainer);
    }

    internal static void VerifyLedger(ContainerProperties properties, ILogger logger)
    {
        RequirePartitionKey(properties, DocumentEnvelope.PartitionKeyPath);
        RequireNoExpiry(properties);
        foreach (var required in RequiredCompositeIndexes)
        {
            if (!properties.IndexingPolicy.CompositeIndexes.Any(existing => Matches(existing, required)))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Container '{properties.Id}' lacks the composite index ({string.Join(", ", required.Select(part => $"{part.Path} {part.Order}"))}) that history pages and index queries need; see docs/cosmos.md for the indexing policy."));
            }
        }

        if (!properties.IndexingPolicy.ExcludedPaths.Any(path => path.Path == ExcludedPaths[0]))
        {
            LogBodiesIndexed(logger, properties.Id);
        }
    }

    internal static void VerifyLeases(ContainerProperties properties)
    {
        RequirePartitionKey(properties, LeasesPartitionKeyPath);
        RequireNoExpiry(properties);
    }

    private static async Task<ContainerProperties> ReadPropertiesAsync(Container container, CosmosStoreOptions options, RequestChargeRecorder charges, CancellationToken cancellationToken)
    {
        try
        {
            var response = await container.ReadContainerAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            charges.Record("provision", response.RequestCharge, response.StatusCode);
            return response.Resource;
        }
        catch (CosmosException exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException(
                $"Cosmos DB container '{container.Id}' in database '{options.DatabaseName}' does not exist. Deploy it with infra/bicep, or set {CosmosStoreOptions.SectionName}:{nameof(CosmosStoreOptions.CreateIfMissing)}=true in development.",
                exception);
        }
    }

    private static void RequirePartitionKey(ContainerProperties properties, string expected)
    {
        if (!string.Equals(properties.PartitionKeyPath, expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Container '{properties.Id}' is partitioned by '{properties.PartitionKeyPath}', but the ledger needs '{expected}'.");
        }
    }

    private static void RequireNoExpiry(ContainerProperties properties)
    {
        if (properties.DefaultTimeToLive is > 0)
        {
            throw new InvalidOperationException($"Container '{properties.Id}' expires items after {properties.DefaultTimeToLive} s; the ledger must never lose a document by itself.");
        }
    }

    private static bool Matches(Collection<CompositePath> existing, IReadOnlyList<(string Path, CompositePathSortOrder Order)> required)
    {
        if (existing.Count != required.Count)
        {
            return false;
        }

        // Cosmos DB also serves the exact reverse of a composite index.
        var sameOrder = true;
        var reversed = true;
        for (var index = 0; index < required.Count; index++)
        {
            if (!string.Equals(existing[index].Path, required[index].Path, StringComparison.Ordinal))
            {
                return false;
            }

            sameOrder &= existing[index].Order == required[index].Order;
            reversed &= existing[index].Order != required[index].Order;
        }

        return sameOrder || reversed;
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Cosmos DB database '{Database}' with containers '{Ledger}' and '{Leases}' created or already present")]
    private static partial void LogProvisioned(ILogger logger, string database, string ledger, string leases);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Cosmos DB container '{Container}' indexes document bodies; every write costs more request units than it needs to. See docs/cosmos.md for the indexing policy.")]
    private static partial void LogBodiesIndexed(ILogger logger, string container);
}
