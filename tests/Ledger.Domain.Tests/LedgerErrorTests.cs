namespace Ledger.Domain.Tests;

public sealed class ResultTests
{
    [Fact]
    public void A_successful_result_holds_its_value()
    {
        Result<int> result = 5;

        Assert.True(result.IsSuccess);
        Assert.Null(result.Error);
        Assert.Equal(5, result.Value);
        Assert.True(result.TryGetValue(out var value, out _));
        Assert.Equal(5, value);
    }

    [Fact]
    public void Reading_the_value_of_a_failed_result_throws_naming_the_code()
    {
        Result<int> result = LedgerError.Missing("amount");

        var exception = Assert.Throws<InvalidOperationException>(() => result.Value);

        Assert.Contains(ErrorCodes.MissingField, exception.Message, StringComparison.Ordinal);
        Assert.False(result.TryGetValue(out _, out var error));
        Assert.Equal("amount", error.Field);
    }

    [Fact]
    public void Then_runs_only_after_success_and_carries_the_first_error()
    {
        Result<int> ok = 2;
        Result<int> failed = LedgerError.Invalid("x", "why");

        Assert.Equal("4", ok.Then<string>(value => (value * 2).ToString(System.Globalization.CultureInfo.InvariantCulture)).Value);
        Assert.Equal(ErrorCodes.InvalidField, failed.Then<string>(_ => "never").Error!.Code);
    }

    [Fact]
    public void A_failure_needs_an_error()
        => Assert.Throws<ArgumentNullException>(() => Result<int>.Failure(null!));

    [Fact]
    public void The_error_helpers_name_the_field_in_code_message_and_field()
    {
        var missing = LedgerError.Missing("owner_id");
        var invalid = LedgerError.Invalid("memo", "too long.");

        Assert.Equal(new LedgerError(ErrorCodes.MissingField, "The field 'owner_id' is required.", "owner_id"), missing);
        Assert.Equal(new LedgerError(ErrorCodes.InvalidField, "The field 'memo' is invalid: too long.", "memo"), invalid);
    }
}
