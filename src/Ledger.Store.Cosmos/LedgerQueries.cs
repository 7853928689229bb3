using System.Globalization;
using System.Text;
using Ledger.Storage;
using Ledger.Storage.Continuations;
using Microsoft.Azure.Cosmos;

namespace Ledger.Store.Cosmos;

/// <summary>
/// The store's queries. Every value is a parameter; only TOP takes a literal, a number the port has
/// already bounded. ORDER BY starts with <c>c.type</c>, the equality filter, so that Cosmos DB can
/// serve the query from the composite indexes in <see cref="LedgerContainers"/>.
/// </summary>
internal static class LedgerQueries
{
    /// <summary>A history page inside one partition; the caller sets the partition key on the request.</summary>
    public static QueryDefinition Range(RangeQuery query)
    {
        var direction = query.Descending ? "DESC" : "ASC";
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"SELECT TOP {query.Limit} * FROM c WHERE c.type = @type");
        if (query.MinSortKey is not null)
        {
            text.Append(" AND c.sortKey >= @minSortKey");
        }

        if (query.MaxSortKey is not null)
        {
            text.Append(" AND c.sortKey <= @maxSortKey");
        }

        // The id breaks ties between equal sort keys, in the same direction as the sort key.
        text.Append(CultureInfo.InvariantCulture, $" ORDER BY c.type {direction}, c.sortKey {direction}, c.id {direction}");

        var definition = new QueryDefinition(text.ToString()).WithParameter("@type", query.Type);
        if (query.MinSortKey is { } min)
        {
            definition = definition.WithParameter("@minSortKey", SortKeyEncoding.Encode(min));
        }

        if (query.MaxSortKey is { } max)
        {
            definition = definition.WithParameter("@maxSortKey", SortKeyEncoding.Encode(max));
        }

        return definition;
    }

    /// <summary>
    /// An index lookup across partitions, ordered by (index key, partition, id), resuming strictly after
    /// <paramref name="after"/>. Asks for one more than the page to know whether another page follows.
    /// </summary>
    public static QueryDefinition Index(IndexQuery query, IndexContinuation? after)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"SELECT TOP {query.Limit + 1} * FROM c WHERE c.type = @type AND ")
            .Append(query.Prefix ? "STARTSWITH(c.indexKey, @indexKey)" : "c.indexKey = @indexKey");
        if (query.Before is not null)
        {
            text.Append(" AND c.indexKey < @before");
        }

        if (after is not null)
        {
            text.Append(" AND (c.indexKey > @afterIndexKey OR (c.indexKey = @afterIndexKey AND (c.pk > @afterPartition OR (c.pk = @afterPartition AND c.id > @afterId))))");
        }

        text.Append(" ORDER BY c.type ASC, c.indexKey ASC, c.pk ASC, c.id ASC");

        var definition = new QueryDefinition(text.ToString())
            .WithParameter("@type", query.Type)
            .WithParameter("@indexKey", query.IndexKey);
        if (query.Before is not null)
        {
            definition = definition.WithParameter("@before", query.Before);
        }

        if (after is { } position)
        {
            definition = definition
                .WithParameter("@afterIndexKey", position.IndexKey)
                .WithParameter("@afterPartition", position.Partition)
                .WithParameter("@afterId", position.Id);
        }

        return definition;
    }
}
