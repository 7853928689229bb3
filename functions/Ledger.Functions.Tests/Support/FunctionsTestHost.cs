using System.Text;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Hosting;
using Ledger.Http;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Functions.Tests.Support;

/// <summary>A clock that moves only when a test moves it.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public static readonly DateTimeOffset Start = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private long _ticks = start.UtcTicks;

    public ManualClock()
        : this(Start)
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>A saga driver that drives nothing: the request only reserves.</summary>
internal sealed class NotDriven : ITransferSagaDriver
{
    public static readonly NotDriven Instance = new();

    public Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken)
        => Task.FromResult<TransferDocument?>(null);
}

/// <summary>
/// The Functions app's services as Program.cs composes them (<see cref="LedgerServiceCollectionExtensions.AddLedger"/>),
/// on an in-memory store and a manual clock; the HTTP functions and orchestration classes built on them;
/// and requests as the Functions host hands them to a function.
/// </summary>
internal sealed class FunctionsTestHost : IAsyncDisposable
{
    public const string App1Key = "test-app1-key";

    /// <summary>A key of app1 that may only post its catalog's operations (scope ledger.operations).</summary>
    public const string CatalogOnlyKey = "test-app1-catalog-key";
    public static readonly AppId App = AppId.From("app1");

    private readonly ServiceProvider _provider;
    private readonly List<AsyncServiceScope> _requestScopes = [];

    /// <param name="clockStart">Where the manual clock starts; <see cref="ManualClock.Start"/> when not given.</param>
    /// <param name="store">
    /// The store, when the test shares one between hosts or wraps it; the test then owns it (the host does not
    /// dispose it). A fresh in-memory store on the manual clock when not given.
    /// </param>
    public FunctionsTestHost(DateTimeOffset? clockStart = null, Func<TimeProvider, ILedgerStore>? store = null)
    {
        Clock = new ManualClock(clockStart ?? ManualClock.Start);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ledger:Apps:app1:ApiKeys:0"] = App1Key,
            ["Ledger:Apps:app1:Keys:0:Key"] = CatalogOnlyKey,
            ["Ledger:Apps:app1:Keys:0:Scopes:0"] = "ledger.operations",
            ["Ledger:Apps:app1:Operations:DAILY_REWARD"] = "+1",
            ["Ledger:Apps:app1:Operations:SIGNUP_CREDIT"] = "+3",
            ["Ledger:Apps:app1:Operations:CREDIT_SPEND"] = "-1",
            ["Ledger:Apps:app1:Operations:CREDIT_ADD"] = "+10",
        }).Build();

        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLedger(configuration);

        // Registered last, so it is the store every service gets instead of the configured one. A store the
        // test passes in is registered as an instance, which the container leaves to the test to dispose.
        if (store is null)
        {
            services.AddSingleton<ILedgerStore>(_ => new InMemoryLedgerStore(Clock));
        }
        else
        {
            services.AddSingleton(store(Clock));
        }

        _provider = services.BuildServiceProvider();
        Api = _provider.GetRequiredService<LedgerApi>();
        Http = new LedgerHttpFunctions(Api);
        Orchestration = new TransferOrchestration(Engine);
    }

    public ManualClock Clock { get; }

    public LedgerApi Api { get; }

    public LedgerEngine Engine => Api.Engine;

    public LedgerHttpFunctions Http { get; }

    public TransferOrchestration Orchestration { get; }

    public static TransferKey Key(string transferId) => new(App.Value, transferId);

    /// <summary>A request as the Functions host hands it to a function: no route values set yet.</summary>
    public HttpRequest NewRequest(string method, string path, string? json = null, string? apiKey = App1Key, string? idempotencyKey = null)
    {
        // A scope per request, as the Functions host gives one: the authentication handlers live in it.
        var scope = _provider.CreateAsyncScope();
        _requestScopes.Add(scope);
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Request.Path = path;
        if (apiKey is not null)
        {
            context.Request.Headers[LedgerApi.ApiKeyHeader] = apiKey;
        }

        if (idempotencyKey is not null)
        {
            context.Request.Headers[LedgerApi.IdempotencyKeyHeader] = idempotencyKey;
        }

        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = bytes.Length;
            context.Request.Body = new MemoryStream(bytes);
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    /// <summary>Executes the function's result as the Functions host's ASP.NET Core integration does, and reads the response.</summary>
    public static async Task<Answer> ExecuteAsync(IResult result, HttpRequest request)
    {
        var context = request.HttpContext;
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body, Encoding.UTF8, leaveOpen: true);
        return new Answer(context.Response.StatusCode, await reader.ReadToEndAsync(), context.Response.Headers.Location.ToString());
    }

    public async Task OpenAsync(string account, long funds = 0)
    {
        var opened = await Engine.OpenAccountAsync(App, IdempotencyKey.From("open-" + account), new OpenAccountCommand(OwnerId.From("owner-" + account), AccountId.From(account), 0, null), CancellationToken.None);
        Assert.True(opened.IsSuccess, opened.Error?.Message);
        if (funds > 0)
        {
            var minted = await Engine.PostTransactionAsync(App, IdempotencyKey.From("fund-" + account), new TransactionPosting(TransactionKind.Mint, AccountId.From(account), funds, null, TransactionDetails.From("credit_purchase")), CancellationToken.None);
            Assert.True(minted.IsSuccess, minted.Error?.Message);
        }
    }

    /// <summary>A transfer reserved and left in Crediting, as a request leaves it before its orchestration runs.</summary>
    public async Task<TransferDocument> ReserveTransferAsync(string from, string to, long amount, string key)
    {
        var started = await Engine.TransferAsync(App, IdempotencyKey.From(key), new TransferRequest(AccountId.From(from), AccountId.From(to), amount, TransactionDetails.From("content_unlock")), TimeSpan.Zero, CancellationToken.None, NotDriven.Instance);
        Assert.True(started.IsSuccess, started.Error?.Message);
        Assert.Equal("crediting", started.Value.Transfer.State);
        return started.Value.Transfer;
    }

    public async Task<TransferDocument> PlaceHoldAsync(string from, string to, long amount, string key, long expiresInSeconds)
    {
        var placed = await Engine.PlaceHoldAsync(App, IdempotencyKey.From(key), new HoldRequest(AccountId.From(from), AccountId.From(to), amount, TransactionDetails.From("hold"), new HoldExpiry(null, expiresInSeconds)), CancellationToken.None);
        Assert.True(placed.IsSuccess, placed.Error?.Message);
        return placed.Value;
    }

    public async Task<AccountState> AccountAsync(string account)
    {
        var found = await Engine.GetAccountAsync(App, AccountId.From(account), CancellationToken.None);
        Assert.True(found.IsSuccess, found.Error?.Message);
        return found.Value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scope in _requestScopes)
        {
            await scope.DisposeAsync();
        }

        await _provider.DisposeAsync();
    }
}

/// <summary>A response: status, body and Location header.</summary>
internal sealed record Answer(int Status, string Body, string Location)
{
    public override string ToString() => $"{Status} {Body}";
}

/// <summary>Transfer documents in each state, for orchestrations whose activities are mocked.</summary>
internal static class Transfers
{
    public static readonly TransferKey Key = FunctionsTestHost.Key(
        TransferId.Derive(FunctionsTestHost.App, IdempotencyKey.From("transfer-1"), "transfer", AccountId.From("acct-src")).Value);

    private static readonly DateTimeOffset Created = ManualClock.Start;

    public static TransferDocument Crediting { get; } = new()
    {
        TransferId = Key.TransferId,
        AppId = Key.AppId,
        Kind = "transfer",
        From = "acct-src",
        To = "acct-dst",
        Amount = 30,
        SettleAmount = 30,
        State = "crediting",
        Reason = "content_unlock",
        TransactionId = TransferId.From(Key.TransferId).PostingTransactionId.Value,
        CreatedAt = Created,
        UpdatedAt = Created,
    };

    public static TransferDocument Posted { get; } = Crediting with { State = "posted", PostedAt = Created.AddSeconds(1), UpdatedAt = Created.AddSeconds(1) };

    public static TransferDocument Voided(string code, string message)
        => Crediting with { State = "voided", FailureCode = code, FailureMessage = message, VoidedAt = Created.AddSeconds(1), UpdatedAt = Created.AddSeconds(1) };

    public static TransferDocument Hold(DateTimeOffset expiresAt)
        => Crediting with { Kind = "hold", SettleAmount = null, State = "reserved", ExpiresAt = expiresAt };
}
