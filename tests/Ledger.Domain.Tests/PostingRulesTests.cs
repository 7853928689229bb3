using FsCheck;
using FsCheck.Fluent;

namespace Ledger.Domain.Tests;

public sealed class PostingRulesTests
{
    private static readonly DateTimeOffset T1 = Accounts.T0.AddMinutes(1);

    [Fact]
    public void A_credit_raises_the_balance_and_posts_against_the_issuance_contra_account()
    {
        var decision = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(25), T1));

        Assert.Equal(25, decision.Account.Balance);
        Assert.Equal(-25, decision.Account.IssuanceContraBalance);
        Assert.Equal(1, decision.Account.LastSequence);
        Assert.Equal(T1, decision.Account.LastPostedAt);
        Assert.Equal(T1, decision.Account.UpdatedAt);

        var entry = decision.Entry;
        Assert.Equal(AccountId.From("acc-1"), entry.Account);
        Assert.Equal(1, entry.Sequence);
        Assert.Equal(TransactionKind.Mint, entry.Kind);
        Assert.Equal(25, entry.AmountMinorUnits);
        Assert.Equal(25, entry.BalanceAfter);
        Assert.Equal(AccountId.Issuance, entry.Counterparty);
        Assert.Equal(T1, entry.PostedAt);
        Assert.Equal([new Leg(entry.Account, 25), new Leg(AccountId.Issuance, -25)], entry.Legs);
        Assert.Equal(Accounts.Mint(25).TransactionId, entry.TransactionId);
    }

    [Fact]
    public void A_debit_lowers_the_balance_and_credits_the_issuance_contra_account()
    {
        var decision = Expect.Success(PostingRules.Decide(Accounts.With(balance: 10), Accounts.Burn(4), T1));

        Assert.Equal(6, decision.Account.Balance);
        Assert.Equal(-6, decision.Account.IssuanceContraBalance);
        Assert.Equal(-4, decision.Entry.AmountMinorUnits);
        Assert.Equal(6, decision.Entry.BalanceAfter);
        Assert.Equal([new Leg(decision.Entry.Account, -4), new Leg(AccountId.Issuance, 4)], decision.Entry.Legs);
    }

    [Fact]
    public void A_debit_down_to_exactly_the_floor_is_allowed()
        => Assert.Equal(0, Expect.Success(PostingRules.Decide(Accounts.With(balance: 10), Accounts.Burn(10), T1)).Account.Available);

    [Fact]
    public void A_debit_that_would_take_available_below_the_floor_is_refused_with_insufficient_funds()
    {
        var error = Expect.Failure(PostingRules.Decide(Accounts.With(balance: 10), Accounts.Burn(11), T1), ErrorCodes.InsufficientFunds);

        Assert.Contains("10 available", error.Message, StringComparison.Ordinal);
        Assert.Contains("11 was requested", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pending_debits_are_not_available_to_a_debit()
    {
        var account = Accounts.With(balance: 10, pendingDebits: 4);

        Expect.Failure(PostingRules.Decide(account, Accounts.Burn(7), T1), ErrorCodes.InsufficientFunds);
        Assert.Equal(4, Expect.Success(PostingRules.Decide(account, Accounts.Burn(6), T1)).Account.Balance);
    }

    [Fact]
    public void A_negative_floor_allows_an_overdraft_down_to_it_and_no_further()
    {
        var account = Accounts.With(balance: 0, floor: -100);

        var overdrawn = Expect.Success(PostingRules.Decide(account, Accounts.Burn(100), T1));
        Assert.Equal(-100, overdrawn.Account.Balance);
        Assert.Equal(100, overdrawn.Account.IssuanceContraBalance);
        Expect.Failure(PostingRules.Decide(account, Accounts.Burn(101), T1), ErrorCodes.InsufficientFunds);
        Expect.Failure(PostingRules.Decide(overdrawn.Account, Accounts.Burn(1, "n2"), T1), ErrorCodes.InsufficientFunds);
    }

    [Fact]
    public void A_credit_to_an_account_below_zero_is_allowed()
        => Assert.Equal(-40, Expect.Success(PostingRules.Decide(Accounts.With(balance: -50, floor: -100), Accounts.Mint(10), T1)).Account.Balance);

    [Theory]
    [InlineData(AccountStatus.Frozen, ErrorCodes.AccountFrozen)]
    [InlineData(AccountStatus.Closed, ErrorCodes.AccountClosed)]
    public void A_frozen_or_closed_account_refuses_credits_and_debits(AccountStatus status, string code)
    {
        var account = Accounts.With(balance: status == AccountStatus.Closed ? 0 : 10, status: status);

        Expect.Failure(PostingRules.Decide(account, Accounts.Mint(1), T1), code);
        Expect.Failure(PostingRules.Decide(account, Accounts.Burn(1), T1), code);
    }

    [Fact]
    public void The_status_is_checked_before_the_funds()
        => Expect.Failure(PostingRules.Decide(Accounts.With(balance: 0, status: AccountStatus.Frozen), Accounts.Burn(5), T1), ErrorCodes.AccountFrozen);

    [Fact]
    public void A_credit_that_would_pass_the_balance_limit_is_refused()
    {
        var account = Accounts.With(balance: BalanceLimits.MaxBalance - 5);

        Assert.Equal(BalanceLimits.MaxBalance, Expect.Success(PostingRules.Decide(account, Accounts.Mint(5), T1)).Account.Balance);
        Expect.Failure(PostingRules.Decide(account, Accounts.Mint(6), T1), ErrorCodes.BalanceLimitExceeded);
    }

    [Fact]
    public void Entries_are_numbered_one_two_three_without_gaps()
    {
        var first = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(5, "a"), T1));
        var second = Expect.Success(PostingRules.Decide(first.Account, Accounts.Burn(2, "b"), T1));
        var refused = PostingRules.Decide(second.Account, Accounts.Burn(100, "c"), T1);
        var third = Expect.Success(PostingRules.Decide(second.Account, Accounts.Mint(1, "d"), T1));

        Assert.False(refused.IsSuccess);
        Assert.Equal([1L, 2L, 3L], new[] { first.Entry.Sequence, second.Entry.Sequence, third.Entry.Sequence });
        Assert.Equal(3, third.Account.LastSequence);
        Assert.Equal(4, third.Account.Balance);
    }

    [Fact]
    public void When_the_clock_goes_backwards_the_posting_time_stays_at_the_last_one()
    {
        var first = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(5, "a"), T1));
        var earlier = T1.AddHours(-1);

        var second = Expect.Success(PostingRules.Decide(first.Account, Accounts.Mint(5, "b"), earlier));

        Assert.Equal(T1, second.Entry.PostedAt);
        Assert.Equal(T1, second.Account.LastPostedAt);
        Assert.Equal(T1, PostingRules.NextPostingTime(second.Account, earlier));
    }

    [Fact]
    public void When_the_clock_moves_forward_the_posting_time_follows_it()
    {
        var first = Expect.Success(PostingRules.Decide(Accounts.Open(), Accounts.Mint(5, "a"), T1));
        var later = T1.AddSeconds(1);

        Assert.Equal(later, Expect.Success(PostingRules.Decide(first.Account, Accounts.Mint(5, "b"), later)).Entry.PostedAt);
        Assert.Equal(Accounts.T0, PostingRules.NextPostingTime(Accounts.Open(), Accounts.T0));
    }

    [Fact]
    public void An_operation_carries_its_name_and_details_into_the_entry()
    {
        var catalog = OperationCatalog.For(Accounts.App).Build();
        var instruction = PostingInstruction.ForOperation(TransactionId.Derive(Accounts.App, IdempotencyKey.From("op"), "posting"), catalog, "CREDIT_ADD", null, null).Value;

        var entry = Expect.Success(PostingRules.Decide(Accounts.Open(), instruction, T1)).Entry;

        Assert.Equal(TransactionKind.Operation, entry.Kind);
        Assert.Equal("CREDIT_ADD", entry.Operation);
        Assert.Equal("credit_add", entry.Details.Reason);
        Assert.Equal(10, entry.AmountMinorUnits);
    }

    [Fact]
    public void A_reversal_points_at_the_transaction_it_reverses()
    {
        var original = TransactionId.Derive(Accounts.App, IdempotencyKey.From("orig"), "posting");
        var entry = Expect.Success(PostingRules.Decide(Accounts.With(10), Accounts.Burn(3) with { Reverses = original }, T1)).Entry;

        Assert.Equal(original, entry.ReversesTransactionId);
    }

    [Theory]
    [InlineData(TransactionKind.TransferDebit)]
    [InlineData(TransactionKind.TransferCredit)]
    public void A_transfer_leg_is_not_a_single_account_posting(TransactionKind kind)
        => Assert.Throws<ArgumentException>(() => PostingRules.Decide(Accounts.With(10), Accounts.Instruction(kind, Direction.Debit, 1, "t"), T1));

    [Fact]
    public void CheckMovement_allows_what_stays_within_bounds_and_names_what_does_not()
    {
        var account = Accounts.With(balance: 10, pendingDebits: 3, floor: -2);

        Assert.Null(PostingRules.CheckMovement(account, -9));
        Expect.Error(PostingRules.CheckMovement(account, -10), ErrorCodes.InsufficientFunds);
        Assert.Null(PostingRules.CheckMovement(account, BalanceLimits.MaxBalance - 10));
        Expect.Error(PostingRules.CheckMovement(account, BalanceLimits.MaxBalance - 9), ErrorCodes.BalanceLimitExceeded);
    }

    /// <summary>A random step: a signed amount and how far the clock moves (possibly backwards).</summary>
    public sealed record Step(long SignedAmount, int ClockSeconds);

    [Fact]
    public void Any_sequence_of_postings_keeps_balance_legs_floor_sequence_and_time_consistent()
    {
        var steps = Gen.Zip(Gen.Choose(-60, 60).Where(amount => amount != 0).Select(amount => (long)amount), Gen.Choose(-30, 30))
            .Select(pair => new Step(pair.Item1, pair.Item2))
            .ListOf();
        var floors = Gen.Elements(0L, -10L, -100L);

        Prop.ForAll(steps.ToArbitrary(), floors.ToArbitrary(), (list, floor) =>
        {
            var account = Accounts.Open(floor: floor);
            var clock = Accounts.T0;
            var entries = new List<LedgerEntry>();
            var index = 0;
            foreach (var step in list)
            {
                clock = clock.AddSeconds(step.ClockSeconds);
                var instruction = step.SignedAmount > 0 ? Accounts.Mint(step.SignedAmount, $"n{index++}") : Accounts.Burn(-step.SignedAmount, $"n{index++}");
                var result = PostingRules.Decide(account, instruction, clock);
                if (!result.IsSuccess)
                {
                    Assert.Equal(ErrorCodes.InsufficientFunds, result.Error!.Code);
                    Assert.True(account.Available + step.SignedAmount < account.Floor);
                    continue;
                }

                var previous = account;
                account = result.Value.Account;
                entries.Add(result.Value.Entry);

                Assert.Equal(0, result.Value.Entry.Legs.Sum(leg => leg.AmountMinorUnits));
                Assert.True(result.Value.Entry.PostedAt >= (previous.LastPostedAt ?? DateTimeOffset.MinValue));
                Assert.True(account.Available >= account.Floor);
            }

            Assert.Equal(entries.Sum(entry => entry.AmountMinorUnits), account.Balance);
            Assert.Equal(-account.Balance, account.IssuanceContraBalance);
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(number => (long)number), entries.Select(entry => entry.Sequence));
            Assert.Equal(entries.Count, account.LastSequence);
            Assert.Equal(entries.Select(entry => entry.BalanceAfter), entries.Select((_, position) => entries.Take(position + 1).Sum(entry => entry.AmountMinorUnits)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }
}
