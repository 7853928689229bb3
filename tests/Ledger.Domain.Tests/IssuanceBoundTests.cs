namespace Ledger.Domain.Tests;

/// <summary>The issuance contra-account's share in a partition is bounded like every other balance.</summary>
public sealed class IssuanceBoundTests
{
    private static readonly DateTimeOffset Now = Accounts.T0.AddHours(1);

    /// <summary>An account that minted close to the limit and moved the credits out by transfers: a small balance, a deep contra-balance.</summary>
    private static AccountState MintedOut(long headroom) => Accounts.Open() with { Balance = 10, IssuanceContraBalance = -BalanceLimits.MaxBalance + headroom };

    /// <summary>An account that received close to the limit by transfers and burned it: a positive contra-balance.</summary>
    private static AccountState BurnedIn(long headroom) => Accounts.Open() with { Balance = 1_000, IssuanceContraBalance = BalanceLimits.MaxBalance - headroom };

    [Fact]
    public void A_mint_that_would_take_the_contra_balance_past_the_limit_is_refused_with_balance_limit_exceeded()
    {
        var error = Expect.Failure(PostingRules.Decide(MintedOut(headroom: 5), Accounts.Mint(6), Now), ErrorCodes.BalanceLimitExceeded);

        Assert.Contains("issuance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mint_that_reaches_the_limit_exactly_is_posted()
    {
        var decision = Expect.Success(PostingRules.Decide(MintedOut(headroom: 5), Accounts.Mint(5), Now));

        Assert.Equal(-BalanceLimits.MaxBalance, decision.Account.IssuanceContraBalance);
    }

    [Fact]
    public void A_burn_that_would_take_the_contra_balance_past_the_limit_the_other_way_is_refused()
    {
        Expect.Failure(PostingRules.Decide(BurnedIn(headroom: 5), Accounts.Burn(6), Now), ErrorCodes.BalanceLimitExceeded);
        Expect.Success(PostingRules.Decide(BurnedIn(headroom: 5), Accounts.Burn(5), Now));
    }

    [Fact]
    public void A_stored_contra_balance_beyond_the_limit_breaks_the_account_invariants()
    {
        Assert.Throws<InvalidOperationException>(() => MintedOut(headroom: -1).AssertInvariants());
        Assert.Throws<InvalidOperationException>(() => BurnedIn(headroom: -1).AssertInvariants());
    }
}
