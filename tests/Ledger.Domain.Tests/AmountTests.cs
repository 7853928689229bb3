using FsCheck;
using FsCheck.Fluent;

namespace Ledger.Domain.Tests;

public sealed class AmountTests
{
    [Fact]
    public void A_zero_amount_is_refused_as_invalid()
        => Expect.Failure(Amount.Create(0), ErrorCodes.InvalidAmount, "amount");

    [Theory]
    [InlineData(-1L)]
    [InlineData(-5L)]
    [InlineData(long.MinValue)]
    public void A_negative_amount_is_refused_as_invalid_because_direction_never_comes_from_the_sign(long minorUnits)
        => Expect.Failure(Amount.Create(minorUnits), ErrorCodes.InvalidAmount);

    [Theory]
    [InlineData(Amount.MaxPerTransaction + 1)]
    [InlineData(long.MaxValue)]
    public void An_amount_above_the_per_transaction_maximum_is_refused_as_too_large(long minorUnits)
        => Expect.Failure(Amount.Create(minorUnits), ErrorCodes.AmountTooLarge, "amount");

    [Theory]
    [InlineData(1L)]
    [InlineData(250L)]
    [InlineData(Amount.MaxPerTransaction)]
    public void Any_whole_number_from_one_to_the_maximum_is_an_amount(long minorUnits)
        => Assert.Equal(minorUnits, Expect.Success(Amount.Create(minorUnits)).MinorUnits);

    [Fact]
    public void The_error_names_the_field_the_caller_gave()
        => Expect.Failure(Amount.Create(0, "capture.amount"), ErrorCodes.InvalidAmount, "capture.amount");

    [Fact]
    public void Create_accepts_exactly_the_numbers_between_one_and_the_maximum()
    {
        var edges = Gen.Elements(0L, 1L, -1L, Amount.MaxPerTransaction, Amount.MaxPerTransaction + 1, long.MinValue, long.MaxValue);
        var anyLong = Gen.Choose(int.MinValue, int.MaxValue).Select(small => (long)small * 1_000_003L);
        var candidates = Gen.OneOf(edges, anyLong).ToArbitrary();
        Prop.ForAll(candidates, minorUnits => Amount.Create(minorUnits).IsSuccess == minorUnits is >= 1 and <= Amount.MaxPerTransaction)
            .QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Amounts_compare_by_their_minor_units()
    {
        var small = Amount.From(3);
        var large = Amount.From(7);

        Assert.True(small < large);
        Assert.True(large > small);
        Assert.True(small <= Amount.From(3));
        Assert.True(large >= Amount.From(7));
        Assert.Equal(-1, small.CompareTo(large));
        Assert.Equal(Amount.From(3), small);
        Assert.Equal("7", large.ToString());
    }

    [Fact]
    public void Balance_limits_keep_every_checked_sum_far_from_overflow()
    {
        Assert.Equal(-BalanceLimits.MaxBalance, BalanceLimits.MinFloor);
        Assert.True(BalanceLimits.MaxBalance + Amount.MaxPerTransaction < long.MaxValue / 2);
    }
}
