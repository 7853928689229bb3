using System.Text.Json;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Http.Authentication;
using Ledger.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Ledger.Http;

/// <summary>
/// <c>POST /transactions/batch</c>: many <c>POST /transactions</c> in one request. Each item is decided and
/// committed by the engine exactly as a single posting is (same key space, same replay and reuse rules,
/// the same partition pipeline, so items of one account are serialized and group-committed), and the
/// items run concurrently. Nothing is atomic across items: each item takes effect or not on its own, and
/// the answer says which, item by item in request order.
/// </summary>
public sealed partial class LedgerApi
{
    /// <summary>The most items one batch may carry.</summary>
    public const int MaxBatchItems = 1000;

    /// <summary>The largest batch body: 1,000 items of about 1 KiB each. Only this route reads more than <see cref="RequestBody.MaxBytes"/>.</summary>
    public const int MaxBatchBytes = 1024 * 1024;

    private static readonly HashSet<string> BatchFields = ["items"];

    internal async Task<IResult> PostTransactionBatchAsync(ApiRequest request)
    {
        // A batch is no one write: replaying it is replaying each item, by the item's own key.
        if (request.Request.Headers.ContainsKey(IdempotencyKeyHeader))
        {
            return Problem(LedgerError.Invalid(IdempotencyKeyHeader, "a batch has no key of its own; give each item its nonce."), request);
        }

        AllowBatchBody(request.Http);
        var body = await RequestBody.ReadAsync(request.Request, BatchFields, maxBytes: MaxBatchBytes).ConfigureAwait(false);
        if (!body.TryGetValue(out var fields, out var error))
        {
            return Problem(error, request);
        }

        using (fields)
        {
            var items = fields.RequiredArray("items").Then(CheckItemCount);
            if (!items.TryGetValue(out var array, out var invalid))
            {
                return Problem(invalid, request);
            }

            var parsed = await ParseItemsAsync(request, array).ConfigureAwait(false);
            if (!parsed.TryGetValue(out var batch, out var refusal))
            {
                return Problem(refusal, request);
            }

            var results = await Task.WhenAll(batch.Select(item => RunItemAsync(request, item))).ConfigureAwait(false);
            var posted = results.Count(result => result.Entry is not null);
            return Json(new TransactionBatchResponse { Results = results, Posted = posted, Refused = results.Length - posted }, HttpJson.Api.TransactionBatchResponse);
        }
    }

    /// <summary>
    /// Kestrel's body bound is the host's (a few times <see cref="RequestBody.MaxBytes"/>); this route raises it
    /// for its own request only, one byte past <see cref="MaxBatchBytes"/> so the reader, not Kestrel, tells
    /// the client the bound. Hosts without the feature (the Functions worker) rely on the reader alone.
    /// </summary>
    private static void AllowBatchBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBatchBytes + 1L;
        }
    }

    private static Result<JsonElement> CheckItemCount(JsonElement items)
    {
        var count = items.GetArrayLength();
        return count is >= 1 and <= MaxBatchItems ? items : LedgerError.Invalid("items", $"send 1 to {MaxBatchItems} items; this batch has {count}.");
    }

    /// <summary>
    /// Each item parsed and its scope checked, or the item's refusal. Two items with one key are refused
    /// as a whole batch: which of them would take effect would depend on timing, not on the request.
    /// </summary>
    private static async Task<Result<BatchItem[]>> ParseItemsAsync(ApiRequest request, JsonElement items)
    {
        var parsed = new BatchItem[items.GetArrayLength()];
        var keys = new Dictionary<string, int>(parsed.Length, StringComparer.Ordinal);
        var scopes = new ScopeChecks(request.Http);
        var index = 0;
        foreach (var element in items.EnumerateArray())
        {
            var item = await ParseItemAsync(element, scopes).ConfigureAwait(false);
            if (item.Posting is { } keyed && !keys.TryAdd(keyed.Key.Value, index))
            {
                return LedgerError.Invalid($"items[{index}].nonce", $"items[{keys[keyed.Key.Value]}] has the same nonce; each item needs its own.");
            }

            parsed[index++] = item;
        }

        return parsed;
    }

    private static async Task<BatchItem> ParseItemAsync(JsonElement element, ScopeChecks scopes)
    {
        var shaped = RequestBody.Within(element, TransactionFields);
        if (!shaped.TryGetValue(out var fields, out var invalidShape))
        {
            return new BatchItem(null, invalidShape);
        }

        var kind = KindOf(fields);
        if (kind.IsSuccess && await scopes.RefusalAsync(ScopeOf(kind.Value)).ConfigureAwait(false) is { } refused)
        {
            return new BatchItem(null, refused);
        }

        var posting = TransactionOf(fields, kind, fields.String("nonce").Then(nonce => IdempotencyKey.Parse(nonce)));
        return posting.TryGetValue(out var keyed, out var invalid) ? new BatchItem(keyed, null) : new BatchItem(null, invalid);
    }

    /// <summary>One item through the engine; a failure of the store or of the engine is this item's answer, not the batch's.</summary>
    private async Task<BatchItemResult> RunItemAsync(ApiRequest request, BatchItem item)
    {
        if (item.Posting is not { } keyed)
        {
            return BatchItemResult.Refused(item.Refusal!);
        }

        try
        {
            var posted = await engine.PostTransactionAsync(request.App, keyed.Key, keyed.Posting, request.Aborted).ConfigureAwait(false);
            return posted.TryGetValue(out var entry, out var refusal) ? BatchItemResult.Posted(entry) : BatchItemResult.Refused(refusal);
        }
        catch (StoreUnavailableException exception)
        {
            logger.LogWarning(exception, "Store unavailable while posting a batch item");
            return BatchItemResult.Refused(new LedgerError(ErrorCodes.StoreUnavailable, "The ledger's store is unavailable; retry this item shortly. It was not acknowledged."));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !request.Aborted.IsCancellationRequested)
        {
            logger.LogError(exception, "Unexpected failure while posting a batch item");
            return BatchItemResult.Refused(new LedgerError(ErrorCodes.InternalError, "The ledger failed unexpectedly on this item; it may be retried with the same nonce."));
        }
    }

    /// <summary>A parsed item: the posting to run, or why it cannot run.</summary>
    private readonly record struct BatchItem(KeyedPosting? Posting, LedgerError? Refusal);

    /// <summary>Each scope a batch's items need is decided once per request, not once per item.</summary>
    private sealed class ScopeChecks(HttpContext context)
    {
        private readonly Dictionary<string, LedgerError?> _decided = new(StringComparer.Ordinal);

        public async ValueTask<LedgerError?> RefusalAsync(string scope)
        {
            if (!_decided.TryGetValue(scope, out var refusal))
            {
                refusal = await RequestAuthorization.RequireScopeAsync(context, scope).ConfigureAwait(false);
                _decided[scope] = refusal;
            }

            return refusal;
        }
    }
}
