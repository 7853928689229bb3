using System.Text.Json.Serialization;

namespace Ledger.Client;

/// <summary>The answer to a batch: one result per item, in the order of the items sent.</summary>
public sealed record TransactionBatchResult
{
    [JsonPropertyName("results")] public required IReadOnlyList<BatchItemResult> Results { get; init; }

    /// <summary>Items whose status is 201.</summary>
    [JsonPropertyName("posted")] public required int Posted { get; init; }

    /// <summary>Items answered with a problem.</summary>
    [JsonPropertyName("refused")] public required int Refused { get; init; }
}

/// <summary>One item's answer: the status <c>POST /transactions</c> would have given it, with its entry (201) or its problem.</summary>
public sealed record BatchItemResult
{
    [JsonPropertyName("status")] public required int Status { get; init; }
    [JsonPropertyName("entry")] public Entry? Entry { get; init; }
    [JsonPropertyName("problem")] public LedgerProblem? Problem { get; init; }
}

/// <summary>The wire body of <c>POST /transactions/batch</c>: the items carry their keys as nonces (the batch has no header of its own).</summary>
internal sealed record TransactionBatchBody
{
    [JsonPropertyName("items")] public required IReadOnlyList<TransactionBatchItem> Items { get; init; }
}

internal sealed record TransactionBatchItem
{
    [JsonPropertyName("kind")] public required TransactionKind Kind { get; init; }
    [JsonPropertyName("account_id")] public required string AccountId { get; init; }
    [JsonPropertyName("amount")] public long? Amount { get; init; }
    [JsonPropertyName("operation")] public string? Operation { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("memo")] public string? Memo { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }
    [JsonPropertyName("nonce")] public required string Nonce { get; init; }

    public static TransactionBatchItem Of(TransactionRequest request, string key) => new()
    {
        Kind = request.Kind,
        AccountId = request.AccountId,
        Amount = request.Amount,
        Operation = request.Operation,
        Reason = request.Reason,
        Memo = request.Memo,
        Category = request.Category,
        Nonce = key,
    };
}

public sealed partial class LedgerClient
{
    /// <summary>
    /// <c>POST /transactions/batch</c>: up to 1,000 mints, burns and operations, each decided on its own exactly as
    /// <see cref="PostTransactionAsync"/> would decide it (some may post while others are refused). Each item's key is
    /// its <see cref="KeyedRequest.IdempotencyKey"/>, or one chosen here, once, so a resent batch replays every item.
    /// </summary>
    public async Task<TransactionBatchResult> PostTransactionBatchAsync(IReadOnlyList<TransactionRequest> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var body = new TransactionBatchBody { Items = items.Select(item => TransactionBatchItem.Of(item, item.IdempotencyKey ?? NewIdempotencyKey())).ToArray() };
        var content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.TransactionBatchBody));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return await SendAsync(HttpMethod.Post, "transactions/batch", content, key: null, ClientJson.Default.TransactionBatchResult, cancellationToken).ConfigureAwait(false);
    }
}
