using Ledger.Domain;
using Ledger.Engine.Tests.Support;

namespace Ledger.Engine.Tests;

public sealed class LedgerEnginePostingsTests
{
    private static readonly AppId App1 = TestLedger.App1;

    [Fact]
    public async Task A_posted_operation_opens_the_owners_account_on_first_use()
    {
        await using var ledger = TestLedger.Create();

        var entry = Expect.Success(await ledger.PostOperationAsync("alice", "SIGNUP_CREDIT", "n1"));
        var account = await ledger.AccountAsync("alice");

        Assert.Equal("alice", entry.AccountId);
        Assert.Equal(1, entry.Sequence);
        Assert.Equal("operation", entry.Kind);
        Assert.Equal("SIGNUP_CREDIT", entry.Operation);
        Assert.Equal("signup_credit", entry.Reason);
        Assert.Equal(3, entry.Amount);
        Assert.Equal(3, entry.BalanceAfter);
        Assert.Equal(FakeTimeProvider.DefaultStart, entry.PostedAt);
        Assert.Equal(OwnerId.From("alice"), account.Owner);
        Assert.Equal(0, account.Floor);
        Assert.Equal(3, account.Balance);
        Assert.Equal(-3, account.IssuanceContraBalance);
        Assert.Equal(entry.TransactionId, TransactionId.Derive(App1, IdempotencyKey.From("n1"), "posting").Value);
    }

    [Fact]
    public async Task The_shared_ledger_balance_of_an_owner_never_seen_is_no_account()
    {
        await using var ledger = TestLedger.Create();

        Assert.Null(Expect.Success(await ledger.Engine.FindOwnerAccountAsync(App1, OwnerId.From("nobody"), CancellationToken.None)));
        await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1");
        Assert.Equal(10, Expect.Success(await ledger.Engine.FindOwnerAccountAsync(App1, OwnerId.From("alice"), CancellationToken.None))!.Balance);
    }

    [Fact]
    public async Task A_posted_operation_to_a_default_account_that_belongs_to_someone_else_is_refused()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("bob", owner: "alice");

        Expect.Failure(await ledger.PostOperationAsync("bob", "CREDIT_ADD", "n1"), ErrorCodes.AccountOwnerMismatch, "owner_id");
        Expect.Failure(await ledger.Engine.FindOwnerAccountAsync(App1, OwnerId.From("bob"), CancellationToken.None), ErrorCodes.AccountOwnerMismatch);
        Assert.Equal(0, (await ledger.AccountAsync("bob")).Balance);
    }

    [Fact]
    public async Task A_fixed_operation_refuses_a_different_amount_and_accepts_its_own()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1", amount: 11), ErrorCodes.AmountMismatch);
        Assert.Equal(10, Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n2", amount: 10)).Amount);
    }

    [Fact]
    public async Task A_variable_operation_debits_the_amount_the_caller_supplies_and_needs_one()
    {
        await using var ledger = TestLedger.Create();
        await ledger.PostOperationAsync("alice", "CREDIT_ADD", "fund");

        Expect.Failure(await ledger.PostOperationAsync("alice", "CONTENT_ACCESS", "n1"), ErrorCodes.MissingField, "amount");
        Assert.Equal(-7, Expect.Success(await ledger.PostOperationAsync("alice", "CONTENT_ACCESS", "n2", amount: 7)).Amount);
        Assert.Equal(3, (await ledger.AccountAsync("alice")).Balance);
    }

    [Fact]
    public async Task An_operation_another_app_defines_is_unknown_here()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await ledger.PostOperationAsync("alice", "CONTENT_CREATION", "n1", app: TestLedger.App2), ErrorCodes.UnknownOperation, "operation");
        Expect.Failure(await ledger.PostOperationAsync("alice", null!, "n2"), ErrorCodes.MissingField, "operation");
    }

    [Fact]
    public async Task A_debit_operation_on_an_empty_new_owner_is_refused_and_opens_nothing()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await ledger.PostOperationAsync("alice", "CREDIT_SPEND", "n1"), ErrorCodes.InsufficientFunds);

        Assert.Null(Expect.Success(await ledger.Engine.FindOwnerAccountAsync(App1, OwnerId.From("alice"), CancellationToken.None)));
    }

    [Fact]
    public async Task Mint_and_burn_post_to_an_existing_account_against_the_issuance_contra_account()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");

        var mint = Expect.Success(await ledger.MintAsync("acc-1", 100, "m1"));
        var burn = Expect.Success(await ledger.BurnAsync("acc-1", 30, "b1"));
        var account = await ledger.AccountAsync("acc-1");

        Assert.Equal("mint", mint.Kind);
        Assert.Equal("burn", burn.Kind);
        Assert.Equal("$issuance", mint.Counterparty);
        Assert.Equal([new LegDocument("acc-1", 100), new LegDocument("$issuance", -100)], mint.Legs);
        Assert.Equal([new LegDocument("acc-1", -30), new LegDocument("$issuance", 30)], burn.Legs);
        Assert.Equal(70, account.Balance);
        Assert.Equal(-70, account.IssuanceContraBalance);
        Assert.Equal(2, account.LastSequence);
    }

    [Fact]
    public async Task Mint_keeps_the_reason_memo_and_category_the_caller_gave()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");

        var entry = Expect.Success(await ledger.Engine.PostTransactionAsync(
            App1, IdempotencyKey.From("m1"),
            new TransactionPosting(TransactionKind.Mint, AccountId.From("acc-1"), 5, null, TransactionDetails.From("daily_reward", "day 3\nstreak", "rewards")),
            CancellationToken.None));

        Assert.Equal("daily_reward", entry.Reason);
        Assert.Equal("day 3\nstreak", entry.Memo);
        Assert.Equal("rewards", entry.Category);
    }

    [Fact]
    public async Task A_mint_to_an_account_that_does_not_exist_is_refused_and_opens_nothing()
    {
        await using var ledger = TestLedger.Create();

        Expect.Failure(await ledger.MintAsync("ghost", 5, "m1"), ErrorCodes.AccountNotFound, "account_id");
        Expect.Failure(await ledger.Engine.GetAccountAsync(App1, AccountId.From("ghost"), CancellationToken.None), ErrorCodes.AccountNotFound);
    }

    [Fact]
    public async Task A_burn_beyond_the_balance_is_refused_with_insufficient_funds_and_changes_nothing()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");
        await ledger.MintAsync("acc-1", 10, "m1");

        Expect.Failure(await ledger.BurnAsync("acc-1", 11, "b1"), ErrorCodes.InsufficientFunds);

        var account = await ledger.AccountAsync("acc-1");
        Assert.Equal(10, account.Balance);
        Assert.Equal(1, account.LastSequence);
        Assert.Single(await ledger.AllEntriesAsync("acc-1"));
    }

    [Fact]
    public async Task An_account_opened_with_a_negative_floor_may_be_overdrawn_down_to_it()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1", floor: -20);

        Expect.Success(await ledger.BurnAsync("acc-1", 20, "b1"));
        Expect.Failure(await ledger.BurnAsync("acc-1", 1, "b2"), ErrorCodes.InsufficientFunds);

        Assert.Equal(-20, (await ledger.AccountAsync("acc-1")).Balance);
    }

    [Fact]
    public async Task A_transaction_posting_is_validated_before_its_key_is_claimed()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");
        var account = AccountId.From("acc-1");
        var key = IdempotencyKey.From("k1");

        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.Mint, account, 5, "CREDIT_ADD", TestLedger.Reason()), CancellationToken.None), ErrorCodes.InvalidField, "operation");
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.Mint, account, null, null, TestLedger.Reason()), CancellationToken.None), ErrorCodes.MissingField, "amount");
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.Burn, account, 0, null, TestLedger.Reason()), CancellationToken.None), ErrorCodes.InvalidAmount);
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.Mint, account, Amount.MaxPerTransaction + 1, null, TestLedger.Reason()), CancellationToken.None), ErrorCodes.AmountTooLarge);
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.Mint, account, 5, null, null), CancellationToken.None), ErrorCodes.MissingField, "reason");
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.TransferDebit, account, 5, null, TestLedger.Reason()), CancellationToken.None), ErrorCodes.InvalidField, "kind");
        Expect.Failure(await ledger.Engine.PostTransactionAsync(App1, key, new TransactionPosting(TransactionKind.Operation, account, null, "NOPE", null), CancellationToken.None), ErrorCodes.UnknownOperation);

        // None of those bound the key, so it is still free for a valid request.
        Assert.Equal(5, Expect.Success(await ledger.MintAsync("acc-1", 5, "k1")).Amount);
    }

    [Fact]
    public async Task A_catalog_operation_can_be_posted_as_a_transaction_to_an_existing_account()
    {
        await using var ledger = TestLedger.Create();
        await ledger.OpenAsync("acc-1");
        await ledger.MintAsync("acc-1", 10, "m1");

        var entry = Expect.Success(await ledger.Engine.PostTransactionAsync(
            App1, IdempotencyKey.From("op1"), new TransactionPosting(TransactionKind.Operation, AccountId.From("acc-1"), null, "CONTENT_CREATION", null), CancellationToken.None));

        Assert.Equal("operation", entry.Kind);
        Assert.Equal("CONTENT_CREATION", entry.Operation);
        Assert.Equal(-5, entry.Amount);
        Assert.Equal(5, entry.BalanceAfter);
    }

    [Fact]
    public async Task Posting_times_never_go_backwards_in_an_account_when_the_clock_does()
    {
        await using var ledger = TestLedger.Create();
        var first = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n1"));
        ledger.Clock.Advance(TimeSpan.FromHours(-2));

        var second = Expect.Success(await ledger.PostOperationAsync("alice", "CREDIT_ADD", "n2"));

        Assert.Equal(first.PostedAt, second.PostedAt);
        Assert.Equal(first.PostedAt, (await ledger.AccountAsync("alice")).LastPostedAt);
    }
}
