using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Engine;

namespace Ledger.Http;

[Description("Up to 1,000 mints, burns and catalog operations, each with its own nonce. Each item is answered on its own; nothing is atomic across items.")]
public sealed record TransactionBatchBody
{
    [JsonPropertyName("items"), Description("The postings, answered in this order. Two items may not share a nonce.")]
    [MinLength(1), MaxLength(LedgerApi.MaxBatchItems)]
    public required IReadOnlyList<TransactionBatchItemBody> Items { get; init; }
}

[Description("One posting of a batch: the body of POST /transactions, with its nonce required (the batch has no Idempotency-Key).")]
public sealed record TransactionBatchItemBody
{
    [JsonPropertyName("kind"), Description("mint credits the account from issuance, burn debits it to issuance, operation applies a catalog operation.")]
    public required TransactionKindName Kind { get; init; }

    [JsonPropertyName("account_id"), Description("The account posted to."), RegularExpression(Rules.Identifier)]
    public required string AccountId { get; init; }

    [JsonPropertyName("amount"), Description("Required for mint and burn; for operations as the catalog says. " + Rules.AmountText), Range(1, Rules.MaxAmount)]
    public long? Amount { get; init; }

    [JsonPropertyName("operation"), Description("With kind operation: a name of the app's catalog."), RegularExpression(Rules.OperationName)]
    public string? Operation { get; init; }

    [JsonPropertyName("reason"), Description("Why; required for mint and burn."), RegularExpression(Rules.StructuredToken)]
    public string? Reason { get; init; }

    [JsonPropertyName("memo"), Description("Free text for people."), MaxLength(500)]
    public string? Memo { get; init; }

    [JsonPropertyName("category"), Description("A grouping for reports."), RegularExpression(Rules.StructuredToken)]
    public string? Category { get; init; }

    [JsonPropertyName("nonce"), Description("The item's idempotency key, in the same key space as POST /transactions: replaying it answers the original outcome."), RegularExpression(Rules.Nonce)]
    public required string Nonce { get; init; }
}

/// <summary>The answer to <c>POST /transactions/batch</c>: one result per item, in request order.</summary>
[Description("One result per item, in the order of the request's items, and how many were posted and refused.")]
public sealed record TransactionBatchResponse
{
    [JsonPropertyName("results")] public required IReadOnlyList<BatchItemResult> Results { get; init; }

    [JsonPropertyName("posted"), Description("Items whose status is 201.")] public required int Posted { get; init; }

    [JsonPropertyName("refused"), Description("Items answered with a problem.")] public required int Refused { get; init; }
}

/// <summary>One item's answer: the status and body <c>POST /transactions</c> would have answered it with.</summary>
[Description("The status POST /transactions would have answered this item with, and its entry (201) or its problem.")]
public sealed record BatchItemResult
{
    [JsonPropertyName("status")] public required int Status { get; init; }

    [JsonPropertyName("entry"), Description("The entry posted (or the replay of the one this nonce posted); only with status 201.")]
    public EntryDocument? Entry { get; init; }

    [JsonPropertyName("problem"), Description("Why this item was refused; its code is one POST /transactions answers with.")]
    public ProblemBody? Problem { get; init; }

    public static BatchItemResult Posted(EntryDocument entry) => new() { Status = 201, Entry = entry };

    public static BatchItemResult Refused(LedgerError error)
    {
        var problem = Problems.Body(error);
        return new BatchItemResult { Status = problem.Status, Problem = problem };
    }
}
