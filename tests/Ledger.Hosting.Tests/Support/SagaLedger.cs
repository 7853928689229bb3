using Ledger.Domain;
using Ledger.Engine;
using Ledger.Storage.InMemory;

namespace Ledger.Hosting.Tests.Support;

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

/// <summary>A saga driver that drives nothing: the request only reserves, and the transfer waits for a driver.</summary>
internal sealed class NotDriven : ITransferSagaDriver
{
    public static readonly NotDriven Instance = new();

    public Task<TransferDocument?> RunAsync(TransferKey transfer, TimeSpan wait, CancellationToken cancellationToken)
        => Task.FromResult<TransferDocument?>(null);
}

/// <summary>The engine's steps, run directly, with the name of every step recorded: the local driver, observed.</summary>
internal sealed class RecordingTransferSteps(ITransferSteps inner) : ITransferSteps
{
    private readonly List<string> _steps = [];

    public IReadOnlyList<string> Steps => _steps;

    public DateTimeOffset UtcNow => inner.UtcNow;

    public Task<TransferDocument?> ReadAsync(TransferKey transfer, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.Read, inner.ReadAsync(transfer, cancellationToken));

    public Task<CreditStepResult> CreditDestinationAsync(TransferKey transfer, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.CreditDestination, inner.CreditDestinationAsync(transfer, cancellationToken));

    public Task<TransferDocument> CommitSourceAsync(TransferKey transfer, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.CommitSource, inner.CommitSourceAsync(transfer, cancellationToken));

    public Task<TransferDocument> VoidSourceAsync(TransferKey transfer, VoidReason reason, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.VoidSource, inner.VoidSourceAsync(transfer, reason, cancellationToken));

    public Task<TransferDocument> ExpireHoldAsync(TransferKey transfer, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.ExpireHold, inner.ExpireHoldAsync(transfer, cancellationToken));

    public Task<CreditStepResult> RefuseOverdueCreditAsync(TransferKey transfer, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.RefuseOverdueCredit, inner.RefuseOverdueCreditAsync(transfer, cancellationToken));

    public Task<TransferDocument> RecordFailureAsync(TransferKey transfer, SagaFailure failure, CancellationToken cancellationToken)
        => Record(ReplayingTransferSteps.RecordFailure, inner.RecordFailureAsync(transfer, failure, cancellationToken));

    private Task<T> Record<T>(string name, Task<T> step)
    {
        _steps.Add(name);
        return step;
    }
}

/// <summary>One engine on a fresh in-memory store, app <c>app1</c>, a clock the test controls.</summary>
internal sealed class SagaLedger : IAsyncDisposable
{
    public static readonly AppId App = AppId.From("app1");

    private readonly InMemoryLedgerStore _store;

    public SagaLedger()
    {
        Clock = new ManualClock();
        _store = new InMemoryLedgerStore(Clock);
        Engine = new LedgerEngine(_store, new AppCatalogs([OperationCatalog.For(App).Build()]), Clock);
    }

    public ManualClock Clock { get; }

    public LedgerEngine Engine { get; }

    public static TransferKey Key(string transferId) => new(App.Value, transferId);

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

    /// <summary>A transfer reserved on its source and left in Crediting: the request drove nothing.</summary>
    public async Task<TransferDocument> ReserveTransferAsync(string from, string to, long amount, string key)
    {
        var started = await Engine.TransferAsync(App, IdempotencyKey.From(key), new TransferRequest(AccountId.From(from), AccountId.From(to), amount, TransactionDetails.From("content_unlock")), TimeSpan.Zero, CancellationToken.None, NotDriven.Instance);
        Assert.True(started.IsSuccess, started.Error?.Message);
        Assert.False(started.Value.Finished);
        Assert.Equal("crediting", started.Value.Transfer.State);
        return started.Value.Transfer;
    }

    public async Task<TransferDocument> PlaceHoldAsync(string from, string to, long amount, string key, long expiresInSeconds)
    {
        var placed = await Engine.PlaceHoldAsync(App, IdempotencyKey.From(key), new HoldRequest(AccountId.From(from), AccountId.From(to), amount, TransactionDetails.From("hold"), new HoldExpiry(null, expiresInSeconds)), CancellationToken.None);
        Assert.True(placed.IsSuccess, placed.Error?.Message);
        Assert.Equal("reserved", placed.Value.State);
        return placed.Value;
    }

    /// <summary>Captures a hold without driving it, so the captured hold waits in Crediting.</summary>
    public async Task<TransferDocument> CaptureHoldAsync(string holdId, long? amount, string key)
    {
        var captured = await Engine.CaptureHoldAsync(App, IdempotencyKey.From(key), holdId, amount, TimeSpan.Zero, CancellationToken.None, NotDriven.Instance);
        Assert.True(captured.IsSuccess, captured.Error?.Message);
        Assert.Equal("crediting", captured.Value.Transfer.State);
        return captured.Value.Transfer;
    }

    /// <summary>Requests a refund of a posted transfer without driving it.</summary>
    public async Task<TransferDocument> ReserveRefundAsync(string transferId, long? amount, string key)
    {
        var refund = await Engine.RefundTransferAsync(App, IdempotencyKey.From(key), transferId, new RefundRequest(amount, null), TimeSpan.Zero, CancellationToken.None, NotDriven.Instance);
        Assert.True(refund.IsSuccess, refund.Error?.Message);
        Assert.Equal("crediting", refund.Value.Transfer.State);
        return refund.Value.Transfer;
    }

    public async Task FreezeAsync(string account)
    {
        var frozen = await Engine.FreezeAsync(App, AccountId.From(account));
        Assert.True(frozen.IsSuccess, frozen.Error?.Message);
    }

    public async Task<AccountState> AccountAsync(string account)
    {
        var found = await Engine.GetAccountAsync(App, AccountId.From(account), CancellationToken.None);
        Assert.True(found.IsSuccess, found.Error?.Message);
        return found.Value;
    }

    public async Task<IReadOnlyList<EntryDocument>> EntriesAsync(string account)
    {
        var page = await Engine.GetEntriesAsync(App, AccountId.From(account), null, LedgerEngine.MaxPageSize, CancellationToken.None);
        Assert.True(page.IsSuccess, page.Error?.Message);
        return page.Value.Entries;
    }

    public async Task<TransferDocument> TransferAsync(string transferId)
    {
        var found = await Engine.GetTransferAsync(App, transferId, CancellationToken.None);
        Assert.True(found.IsSuccess, found.Error?.Message);
        return found.Value;
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
