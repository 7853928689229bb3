using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests;

public abstract class LedgerEngineAccountsTests(StoreKind inMemory) : OnBothCommitPaths(inMemory)
{
    private static readonly AppId App1 = TestLedger.App1;
    private static readonly AppId App2 = TestLedger.App2;
    private static readonly OwnerId Alice = OwnerId.From("alice");

    private static Task<Result<AccountState>> OpenAsync(TestLedger ledger, string key, string? accountId = null, string owner = "alice", long floor = 0, long? threshold = null, AppId? app = null)
        => ledger.Engine.OpenAccountAsync(
            app ?? App1,
            IdempotencyKey.From(key),
            new OpenAccountCommand(OwnerId.From(owner), accountId is null ? null : AccountId.From(accountId), floor, threshold),
            CancellationToken.None);

    [Fact]
    public async Task An_account_opened_without_an_id_gets_one_derived_from_the_key()
    {
        await using var ledger = CreateLedger();

        var account = Expect.Success(await OpenAsync(ledger, "open-1", floor: -5, threshold: 3));

        Assert.Equal(AccountId.Derive(App1, IdempotencyKey.From("open-1")), account.Id);
        Assert.Equal(App1, account.App);
        Assert.Equal(Alice, account.Owner);
        Assert.Equal(AccountStatus.Open, account.Status);
        Assert.Equal(-5, account.Floor);
        Assert.Equal(3, account.LowBalanceThreshold);
        Assert.Equal(FakeTimeProvider.DefaultStart, account.CreatedAt);
        Assert.Equal(account, Expect.Success(await ledger.Engine.GetAccountAsync(App1, account.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task An_account_opened_with_an_explicit_id_has_that_id()
    {
        await using var ledger = CreateLedger();

        var account = Expect.Success(await OpenAsync(ledger, "open-1", accountId: "wallet-7"));

        Assert.Equal(AccountId.From("wallet-7"), account.Id);
    }

    [Fact]
    public async Task Repeating_the_same_open_returns_the_same_account()
    {
        await using var ledger = CreateLedger();
        var first = Expect.Success(await OpenAsync(ledger, "open-1"));
        ledger.Clock.Advance(TimeSpan.FromMinutes(1));

        var repeat = Expect.Success(await OpenAsync(ledger, "open-1"));

        Assert.Equal(first, repeat);
    }

    [Fact]
    public async Task Repeating_an_open_after_the_account_was_used_returns_the_original_reply()
    {
        await using var ledger = CreateLedger();
        var opened = Expect.Success(await OpenAsync(ledger, "open-1", accountId: "wallet-7"));
        Expect.Success(await ledger.MintAsync("wallet-7", 5, "m1"));

        var repeat = Expect.Success(await OpenAsync(ledger, "open-1", accountId: "wallet-7"));

        // Issue 2: a repeat gets the original status and body; the account itself has moved on.
        Assert.Equal(opened, repeat);
        Assert.Equal(0, repeat.Balance);
        Assert.Equal(5, (await ledger.AccountAsync("wallet-7")).Balance);
    }

    [Fact]
    public async Task The_same_open_key_with_a_different_request_is_refused_as_reused()
    {
        await using var ledger = CreateLedger();
        Expect.Success(await OpenAsync(ledger, "open-1"));

        Expect.Failure(await OpenAsync(ledger, "open-1", floor: -10), ErrorCodes.IdempotencyKeyReused);
        Expect.Failure(await OpenAsync(ledger, "open-1", owner: "bob"), ErrorCodes.IdempotencyKeyReused);
    }

    [Fact]
    public async Task Opening_an_id_that_already_exists_under_another_key_is_refused()
    {
        await using var ledger = CreateLedger();
        Expect.Success(await OpenAsync(ledger, "open-1", accountId: "wallet-7"));

        Expect.Failure(await OpenAsync(ledger, "open-2", accountId: "wallet-7"), ErrorCodes.AccountAlreadyExists, "account_id");
        Expect.Failure(await OpenAsync(ledger, "open-3", accountId: "wallet-7", owner: "bob"), ErrorCodes.AccountAlreadyExists);
        Assert.Equal(Alice, (await ledger.AccountAsync("wallet-7")).Owner);
    }

    [Fact]
    public async Task Retrying_an_open_that_was_refused_because_the_id_exists_is_refused_again()
    {
        await using var ledger = CreateLedger();
        Expect.Success(await OpenAsync(ledger, "open-1", accountId: "wallet-7"));
        Expect.Failure(await OpenAsync(ledger, "open-2", accountId: "wallet-7"), ErrorCodes.AccountAlreadyExists);

        Expect.Failure(await OpenAsync(ledger, "open-2", accountId: "wallet-7"), ErrorCodes.AccountAlreadyExists);
    }

    [Fact]
    public async Task An_open_with_an_invalid_floor_or_threshold_is_refused_before_its_key_is_claimed()
    {
        await using var ledger = CreateLedger();

        Expect.Failure(await OpenAsync(ledger, "open-1", floor: 1), ErrorCodes.InvalidField, "floor");
        Expect.Failure(await OpenAsync(ledger, "open-1", threshold: BalanceLimits.MaxBalance + 1), ErrorCodes.InvalidField, "low_balance_threshold");

        Assert.Equal(-1, Expect.Success(await OpenAsync(ledger, "open-1", floor: -1)).Floor);
    }

    [Fact]
    public async Task The_issuance_contra_account_cannot_be_opened()
    {
        await using var ledger = CreateLedger();

        Expect.Failure(
            await ledger.Engine.OpenAccountAsync(App1, IdempotencyKey.From("k"), new OpenAccountCommand(Alice, AccountId.Issuance, 0, null), CancellationToken.None),
            ErrorCodes.InvalidField,
            "account_id");
    }

    [Fact]
    public async Task A_frozen_account_refuses_postings_in_both_directions_until_unfrozen()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        Expect.Success(await ledger.MintAsync("acc-1", 10, "m1"));
        ledger.Clock.Advance(TimeSpan.FromMinutes(1));

        var frozen = Expect.Success(await ledger.Engine.FreezeAsync(App1, AccountId.From("acc-1")));

        Assert.Equal(AccountStatus.Frozen, frozen.Status);
        Assert.Equal(FakeTimeProvider.DefaultStart.AddMinutes(1), frozen.UpdatedAt);
        Expect.Failure(await ledger.MintAsync("acc-1", 1, "m2"), ErrorCodes.AccountFrozen);
        Expect.Failure(await ledger.BurnAsync("acc-1", 1, "b1"), ErrorCodes.AccountFrozen);
        Assert.Equal(10, (await ledger.AccountAsync("acc-1")).Balance);

        var unfrozen = Expect.Success(await ledger.Engine.UnfreezeAsync(App1, AccountId.From("acc-1")));

        Assert.Equal(AccountStatus.Open, unfrozen.Status);
        Expect.Success(await ledger.MintAsync("acc-1", 1, "m3"));
        Expect.Success(await ledger.BurnAsync("acc-1", 1, "b2"));
    }

    [Fact]
    public async Task A_frozen_default_account_refuses_shared_ledger_operations()
    {
        await using var ledger = CreateLedger();
        Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));
        Expect.Success(await ledger.Engine.FreezeAsync(App1, AccountId.From("alice")));

        Expect.Failure(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n2"), ErrorCodes.AccountFrozen);
        Expect.Failure(await ledger.PostOperationAsync("alice", "CREDIT_SPEND", "n3"), ErrorCodes.AccountFrozen);
    }

    [Fact]
    public async Task Freezing_twice_or_unfreezing_an_open_account_changes_nothing()
    {
        await using var ledger = CreateLedger();
        var opened = await ledger.OpenAsync("acc-1");
        ledger.Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(opened, Expect.Success(await ledger.Engine.UnfreezeAsync(App1, AccountId.From("acc-1"))));
        var frozen = Expect.Success(await ledger.Engine.FreezeAsync(App1, AccountId.From("acc-1")));
        ledger.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(frozen, Expect.Success(await ledger.Engine.FreezeAsync(App1, AccountId.From("acc-1"))));
    }

    [Fact]
    public async Task An_account_holding_credits_cannot_be_closed()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        Expect.Success(await ledger.MintAsync("acc-1", 3, "m1"));

        var error = Expect.Failure(await ledger.Engine.CloseAsync(App1, AccountId.From("acc-1")), ErrorCodes.AccountNotEmpty);

        Assert.Contains("holds 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(AccountStatus.Open, (await ledger.AccountAsync("acc-1")).Status);
    }

    [Fact]
    public async Task An_overdrawn_account_cannot_be_closed_either()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1", floor: -10);
        Expect.Success(await ledger.BurnAsync("acc-1", 4, "b1"));

        Expect.Failure(await ledger.Engine.CloseAsync(App1, AccountId.From("acc-1")), ErrorCodes.AccountNotEmpty);
    }

    [Fact]
    public async Task An_account_at_zero_closes_for_good_and_then_refuses_everything()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        Expect.Success(await ledger.MintAsync("acc-1", 3, "m1"));
        Expect.Success(await ledger.BurnAsync("acc-1", 3, "b1"));

        var closed = Expect.Success(await ledger.Engine.CloseAsync(App1, AccountId.From("acc-1")));

        Assert.Equal(AccountStatus.Closed, closed.Status);
        Expect.Failure(await ledger.MintAsync("acc-1", 1, "m2"), ErrorCodes.AccountClosed);
        Expect.Failure(await ledger.BurnAsync("acc-1", 1, "b2"), ErrorCodes.AccountClosed);
        Expect.Failure(await ledger.Engine.FreezeAsync(App1, AccountId.From("acc-1")), ErrorCodes.AccountClosed);
        Expect.Failure(await ledger.Engine.UnfreezeAsync(App1, AccountId.From("acc-1")), ErrorCodes.AccountClosed);
        Assert.Equal(closed, Expect.Success(await ledger.Engine.CloseAsync(App1, AccountId.From("acc-1"))));
        Assert.Equal(2, (await ledger.AllEntriesAsync("acc-1")).Count);
    }

    [Fact]
    public async Task A_frozen_account_at_zero_can_be_closed()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1");
        Expect.Success(await ledger.Engine.FreezeAsync(App1, AccountId.From("acc-1")));

        Assert.Equal(AccountStatus.Closed, Expect.Success(await ledger.Engine.CloseAsync(App1, AccountId.From("acc-1"))).Status);
    }

    [Fact]
    public async Task Status_changes_of_an_account_that_does_not_exist_are_refused_as_not_found()
    {
        await using var ledger = CreateLedger();
        var ghost = AccountId.From("ghost");

        Expect.Failure(await ledger.Engine.FreezeAsync(App1, ghost), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.UnfreezeAsync(App1, ghost), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.CloseAsync(App1, ghost), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.GetAccountAsync(App1, ghost, CancellationToken.None), ErrorCodes.AccountNotFound, "account_id");
    }

    [Fact]
    public async Task Accounts_are_listed_by_owner_within_the_app_page_by_page()
    {
        await using var ledger = CreateLedger();
        foreach (var id in new[] { "a-1", "a-2", "a-3", "a-4", "a-5" })
        {
            await ledger.OpenAsync(id, owner: "alice");
        }

        await ledger.OpenAsync("b-1", owner: "bob");
        await ledger.OpenAsync("a-other-app", owner: "alice", app: App2);

        var listed = new List<AccountState>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = Expect.Success(await ledger.Engine.ListAccountsByOwnerAsync(App1, Alice, continuation, 2, CancellationToken.None));
            Assert.True(page.Accounts.Count <= 2);
            listed.AddRange(page.Accounts);
            continuation = page.Continuation;
            pages++;
        }
        while (continuation is not null);

        Assert.Equal(["a-1", "a-2", "a-3", "a-4", "a-5"], listed.Select(account => account.Id.Value).Order(StringComparer.Ordinal));
        Assert.True(pages >= 3);
        Assert.All(listed, account => Assert.Equal(Alice, account.Owner));
    }

    [Fact]
    public async Task An_owner_with_no_accounts_lists_none()
    {
        await using var ledger = CreateLedger();

        var page = Expect.Success(await ledger.Engine.ListAccountsByOwnerAsync(App1, OwnerId.From("nobody"), null, 10, CancellationToken.None));

        Assert.Empty(page.Accounts);
        Assert.Null(page.Continuation);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(LedgerEngine.MaxPageSize + 1)]
    public async Task Listing_accounts_with_a_limit_out_of_bounds_is_refused(int limit)
    {
        await using var ledger = CreateLedger();

        Expect.Failure(await ledger.Engine.ListAccountsByOwnerAsync(App1, Alice, null, limit, CancellationToken.None), ErrorCodes.InvalidField, "limit");
    }

    [Theory]
    [InlineData(StoreKind.InMemory)]
    [InlineData(StoreKind.Sqlite)]
    public async Task A_listing_continuation_the_ledger_did_not_issue_is_refused_as_invalid(StoreKind kind)
    {
        await using var ledger = CreateLedger(kind);
        await ledger.OpenAsync("a-1", owner: "alice");

        Expect.Failure(await ledger.Engine.ListAccountsByOwnerAsync(App1, Alice, "not-a-continuation", 10, CancellationToken.None), ErrorCodes.InvalidField);
    }

    [Fact]
    public async Task Another_app_cannot_see_or_touch_an_account()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1", owner: "alice");
        Expect.Success(await ledger.MintAsync("acc-1", 10, "m1"));
        var account = AccountId.From("acc-1");

        Expect.Failure(await ledger.Engine.GetAccountAsync(App2, account, CancellationToken.None), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.MintAsync("acc-1", 1, "m2", app: App2), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.BurnAsync("acc-1", 1, "b1", app: App2), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.FreezeAsync(App2, account), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.CloseAsync(App2, account), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.GetEntriesAsync(App2, account, null, 10, CancellationToken.None), ErrorCodes.AccountNotFound);
        Expect.Failure(await ledger.Engine.GetBalanceAsOfAsync(App2, account, DateTimeOffset.MaxValue, CancellationToken.None), ErrorCodes.AccountNotFound);
        Assert.Empty(Expect.Success(await ledger.Engine.ListAccountsByOwnerAsync(App2, Alice, null, 10, CancellationToken.None)).Accounts);

        Assert.Equal(10, (await ledger.AccountAsync("acc-1")).Balance);
        Assert.Equal(AccountStatus.Open, (await ledger.AccountAsync("acc-1")).Status);
    }

    [Fact]
    public async Task Two_apps_may_each_have_an_account_with_the_same_id()
    {
        await using var ledger = CreateLedger();
        await ledger.OpenAsync("acc-1", owner: "alice");
        await ledger.OpenAsync("acc-1", owner: "bob", app: App2);
        Expect.Success(await ledger.MintAsync("acc-1", 4, "m1"));
        Expect.Success(await ledger.MintAsync("acc-1", 9, "m1", app: App2));

        Assert.Equal(4, (await ledger.AccountAsync("acc-1")).Balance);
        Assert.Equal(9, (await ledger.AccountAsync("acc-1", App2)).Balance);
        Assert.Equal(OwnerId.From("bob"), (await ledger.AccountAsync("acc-1", App2)).Owner);
    }
}

/// <summary>The suite with claims riding in their effects' commits and transfers in one commit.</summary>
public sealed class LedgerEngineAccountsInOneCommitTests() : LedgerEngineAccountsTests(StoreKind.InMemory);

/// <summary>The suite with claims committed first and transfers by saga, as on Cosmos DB.</summary>
public sealed class LedgerEngineAccountsClaimFirstTests() : LedgerEngineAccountsTests(StoreKind.InMemoryWithoutAtomicCommits);
