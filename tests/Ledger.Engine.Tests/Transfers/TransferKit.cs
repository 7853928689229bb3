using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests.Transfers;

/// <summary>The few calls the transfer tests repeat, all in <see cref="TestLedger.App1"/>.</summary>
internal static class TransferKit
{
    public static readonly AppId App = TestLedger.App1;

    /// <summary>
    /// How long a request waits for its saga. A bound, not an expectation: an in-process saga on a test store
    /// finishes in milliseconds, and a request that does not finish answers "not finished" instead of failing.
    /// </summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public static TransactionDetails Details(string reason = "content_unlock") => TransactionDetails.From(reason);

    public static Task<Result<TransferOutcome>> TransferAsync(LedgerEngine engine, string from, string to, long amount, string key, string reason = "content_unlock")
        => engine.TransferAsync(App, IdempotencyKey.From(key), new TransferRequest(AccountId.From(from), AccountId.From(to), amount, Details(reason)), Wait, CancellationToken.None);

    public static Task<Result<TransferDocument>> HoldAsync(LedgerEngine engine, string from, string to, long amount, string key, long expiresInSeconds = 3600)
        => engine.PlaceHoldAsync(App, IdempotencyKey.From(key), new HoldRequest(AccountId.From(from), AccountId.From(to), amount, Details("hold"), new HoldExpiry(null, expiresInSeconds)), CancellationToken.None);

    public static Task<Result<TransferOutcome>> CaptureAsync(LedgerEngine engine, string holdId, string key, long? amount = null)
        => engine.CaptureHoldAsync(App, IdempotencyKey.From(key), holdId, amount, Wait, CancellationToken.None);

    public static Task<Result<TransferDocument>> VoidAsync(LedgerEngine engine, string holdId)
        => engine.VoidHoldAsync(App, holdId);

    public static Task<Result<TransferOutcome>> RefundAsync(LedgerEngine engine, string transferId, string key, long? amount = null)
        => engine.RefundTransferAsync(App, IdempotencyKey.From(key), transferId, new RefundRequest(amount, null), Wait, CancellationToken.None);

    public static async Task<TransferDocument> GetAsync(LedgerEngine engine, string transferId)
        => Expect.Success(await engine.GetTransferAsync(App, transferId, CancellationToken.None));

    public static TransferKey Key(string transferId) => new(App.Value, transferId);

    /// <summary>The id the engine gives the transfer a request with <paramref name="key"/> creates.</summary>
    public static string TransferIdOf(string key, string from, string scope = "transfer")
        => TransferId.Derive(App, IdempotencyKey.From(key), scope, AccountId.From(from)).Value;

    /// <summary>Opens the accounts and mints <paramref name="funds"/> into each of <paramref name="funded"/>; returns what was minted.</summary>
    public static async Task<long> SetUpAsync(TestLedger ledger, string[] accounts, long funds, params string[] funded)
    {
        foreach (var account in accounts)
        {
            await ledger.OpenAsync(account, owner: "owner-" + account);
        }

        foreach (var account in funded)
        {
            Expect.Success(await ledger.MintAsync(account, funds, "fund-" + account));
        }

        return funds * funded.Length;
    }

    /// <summary>Runs every call to its end and keeps exceptions as outcomes, so one failure cannot hide the others.</summary>
    public static async Task<List<Outcome<T>>> RunAllAsync<T>(IEnumerable<Func<Task<Result<T>>>> calls)
    {
        var tasks = calls.Select(call => Task.Run(call)).ToArray();
        var outcomes = new List<Outcome<T>>(tasks.Length);
        foreach (var task in tasks)
        {
            try
            {
                outcomes.Add(new Outcome<T>(await task, null));
            }
            catch (Exception exception)
            {
                outcomes.Add(new Outcome<T>(default, exception));
            }
        }

        return outcomes;
    }
}

/// <summary>One call's end: a result, or the exception it threw.</summary>
internal sealed record Outcome<T>(Result<T> Result, Exception? Exception)
{
    public bool Succeeded => Exception is null && Result.IsSuccess;

    public string? Code => Exception is null && !Result.IsSuccess ? Result.Error!.Code : null;

    public override string ToString() => Exception is not null ? $"threw {Exception.GetType().Name}: {Exception.Message}" : Result.IsSuccess ? "success" : $"refused {Result.Error!.Code}";
}
