using System.Globalization;
using System.Net;
using System.Text.Json;
using Ledger.Storage;
using Ledger.Storage.Continuations;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Store.Cosmos;

/// <summary>
/// The store port on Azure Cosmos DB. One ledger container partitioned by <c>/pk</c> (the account id,
/// or an idempotency key) holds every document in an envelope; a commit is one transactional batch on
/// the partition key; history pages are single-partition queries; the change feed is read with the pull
/// model, and consumers' continuations live in the leases container (partition key <c>/id</c>).
/// </summary>
public sealed class CosmosLedgerStore : ILedgerStore
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> that carries the request-charge histogram.</summary>
    public const string MeterName = RequestChargeRecorder.MeterName;

    /// <summary>Histogram of request units per store call, tagged <c>operation</c> and <c>status_code</c>.</summary>
    public const string RequestChargeHistogramName = RequestChargeRecorder.HistogramName;

    /// <summary>Bound on feed pages one call reads, so a run of empty pages cannot loop for long.</summary>
    internal const int MaxPagesPerCall = 1_000;

    private readonly CosmosClient? _ownedClient;
    private readonly Container _ledger;
    private readonly Container _leases;
    private readonly CosmosRetryPolicy _retries;
    private readonly RequestChargeRecorder _charges;
    private readonly TimeProvider _time;
    private readonly int _maxLagReadAheadItems;
    private readonly ItemRequestOptions _pointRead;

    internal CosmosLedgerStore(
        CosmosClient? ownedClient,
        Container ledger,
        Container leases,
        CosmosRetryPolicy retries,
        RequestChargeRecorder charges,
        TimeProvider time,
        int maxLagReadAheadItems,
        ReadConsistencyStrategy pointReadConsistency = CosmosStoreOptions.DefaultPointReadConsistency)
    {
        _ownedClient = ownedClient;
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _leases = leases ?? throw new ArgumentNullException(nameof(leases));
        _retries = retries;
        _charges = charges;
        _time = time;
        _maxLagReadAheadItems = maxLagReadAheadItems;
        _pointRead = new ItemRequestOptions { ReadConsistencyStrategy = pointReadConsistency };
    }

    /// <summary>
    /// Builds the client from <paramref name="options"/>, creates the database and containers when
    /// <see cref="CosmosStoreOptions.CreateIfMissing"/> is set, verifies them in every case, and returns
    /// a store that owns (and disposes) the client.
    /// </summary>
    public static async Task<CosmosLedgerStore> CreateAsync(CosmosStoreOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<CosmosLedgerStore>();
        var charges = new RequestChargeRecorder(logger);
        var client = CosmosClientFactory.Create(options, logger);
        try
        {
            var (ledger, leases) = await LedgerContainers.EnsureAsync(client, options, charges, logger, cancellationToken).ConfigureAwait(false);
            return new CosmosLedgerStore(client, ledger, leases, CosmosRetryPolicy.FromOptions(options, charges, logger), charges, TimeProvider.System, options.MaxLagReadAheadItems, options.PointReadConsistency);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<BatchResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return await _retries.ExecuteAsync("commit", async token =>
        {
            // Stamped per attempt: a retried batch commits at the time it is sent.
            var committedAt = _time.GetUtcNow();
            var transaction = BatchComposer.Compose(_ledger, batch, committedAt);
            using var response = await transaction.ExecuteAsync(token).ConfigureAwait(false);
            _charges.Record("commit", response.RequestCharge, response.StatusCode);
            var verdict = BatchResponseInterpreter.Interpret(response, batch, committedAt);
            return verdict.Kind switch
            {
                BatchVerdictKind.Completed => Attempt<BatchResult>.Done(verdict.Result!),
                BatchVerdictKind.Throttled => Attempt<BatchResult>.Retry(verdict.StatusCode, verdict.RetryAfter, verdict.Detail),
                BatchVerdictKind.Transient => Attempt<BatchResult>.Retry(verdict.StatusCode, null, verdict.Detail),
                BatchVerdictKind.ProgrammingError => throw new InvalidOperationException(verdict.Detail),
                _ => throw new StoreUnavailableException(verdict.Detail),
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<StoredDocument?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPartition(partition);
        StoreLimits.RequireValidId(id, nameof(id));
        return await _retries.ExecuteAsync("read", async token =>
        {
            // A point read decides refusals that are recorded for good, so it must not be stale: with
            // Session consistency a read from an instance that did not write the item can be (see PointReadConsistency).
            using var response = await _ledger.ReadItemStreamAsync(id, new PartitionKey(partition), _pointRead, token).ConfigureAwait(false);
            _charges.Record("read", response.Headers.RequestCharge, response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                return Attempt<StoredDocument?>.Done(await DocumentEnvelope.ReadItemAsync(response.Content, token).ConfigureAwait(false));
            }

            return IsMissingItem(response)
                ? Attempt<StoredDocument?>.Done(null)
                : MissingOrFailure<StoredDocument?>("read", response);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoredDocument>> ReadRangeAsync(RangeQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var definition = LedgerQueries.Range(query);
        var requestOptions = new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(query.Partition),
            MaxItemCount = query.Limit,
        };

        return await _retries.ExecuteAsync("read_range", async token =>
        {
            var documents = new List<StoredDocument>(Math.Min(query.Limit, 64));
            using var iterator = _ledger.GetItemQueryStreamIterator(definition, continuationToken: null, requestOptions);
            for (var page = 0; iterator.HasMoreResults && documents.Count < query.Limit; page++)
            {
                RequirePageBound(page, "read_range");
                using var response = await iterator.ReadNextAsync(token).ConfigureAwait(false);
                _charges.Record("read_range", response.Headers.RequestCharge, response.StatusCode);
                if (!response.IsSuccessStatusCode)
                {
                    return CosmosRetryPolicy.FromResponse<IReadOnlyList<StoredDocument>>("read_range", response);
                }

                documents.AddRange(await DocumentEnvelope.ReadFeedAsync(response.Content, token).ConfigureAwait(false));
            }

            return Attempt<IReadOnlyList<StoredDocument>>.Done(documents.Count > query.Limit ? documents.GetRange(0, query.Limit) : documents);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A cross-partition query: for lookups off the hot path only (admin, exports, sweeps).</remarks>
    public async ValueTask<DocumentPage> QueryIndexAsync(IndexQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        IndexContinuation? after = query.Continuation is null ? null : IndexContinuation.Decode(query.Continuation);
        var definition = LedgerQueries.Index(query, after);

        // One more than the page: whether it comes back says whether there is a next page.
        var wanted = query.Limit + 1;
        var requestOptions = new QueryRequestOptions { MaxItemCount = wanted };

        return await _retries.ExecuteAsync("query_index", async token =>
        {
            var documents = new List<StoredDocument>(Math.Min(wanted, 64));
            using var iterator = _ledger.GetItemQueryStreamIterator(definition, continuationToken: null, requestOptions);
            for (var page = 0; iterator.HasMoreResults && documents.Count < wanted; page++)
            {
                RequirePageBound(page, "query_index");
                using var response = await iterator.ReadNextAsync(token).ConfigureAwait(false);
                _charges.Record("query_index", response.Headers.RequestCharge, response.StatusCode);
                if (!response.IsSuccessStatusCode)
                {
                    return CosmosRetryPolicy.FromResponse<DocumentPage>("query_index", response);
                }

                documents.AddRange(await DocumentEnvelope.ReadFeedAsync(response.Content, token).ConfigureAwait(false));
            }

            if (documents.Count <= query.Limit)
            {
                return Attempt<DocumentPage>.Done(new DocumentPage(documents, null));
            }

            var pageDocuments = documents.GetRange(0, query.Limit);
            return Attempt<DocumentPage>.Done(new DocumentPage(pageDocuments, ContinuationAfter(pageDocuments[^1])));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A keyset position (index key, partition, id) rather than the SDK's cross-partition ORDER BY
    /// continuation: it stays small, survives SDK upgrades and partition splits, and is the same token
    /// every store issues.
    /// </summary>
    private static string ContinuationAfter(StoredDocument last)
        => new IndexContinuation(last.IndexKey ?? throw new InvalidOperationException($"Document '{last.Id}' came from an index query without an index key."), last.Partition, last.Id).Encode();

    /// <inheritdoc />
    /// <remarks>
    /// LatestVersion mode: each changed document once, in its latest version, in commit order per
    /// partition. Deletes do not appear (Cosmos DB's latest-version feed has none). A page holds at most
    /// <paramref name="maxItems"/>; when the feed returns a larger transaction, the rest comes next call.
    /// </remarks>
    public async ValueTask<ChangePage> ReadChangesAsync(string? continuation, int maxItems, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidPageSize(maxItems);
        var position = ChangeFeedPosition.Parse(continuation);
        return await _retries.ExecuteAsync("read_changes", async token =>
        {
            using var iterator = _ledger.GetChangeFeedStreamIterator(
                position.StartFrom(),
                ChangeFeedMode.LatestVersion,
                new ChangeFeedRequestOptions { PageSizeHint = maxItems });
            using var response = await iterator.ReadNextAsync(token).ConfigureAwait(false);
            _charges.Record("read_changes", response.Headers.RequestCharge, response.StatusCode);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                var unchanged = response.ContinuationToken is { Length: > 0 } next ? next : position.Serialize();
                return Attempt<ChangePage>.Done(new ChangePage(Array.Empty<StoredDocument>(), unchanged));
            }

            if (!response.IsSuccessStatusCode)
            {
                return CosmosRetryPolicy.FromResponse<ChangePage>("read_changes", response);
            }

            var changes = await DocumentEnvelope.ReadFeedAsync(response.Content, token).ConfigureAwait(false);
            if (position.DeliveredCount > 0)
            {
                changes.RemoveAll(position.WasDelivered);
            }

            if (changes.Count <= maxItems)
            {
                var next = response.ContinuationToken is { Length: > 0 } afterPage
                    ? afterPage
                    : throw new StoreUnavailableException("Cosmos DB returned a change-feed page without a continuation.");
                return Attempt<ChangePage>.Done(new ChangePage(changes, next));
            }

            var handedOut = changes.GetRange(0, maxItems);
            return Attempt<ChangePage>.Done(new ChangePage(handedOut, position.WithDelivered(handedOut)));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads ahead from <paramref name="continuation"/> without moving it, up to
    /// <see cref="CosmosStoreOptions.MaxLagReadAheadItems"/> changes; beyond that the count means "at
    /// least". The change-feed estimator works on change-feed-processor leases, which the pull model's
    /// stored continuations are not, so reading ahead is the honest measure here. It costs about as many
    /// request units as reading the pending changes once.
    /// </remarks>
    public async ValueTask<ChangeFeedLag> EstimateLagAsync(string? continuation, CancellationToken cancellationToken)
    {
        var position = ChangeFeedPosition.Parse(continuation);
        return await _retries.ExecuteAsync("estimate_lag", async token =>
        {
            long behind = 0;
            DateTimeOffset? oldest = null;
            var pageSize = Math.Min(StoreLimits.MaxPageSize, _maxLagReadAheadItems);
            using var iterator = _ledger.GetChangeFeedStreamIterator(
                position.StartFrom(),
                ChangeFeedMode.LatestVersion,
                new ChangeFeedRequestOptions { PageSizeHint = pageSize });
            for (var page = 0; iterator.HasMoreResults && behind < _maxLagReadAheadItems; page++)
            {
                RequirePageBound(page, "estimate_lag");
                using var response = await iterator.ReadNextAsync(token).ConfigureAwait(false);
                _charges.Record("estimate_lag", response.Headers.RequestCharge, response.StatusCode);
                if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    break;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return CosmosRetryPolicy.FromResponse<ChangeFeedLag>("estimate_lag", response);
                }

                foreach (var change in await DocumentEnvelope.ReadFeedAsync(response.Content, token).ConfigureAwait(false))
                {
                    if (position.WasDelivered(change))
                    {
                        continue;
                    }

                    behind++;
                    if (oldest is null || change.CommittedAt < oldest)
                    {
                        oldest = change.CommittedAt;
                    }
                }
            }

            return Attempt<ChangeFeedLag>.Done(new ChangeFeedLag(behind, oldest));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<string?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidId(consumerName, nameof(consumerName));
        return await _retries.ExecuteAsync("read_checkpoint", async token =>
        {
            using var response = await _leases.ReadItemStreamAsync(consumerName, new PartitionKey(consumerName), cancellationToken: token).ConfigureAwait(false);
            _charges.Record("read_checkpoint", response.Headers.RequestCharge, response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                var checkpoint = await JsonSerializer.DeserializeAsync(response.Content, CosmosJsonContext.Default.CheckpointDocument, token).ConfigureAwait(false);
                return Attempt<string?>.Done(checkpoint?.Continuation
                    ?? throw new InvalidOperationException($"Checkpoint '{consumerName}' has no continuation."));
            }

            return IsMissingItem(response)
                ? Attempt<string?>.Done(null)
                : MissingOrFailure<string?>("read_checkpoint", response);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask WriteCheckpointAsync(string consumerName, string continuation, CancellationToken cancellationToken)
    {
        StoreLimits.RequireValidId(consumerName, nameof(consumerName));
        ArgumentException.ThrowIfNullOrEmpty(continuation);
        await _retries.ExecuteAsync("write_checkpoint", async token =>
        {
            var document = new CheckpointDocument(consumerName, CheckpointDocument.DocumentType, continuation, _time.GetUtcNow());
            using var payload = new MemoryStream();
            await JsonSerializer.SerializeAsync(payload, document, CosmosJsonContext.Default.CheckpointDocument, token).ConfigureAwait(false);
            payload.Position = 0;
            using var response = await _leases.UpsertItemStreamAsync(
                payload,
                new PartitionKey(consumerName),
                new ItemRequestOptions { EnableContentResponseOnWrite = false },
                token).ConfigureAwait(false);
            _charges.Record("write_checkpoint", response.Headers.RequestCharge, response.StatusCode);
            return response.IsSuccessStatusCode
                ? Attempt<bool>.Done(true)
                : CosmosRetryPolicy.FromResponse<bool>("write_checkpoint", response);
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _ownedClient?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A 404 with sub-status 0 is a missing item; other 404s say the container or session is not there.</summary>
    private static bool IsMissingItem(ResponseMessage response)
        => response.StatusCode == HttpStatusCode.NotFound
           && (!response.Headers.TryGetValue(CosmosStatus.SubStatusHeader, out var subStatus) || subStatus is null or "0");

    private static Attempt<T> MissingOrFailure<T>(string operation, ResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Headers.TryGetValue(CosmosStatus.SubStatusHeader, out var subStatus);
            if (subStatus == CosmosStatus.ReadSessionNotAvailableSubStatus)
            {
                return Attempt<T>.Retry(HttpStatusCode.NotFound, null, $"Cosmos DB {operation}: the session has not caught up yet (404/1002).");
            }

            throw new StoreUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Cosmos DB {operation} found no container or database (404/{subStatus}): {response.ErrorMessage}"));
        }

        return CosmosRetryPolicy.FromResponse<T>(operation, response);
    }

    private static void RequirePageBound(int page, string operation)
    {
        if (page >= MaxPagesPerCall)
        {
            throw new StoreUnavailableException($"Cosmos DB {operation} read {MaxPagesPerCall} pages without finishing.");
        }
    }
}
