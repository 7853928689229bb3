namespace Ledger.Domain.Tests;

public sealed class AccountStateTests
{
    [Fact]
    public void A_new_account_is_open_and_empty_with_its_creation_time()
    {
        var account = Expect.Success(AccountState.Open(AccountId.From("acc-1"), Accounts.App, Accounts.Owner, 0, 5, Accounts.T0));

        Assert.Equal(AccountStatus.Open, account.Status);
        Assert.Equal(0, account.Balance);
        Assert.Equal(0, account.PendingDebits);
        Assert.Equal(0, account.Available);
        Assert.Equal(0, account.IssuanceContraBalance);
        Assert.Equal(0, account.LastSequence);
        Assert.Equal(5, account.LowBalanceThreshold);
        Assert.Equal(Accounts.T0, account.CreatedAt);
        Assert.Equal(Accounts.T0, account.UpdatedAt);
        Assert.Null(account.LastPostedAt);
        Assert.Null(account.RefusePostingReason());
    }

    [Fact]
    public void The_issuance_contra_account_cannot_be_opened()
        => Expect.Failure(AccountState.Open(AccountId.Issuance, Accounts.App, Accounts.Owner, 0, null, Accounts.T0), ErrorCodes.InvalidField, "account_id");

    [Theory]
    [InlineData(1L)]
    [InlineData(BalanceLimits.MinFloor - 1)]
    [InlineData(long.MinValue)]
    public void A_floor_above_zero_or_below_the_minimum_is_invalid(long floor)
        => Expect.Failure(AccountState.Open(AccountId.From("a"), Accounts.App, Accounts.Owner, floor, null, Accounts.T0), ErrorCodes.InvalidField, "floor");

    [Theory]
    [InlineData(0L)]
    [InlineData(-100L)]
    [InlineData(BalanceLimits.MinFloor)]
    public void A_floor_of_zero_or_a_negative_overdraft_is_allowed(long floor)
        => Assert.Equal(floor, Expect.Success(AccountState.Open(AccountId.From("a"), Accounts.App, Accounts.Owner, floor, null, Accounts.T0)).Floor);

    [Theory]
    [InlineData(BalanceLimits.MaxBalance + 1)]
    [InlineData(BalanceLimits.MinFloor - 1)]
    public void A_low_balance_threshold_out_of_bounds_is_invalid(long threshold)
        => Expect.Failure(AccountState.Open(AccountId.From("a"), Accounts.App, Accounts.Owner, 0, threshold, Accounts.T0), ErrorCodes.InvalidField, "low_balance_threshold");

    [Fact]
    public void Available_is_the_balance_less_pending_debits()
        => Assert.Equal(6, Accounts.With(balance: 10, pendingDebits: 4).Available);

    [Fact]
    public void A_frozen_account_refuses_postings_with_account_frozen_and_a_closed_one_with_account_closed()
    {
        Expect.Error(Accounts.With(0, status: AccountStatus.Frozen).RefusePostingReason(), ErrorCodes.AccountFrozen);
        Expect.Error(Accounts.With(0, status: AccountStatus.Closed).RefusePostingReason(), ErrorCodes.AccountClosed);
    }

    [Fact]
    public void A_state_with_negative_pending_debits_breaks_the_invariants()
        => Assert.Throws<InvalidOperationException>(() => Accounts.With(10, pendingDebits: -1).AssertInvariants());

    [Fact]
    public void A_state_with_available_below_its_floor_breaks_the_invariants()
        => Assert.Throws<InvalidOperationException>(() => Accounts.With(5, pendingDebits: 6).AssertInvariants());

    [Fact]
    public void A_state_above_the_balance_limit_breaks_the_invariants()
        => Assert.Throws<InvalidOperationException>(() => Accounts.With(BalanceLimits.MaxBalance + 1).AssertInvariants());

    [Fact]
    public void A_state_with_a_negative_sequence_breaks_the_invariants()
        => Assert.Throws<InvalidOperationException>(() => (Accounts.With(0) with { LastSequence = -1 }).AssertInvariants());

    [Fact]
    public void A_closed_state_that_still_holds_credits_breaks_the_invariants()
        => Assert.Throws<InvalidOperationException>(() => Accounts.With(1, status: AccountStatus.Closed).AssertInvariants());

    [Fact]
    public void A_consistent_state_passes_the_invariants()
    {
        Accounts.With(10, pendingDebits: 10).AssertInvariants();
        Accounts.With(-50, floor: -50).AssertInvariants();
        Accounts.With(0, status: AccountStatus.Closed).AssertInvariants();
    }
}
