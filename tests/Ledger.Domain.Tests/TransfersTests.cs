using FsCheck;
using FsCheck.Fluent;

namespace Ledger.Domain.Tests;

public sealed class TransferIdTests
{
    private static readonly IdempotencyKey Key = IdempotencyKey.From("transfer-1");

    [Fact]
    public void A_derived_transfer_id_names_its_source_and_parses_back_to_itself()
    {
        var source = AccountId.From("user:alice@example");
        var id = TransferId.Derive(Accounts.App, Key, "transfer", source);

        var parsed = Expect.Success(TransferId.Parse(id.Value));

        Assert.Equal(id, parsed);
        Assert.Equal(source, parsed.Source);
        Assert.Matches("^tr_[0-9a-f]{24}_user:alice@example$", id.Value);
        Assert.Equal(id.Value, id.ToString());
    }

    [Fact]
    public void A_transfer_id_is_the_same_for_the_same_request_and_differs_by_app_scope_key_and_source()
    {
        var source = AccountId.From("alice");
        var id = TransferId.Derive(Accounts.App, Key, "transfer", source);

        Assert.Equal(id, TransferId.Derive(Accounts.App, Key, "transfer", source));
        Assert.NotEqual(id, TransferId.Derive(AppId.From("app2"), Key, "transfer", source));
        Assert.NotEqual(id, TransferId.Derive(Accounts.App, Key, "hold", source));
        Assert.NotEqual(id, TransferId.Derive(Accounts.App, IdempotencyKey.From("other"), "transfer", source));
        Assert.NotEqual(id, TransferId.Derive(Accounts.App, Key, "transfer", AccountId.From("bob")));
    }

    [Fact]
    public void The_posting_transaction_of_a_transfer_is_derived_from_its_id()
    {
        var id = TransferId.Derive(Accounts.App, Key, "transfer", AccountId.From("alice"));

        Assert.Equal(id.PostingTransactionId, TransferId.From(id.Value).PostingTransactionId);
        Assert.Equal(TransactionId.DeriveFrom(id.Value, "posting"), id.PostingTransactionId);
    }

    [Fact]
    public void Any_derived_transfer_id_parses_back_with_the_same_source()
    {
        var sources = Gen.Elements("a", "alice", "user_1", "x:y", "a.b-c@d", "tr_abc_def", new string('z', AccountId.MaxLength));
        var keys = Gen.Choose(0, int.MaxValue).Select(number => "key-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Prop.ForAll(sources.ToArbitrary(), keys.ToArbitrary(), (source, key) =>
        {
            var id = TransferId.Derive(Accounts.App, IdempotencyKey.From(key), "transfer", AccountId.From(source));
            var parsed = TransferId.Parse(id.Value);
            return parsed.IsSuccess && parsed.Value == id && parsed.Value.Source.Value == source;
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("tx_0123456789abcdef01234567_alice")]
    [InlineData("tr_0123456789abcdef01234567")]
    [InlineData("tr_0123456789abcdef01234567_")]
    [InlineData("tr_0123456789ABCDEF01234567_alice")]
    [InlineData("tr_0123456789abcdef0123456_alice")]
    [InlineData("tr_0123456789abcdef01234567-alice")]
    [InlineData("tr_0123456789abcdef01234567_bad source")]
    [InlineData("tr_0123456789abcdef01234567_$issuance")]
    [InlineData("garbage")]
    public void A_value_that_is_not_a_transfer_id_is_reported_as_not_found(string value)
        => Expect.Failure(TransferId.Parse(value), ErrorCodes.TransferNotFound, "transfer_id");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_transfer_id_is_a_missing_field(string? value)
        => Expect.Failure(TransferId.Parse(value), ErrorCodes.MissingField, "transfer_id");
}

public sealed class TransferRulesTests
{
    private static readonly DateTimeOffset Now = Accounts.T0.AddHours(1);
    private static readonly AccountId Alice = AccountId.From("alice");
    private static readonly AccountId Bob = AccountId.From("bob");

    private static AccountState Account(AccountId id, long balance, long pending = 0, AccountStatus status = AccountStatus.Open)
        => Accounts.With(balance, pending, status: status, id: id.Value);

    private static TransferRecord Transfer(long amount, TransferKind kind = TransferKind.Transfer, AccountId? from = null, AccountId? to = null, DateTimeOffset? expiresAt = null)
    {
        var source = from ?? Alice;
        var isHold = kind == TransferKind.Hold;
        return new TransferRecord
        {
            Id = TransferId.Derive(Accounts.App, IdempotencyKey.From("t-" + amount.ToString(System.Globalization.CultureInfo.InvariantCulture)), kind.ToString(), source),
            App = Accounts.App,
            Kind = kind,
            From = source,
            To = to ?? Bob,
            Amount = Amount.From(amount),
            SettleAmount = isHold ? null : Amount.From(amount),
            State = isHold ? TransferState.Reserved : TransferState.Crediting,
            Details = TransactionDetails.From("content_unlock"),
            ExpiresAt = expiresAt,
            CreatedAt = Accounts.T0,
            UpdatedAt = Accounts.T0,
        };
    }

    private static TransferRecord Hold(long amount, DateTimeOffset? expiresAt = null) => Transfer(amount, TransferKind.Hold, expiresAt: expiresAt ?? Now.AddMinutes(10));

    [Fact]
    public void Reserving_raises_pending_debits_and_leaves_the_balance_alone()
    {
        var (source, transfer) = Expect.Success(TransferRules.Reserve(Account(Alice, 10), Transfer(7), Now));

        Assert.Equal(10, source.Balance);
        Assert.Equal(7, source.PendingDebits);
        Assert.Equal(3, source.Available);
        Assert.Equal(Now, source.UpdatedAt);
        Assert.Equal(TransferState.Crediting, transfer.State);
    }

    [Fact]
    public void Reserving_more_than_is_available_is_refused_with_insufficient_funds()
    {
        Expect.Failure(TransferRules.Reserve(Account(Alice, 10), Transfer(11), Now), ErrorCodes.InsufficientFunds);
        Expect.Failure(TransferRules.Reserve(Account(Alice, 10, pending: 5), Transfer(6), Now), ErrorCodes.InsufficientFunds);
    }

    [Fact]
    public void A_transfer_to_the_same_account_is_refused()
        => Expect.Failure(TransferRules.Reserve(Account(Alice, 10), Transfer(1, to: Alice), Now), ErrorCodes.SameAccountTransfer, "to");

    [Theory]
    [InlineData(AccountStatus.Frozen, ErrorCodes.AccountFrozen)]
    [InlineData(AccountStatus.Closed, ErrorCodes.AccountClosed)]
    public void A_frozen_or_closed_source_cannot_reserve(AccountStatus status, string code)
        => Expect.Failure(TransferRules.Reserve(Account(Alice, status == AccountStatus.Closed ? 0 : 10, status: status), Transfer(1), Now), code);

    [Fact]
    public void Reserving_against_the_wrong_source_or_from_the_wrong_state_is_a_programming_error()
    {
        Assert.Throws<ArgumentException>(() => TransferRules.Reserve(Account(Bob, 10), Transfer(1, to: AccountId.From("carol")), Now));
        Assert.Throws<ArgumentException>(() => TransferRules.Reserve(Account(Alice, 10), Transfer(1) with { State = TransferState.Reserved }, Now));
        Assert.Throws<ArgumentException>(() => TransferRules.Reserve(Account(Alice, 10), Hold(1) with { State = TransferState.Crediting, SettleAmount = Amount.From(1) }, Now));
    }

    [Fact]
    public void A_hold_reserves_and_waits_in_the_reserved_state()
    {
        var (source, hold) = Expect.Success(TransferRules.Reserve(Account(Alice, 10), Hold(4), Now));

        Assert.Equal(4, source.PendingDebits);
        Assert.Equal(TransferState.Reserved, hold.State);
        Assert.Null(hold.SettleAmount);
    }

    [Fact]
    public void Crediting_an_open_destination_posts_the_settle_amount_as_one_leg_of_the_transfer_transaction()
    {
        var transfer = Transfer(7);
        var destination = Account(Bob, 5) with { LastSequence = 3, LastPostedAt = Now.AddMinutes(5) };

        var credited = Assert.IsType<CreditOutcome.Credited>(TransferRules.Credit(destination, transfer, Now));
        var entry = credited.Entry;

        Assert.Equal(transfer.Id.PostingTransactionId, entry.TransactionId);
        Assert.Equal(TransactionKind.TransferCredit, entry.Kind);
        Assert.Equal(Bob, entry.Account);
        Assert.Equal(4, entry.Sequence);
        Assert.Equal(7, entry.AmountMinorUnits);
        Assert.Equal(12, entry.BalanceAfter);
        Assert.Equal(Alice, entry.Counterparty);
        Assert.Equal(transfer.Id.Value, entry.TransferId);
        Assert.Equal([new Leg(Bob, 7)], entry.Legs);
        Assert.Equal(Now.AddMinutes(5), entry.PostedAt);

        var applied = TransferRules.ApplyCredit(destination, entry);
        Assert.Equal(12, applied.Balance);
        Assert.Equal(4, applied.LastSequence);
        Assert.Equal(entry.PostedAt, applied.LastPostedAt);
    }

    [Fact]
    public void Crediting_a_missing_destination_is_refused_for_good_with_account_not_found()
    {
        var refused = Assert.IsType<CreditOutcome.Refused>(TransferRules.Credit(null, Transfer(1), Now));
        Assert.Equal(ErrorCodes.AccountNotFound, refused.Reason.Code);
        Assert.Contains("'bob'", refused.Reason.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AccountStatus.Frozen, ErrorCodes.AccountFrozen)]
    [InlineData(AccountStatus.Closed, ErrorCodes.AccountClosed)]
    public void Crediting_a_frozen_or_closed_destination_is_refused_for_good(AccountStatus status, string code)
        => Assert.Equal(code, Assert.IsType<CreditOutcome.Refused>(TransferRules.Credit(Account(Bob, 0, status: status), Transfer(1), Now)).Reason.Code);

    [Fact]
    public void Crediting_past_the_destinations_balance_limit_is_refused_for_good()
        => Assert.Equal(
            ErrorCodes.BalanceLimitExceeded,
            Assert.IsType<CreditOutcome.Refused>(TransferRules.Credit(Account(Bob, BalanceLimits.MaxBalance), Transfer(1), Now)).Reason.Code);

    [Fact]
    public void Crediting_a_hold_that_was_never_captured_is_a_programming_error()
        => Assert.Throws<ArgumentException>(() => TransferRules.Credit(Account(Bob, 0), Hold(1), Now));

    [Fact]
    public void Committing_debits_the_source_releases_the_reservation_and_marks_the_transfer_posted()
    {
        var (reserved, transfer) = TransferRules.Reserve(Account(Alice, 10), Transfer(7), Now).Value;
        var credit = ((CreditOutcome.Credited)TransferRules.Credit(Account(Bob, 0), transfer, Now)).Entry;

        var (source, posted, debit) = TransferRules.Commit(reserved, transfer, Now.AddSeconds(1));

        Assert.Equal(3, source.Balance);
        Assert.Equal(0, source.PendingDebits);
        Assert.Equal(1, source.LastSequence);
        Assert.Equal(TransferState.Posted, posted.State);
        Assert.Equal(Now.AddSeconds(1), posted.PostedAt);
        Assert.True(posted.IsFinal);
        Assert.Equal(TransactionKind.TransferDebit, debit.Kind);
        Assert.Equal(-7, debit.AmountMinorUnits);
        Assert.Equal(Bob, debit.Counterparty);
        Assert.Equal(credit.TransactionId, debit.TransactionId);
        Assert.Equal(0, debit.Legs.Concat(credit.Legs).Sum(leg => leg.AmountMinorUnits));
    }

    [Fact]
    public void A_commit_goes_ahead_even_if_the_source_was_frozen_after_reserving()
    {
        var (reserved, transfer) = TransferRules.Reserve(Account(Alice, 10), Transfer(7), Now).Value;

        var (source, posted, _) = TransferRules.Commit(reserved with { Status = AccountStatus.Frozen }, transfer, Now);

        Assert.Equal(3, source.Balance);
        Assert.Equal(TransferState.Posted, posted.State);
    }

    [Fact]
    public void Committing_a_transfer_that_is_not_being_credited_is_a_programming_error()
    {
        var (reserved, hold) = TransferRules.Reserve(Account(Alice, 10), Hold(5), Now).Value;

        Assert.Throws<InvalidOperationException>(() => TransferRules.Commit(reserved, hold, Now));
    }

    [Fact]
    public void Voiding_releases_the_reservation_and_records_why()
    {
        var (reserved, transfer) = TransferRules.Reserve(Account(Alice, 10), Transfer(7), Now).Value;
        var reason = new LedgerError(ErrorCodes.AccountNotFound, "Destination account 'bob' does not exist.");

        var (source, voided) = TransferRules.Void(reserved, transfer, reason, Now);

        Assert.Equal(10, source.Balance);
        Assert.Equal(0, source.PendingDebits);
        Assert.Equal(10, source.Available);
        Assert.Equal(TransferState.Voided, voided.State);
        Assert.Equal(ErrorCodes.AccountNotFound, voided.FailureCode);
        Assert.Equal(reason.Message, voided.FailureMessage);
        Assert.Equal(Now, voided.VoidedAt);
        Assert.True(voided.IsFinal);
    }

    [Theory]
    [InlineData(TransferState.Posted)]
    [InlineData(TransferState.Voided)]
    public void Voiding_a_final_transfer_is_a_programming_error(TransferState state)
        => Assert.Throws<InvalidOperationException>(() => TransferRules.Void(Account(Alice, 10, pending: 7), Transfer(7) with { State = state }, new LedgerError("x", "y"), Now));

    [Fact]
    public void Capturing_a_whole_hold_settles_its_whole_amount()
    {
        var captured = Expect.Success(TransferRules.Capture(Hold(8), null, Now));

        Assert.Equal(TransferState.Crediting, captured.State);
        Assert.Equal(Amount.From(8), captured.SettleAmount);
        Assert.Equal(Now, captured.UpdatedAt);
    }

    [Fact]
    public void A_partial_capture_moves_only_the_captured_part_and_releases_the_whole_reservation()
    {
        var (reserved, hold) = TransferRules.Reserve(Account(Alice, 10), Hold(8), Now).Value;
        var captured = Expect.Success(TransferRules.Capture(hold, 3, Now));

        var (source, posted, debit) = TransferRules.Commit(reserved, captured, Now);

        Assert.Equal(Amount.From(3), posted.SettleAmount);
        Assert.Equal(-3, debit.AmountMinorUnits);
        Assert.Equal(7, source.Balance);
        Assert.Equal(0, source.PendingDebits);
        Assert.Equal(7, source.Available);
    }

    [Fact]
    public void Capturing_more_than_the_hold_is_refused()
        => Expect.Failure(TransferRules.Capture(Hold(8), 9, Now), ErrorCodes.CaptureExceedsHold, "amount");

    [Theory]
    [InlineData(0L, ErrorCodes.InvalidAmount)]
    [InlineData(-1L, ErrorCodes.InvalidAmount)]
    [InlineData(Amount.MaxPerTransaction + 1, ErrorCodes.AmountTooLarge)]
    public void Capturing_an_amount_that_is_no_amount_is_refused(long amount, string code)
        => Expect.Failure(TransferRules.Capture(Hold(8), amount, Now), code);

    [Fact]
    public void Capturing_something_that_is_not_a_hold_is_refused_as_hold_not_found()
        => Expect.Failure(TransferRules.Capture(Transfer(8), null, Now), ErrorCodes.HoldNotFound);

    [Theory]
    [InlineData(TransferState.Crediting)]
    [InlineData(TransferState.Posted)]
    [InlineData(TransferState.Voided)]
    public void A_hold_resolves_at_most_once(TransferState state)
    {
        var resolved = Hold(8) with { State = state, SettleAmount = Amount.From(8) };

        Expect.Failure(TransferRules.Capture(resolved, null, Now), ErrorCodes.HoldAlreadyResolved);
        Expect.Error(TransferRules.CheckVoidable(resolved), ErrorCodes.HoldAlreadyResolved);
    }

    [Fact]
    public void A_hold_voided_by_expiry_says_it_expired_when_captured()
        => Expect.Failure(TransferRules.Capture(Hold(8) with { State = TransferState.Voided, FailureCode = ErrorCodes.HoldExpired }, null, Now), ErrorCodes.HoldExpired);

    [Fact]
    public void A_hold_past_its_expiry_cannot_be_captured_even_before_the_sweep_voids_it()
    {
        var hold = Hold(8, expiresAt: Now);

        Assert.True(TransferRules.IsExpired(hold, Now));
        Expect.Failure(TransferRules.Capture(hold, null, Now), ErrorCodes.HoldExpired);
        Expect.Success(TransferRules.Capture(hold, null, Now.AddTicks(-1)));
    }

    [Fact]
    public void Only_a_reserved_hold_with_an_expiry_at_or_before_now_is_expired()
    {
        Assert.False(TransferRules.IsExpired(Hold(1, expiresAt: Now.AddTicks(1)), Now));
        Assert.False(TransferRules.IsExpired(Hold(1) with { ExpiresAt = null }, Now.AddYears(1)));
        Assert.False(TransferRules.IsExpired(Transfer(1, expiresAt: Now), Now));
        Assert.False(TransferRules.IsExpired(Hold(1, expiresAt: Now) with { State = TransferState.Voided }, Now));
        Assert.True(TransferRules.IsExpired(Hold(1, expiresAt: Now), Now.AddDays(1)));
    }

    [Fact]
    public void A_reserved_hold_can_be_voided_and_a_transfer_cannot()
    {
        Assert.Null(TransferRules.CheckVoidable(Hold(1)));
        Expect.Error(TransferRules.CheckVoidable(Transfer(1)), ErrorCodes.HoldNotFound);
    }

    [Fact]
    public void The_longest_hold_is_thirty_days()
        => Assert.Equal(TimeSpan.FromDays(30), TransferRules.MaxHoldDuration);

    [Fact]
    public void A_refund_without_an_amount_refunds_what_is_left()
        => Assert.Equal(Amount.From(6), Expect.Success(TransferRules.CheckRefund(10, 4, null)));

    [Fact]
    public void A_refund_of_exactly_what_is_left_is_allowed_and_one_more_is_not()
    {
        Assert.Equal(Amount.From(6), Expect.Success(TransferRules.CheckRefund(10, 4, 6)));
        var error = Expect.Failure(TransferRules.CheckRefund(10, 4, 7), ErrorCodes.RefundExceedsRemaining, "amount");
        Assert.Contains("Only 6", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10L, 10L)]
    [InlineData(10L, 12L)]
    public void Nothing_can_be_refunded_once_the_original_is_fully_refunded(long original, long refunded)
    {
        Expect.Failure(TransferRules.CheckRefund(original, refunded, null), ErrorCodes.RefundExceedsRemaining);
        Expect.Failure(TransferRules.CheckRefund(original, refunded, 1), ErrorCodes.RefundExceedsRemaining);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-2L)]
    public void A_refund_of_zero_or_a_negative_amount_is_invalid(long requested)
        => Expect.Failure(TransferRules.CheckRefund(10, 0, requested), ErrorCodes.InvalidAmount);

    [Fact]
    public void Refunds_never_add_up_to_more_than_the_original()
    {
        var requests = Gen.Choose(0, 12).Select(value => value == 0 ? (long?)null : value).ListOf().ToArbitrary();
        var originals = Gen.Choose(1, 40).Select(value => (long)value).ToArbitrary();
        Prop.ForAll(originals, requests, (original, list) =>
        {
            long refunded = 0;
            foreach (var requested in list)
            {
                var allowed = TransferRules.CheckRefund(original, refunded, requested);
                if (allowed.IsSuccess)
                {
                    Assert.True(requested is null || allowed.Value.MinorUnits == requested);
                    refunded += allowed.Value.MinorUnits;
                }
                else
                {
                    Assert.True(requested > original - refunded || refunded == original);
                }

                Assert.True(refunded <= original);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_transfer_record_that_moves_to_itself_settles_more_than_it_reserved_or_posts_without_an_amount_breaks_the_invariants()
    {
        Assert.Throws<InvalidOperationException>(() => (Transfer(5) with { To = Alice }).AssertInvariants());
        Assert.Throws<InvalidOperationException>(() => (Transfer(5) with { SettleAmount = Amount.From(6) }).AssertInvariants());
        Assert.Throws<InvalidOperationException>(() => (Hold(5) with { State = TransferState.Posted }).AssertInvariants());
        Transfer(5).AssertInvariants();
        Hold(5).AssertInvariants();
    }
}
