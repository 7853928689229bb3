using System.Text.Json;

namespace Ledger.Client.Offline;

/// <summary>
/// A write the offline queue can hold: a mint, burn or catalog operation, a transfer, or a shared-ledger
/// posting. Each knows how it is stored, how it is sent, and what it will do to balances once it posts.
/// </summary>
public abstract record OfflineWrite
{
    private protected OfflineWrite()
    {
    }

    /// <summary>The idempotency key the write was queued with (every send of it uses this key).</summary>
    public abstract string? IdempotencyKey { get; }

    /// <summary>What the stored row calls this kind of write.</summary>
    internal abstract string Kind { get; }

    internal abstract string ToJson();

    internal abstract OfflineWrite WithKey(string key);

    /// <summary>Sends the write and returns what it tells about balances.</summary>
    internal abstract Task<SentWrite> SendAsync(LedgerClient client, CancellationToken cancellationToken);

    /// <summary>What the write does to each account it touches, once it posts; null where the queue cannot know.</summary>
    internal abstract IEnumerable<(string AccountId, long? Delta)> Effects(OfflineLedgerOptions options);

    public static OfflineWrite Of(TransactionRequest request) => new QueuedTransaction(request);

    public static OfflineWrite Of(TransferRequest request) => new QueuedTransfer(request);

    public static OfflineWrite Of(LedgerPostRequest request) => new QueuedLedgerPost(request);

    internal static OfflineWrite Parse(string kind, string json, string key) => kind switch
    {
        QueuedTransaction.Name => new QueuedTransaction(JsonSerializer.Deserialize(json, ClientJson.Default.TransactionRequest)! with { IdempotencyKey = key }),
        QueuedTransfer.Name => new QueuedTransfer(JsonSerializer.Deserialize(json, ClientJson.Default.TransferRequest)! with { IdempotencyKey = key }),
        QueuedLedgerPost.Name => new QueuedLedgerPost(JsonSerializer.Deserialize(json, ClientJson.Default.LedgerPostRequest)! with { IdempotencyKey = key }),
        _ => throw new InvalidDataException($"The queue holds a write of unknown kind '{kind}'."),
    };

    internal static long? OperationDelta(OfflineLedgerOptions options, string operation, long? amount)
        => options.Operations.TryGetValue(operation, out var effect) ? effect.DeltaFor(amount) : null;
}

/// <summary>What a sent write answered: its response as JSON, balances it reports, and accounts whose balance it changed without saying.</summary>
internal sealed record SentWrite(string ResponseJson, IReadOnlyList<(string AccountId, long Balance)> Balances, IReadOnlyList<string> StaleAccounts);

/// <summary><c>POST /transactions</c>: a mint, burn or catalog operation.</summary>
public sealed record QueuedTransaction(TransactionRequest Request) : OfflineWrite
{
    internal const string Name = "transaction";

    public override string? IdempotencyKey => Request.IdempotencyKey;

    internal override string Kind => Name;

    internal override string ToJson() => JsonSerializer.Serialize(Request, ClientJson.Default.TransactionRequest);

    internal override OfflineWrite WithKey(string key) => this with { Request = Request with { IdempotencyKey = key } };

    internal override async Task<SentWrite> SendAsync(LedgerClient client, CancellationToken cancellationToken)
    {
        var entry = await client.PostTransactionAsync(Request, cancellationToken).ConfigureAwait(false);
        return new SentWrite(JsonSerializer.Serialize(entry, ClientJson.Default.Entry), [(entry.AccountId, entry.BalanceAfter)], []);
    }

    internal override IEnumerable<(string AccountId, long? Delta)> Effects(OfflineLedgerOptions options)
    {
        yield return (Request.AccountId, Request.Kind switch
        {
            TransactionKind.Mint => Request.Amount,
            TransactionKind.Burn => checked(-Request.Amount),
            _ => OperationDelta(options, Request.Operation ?? "", Request.Amount),
        });
    }
}

/// <summary><c>POST /transfers</c>.</summary>
public sealed record QueuedTransfer(TransferRequest Request) : OfflineWrite
{
    internal const string Name = "transfer";

    public override string? IdempotencyKey => Request.IdempotencyKey;

    internal override string Kind => Name;

    internal override string ToJson() => JsonSerializer.Serialize(Request, ClientJson.Default.TransferRequest);

    internal override OfflineWrite WithKey(string key) => this with { Request = Request with { IdempotencyKey = key } };

    internal override async Task<SentWrite> SendAsync(LedgerClient client, CancellationToken cancellationToken)
    {
        var transfer = await client.StartTransferAsync(Request, cancellationToken).ConfigureAwait(false);

        // A transfer's answer carries no balances: both sides are read again after it.
        return new SentWrite(JsonSerializer.Serialize(transfer, ClientJson.Default.Transfer), [], [transfer.From, transfer.To]);
    }

    internal override IEnumerable<(string AccountId, long? Delta)> Effects(OfflineLedgerOptions options)
    {
        yield return (Request.From, checked(-Request.Amount));
        yield return (Request.To, Request.Amount);
    }
}

/// <summary><c>POST /ledger</c>: a catalog operation for an owner (the account's id is the owner's).</summary>
public sealed record QueuedLedgerPost(LedgerPostRequest Request) : OfflineWrite
{
    internal const string Name = "ledger_post";

    public override string? IdempotencyKey => Request.IdempotencyKey;

    internal override string Kind => Name;

    internal override string ToJson() => JsonSerializer.Serialize(Request, ClientJson.Default.LedgerPostRequest);

    internal override OfflineWrite WithKey(string key) => this with { Request = Request with { IdempotencyKey = key } };

    internal override async Task<SentWrite> SendAsync(LedgerClient client, CancellationToken cancellationToken)
    {
        var posting = await client.PostLedgerAsync(Request, cancellationToken).ConfigureAwait(false);
        return new SentWrite(JsonSerializer.Serialize(posting, ClientJson.Default.LedgerPosting), [(posting.AccountId, posting.Balance)], []);
    }

    internal override IEnumerable<(string AccountId, long? Delta)> Effects(OfflineLedgerOptions options)
    {
        yield return (Request.OwnerId, OperationDelta(options, Request.Operation, Request.Amount));
    }
}
