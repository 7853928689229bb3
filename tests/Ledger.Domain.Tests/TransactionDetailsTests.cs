namespace Ledger.Domain.Tests;

public sealed class TransactionDetailsTests
{
    [Fact]
    public void A_structured_reason_with_an_optional_memo_and_category_makes_details()
    {
        var details = Expect.Success(TransactionDetails.Create("content_unlock", "Unlocked \"Episode 4\"\nthanks!", "content.video"));

        Assert.Equal("content_unlock", details.Reason);
        Assert.Equal("Unlocked \"Episode 4\"\nthanks!", details.Memo);
        Assert.Equal("content.video", details.Category);
    }

    [Fact]
    public void Memo_and_category_are_optional()
    {
        var details = Expect.Success(TransactionDetails.Create("daily_reward", null, null));

        Assert.Null(details.Memo);
        Assert.Null(details.Category);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_reason_is_a_missing_field(string? reason)
        => Expect.Failure(TransactionDetails.Create(reason, null, null), ErrorCodes.MissingField, "reason");

    [Theory]
    [InlineData("Content_unlock")]
    [InlineData("1st_purchase")]
    [InlineData("_private")]
    [InlineData("content-unlock")]
    [InlineData("content unlock")]
    [InlineData("caf\u00e9")]
    public void A_reason_that_is_not_a_lower_case_token_starting_with_a_letter_is_invalid(string reason)
        => Expect.Failure(TransactionDetails.Create(reason, null, null), ErrorCodes.InvalidField, "reason");

    [Fact]
    public void A_reason_may_be_64_characters_but_not_65()
    {
        Expect.Success(TransactionDetails.Create(new string('r', TransactionDetails.MaxReasonLength), null, null));
        Expect.Failure(TransactionDetails.Create(new string('r', TransactionDetails.MaxReasonLength + 1), null, null), ErrorCodes.InvalidField, "reason");
    }

    [Fact]
    public void A_memo_may_be_500_characters_but_not_501()
    {
        Expect.Success(TransactionDetails.Create("gift", new string('m', TransactionDetails.MaxMemoLength), null));
        Expect.Failure(TransactionDetails.Create("gift", new string('m', TransactionDetails.MaxMemoLength + 1), null), ErrorCodes.InvalidField, "memo");
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("windows\r\nbreak")]
    [InlineData("column\tseparated")]
    [InlineData("emoji \U0001F600 and \u00e9")]
    [InlineData("")]
    public void A_memo_may_hold_line_breaks_tabs_and_any_printable_text(string memo)
        => Assert.Equal(memo, Expect.Success(TransactionDetails.Create("gift", memo, null)).Memo);

    [Theory]
    [InlineData("nul\0byte")]
    [InlineData("bell\u0007")]
    [InlineData("escape\u001b[31m")]
    [InlineData("delete\u007f")]
    [InlineData("c1\u0085control")]
    public void A_memo_with_other_control_characters_is_invalid(string memo)
        => Expect.Failure(TransactionDetails.Create("gift", memo, null), ErrorCodes.InvalidField, "memo");

    [Theory]
    [InlineData("")]
    [InlineData("Video")]
    [InlineData("9lives")]
    [InlineData("with space")]
    public void A_category_follows_the_same_token_rules_as_a_reason(string category)
        => Expect.Failure(TransactionDetails.Create("gift", null, category), ErrorCodes.InvalidField, "category");

    [Fact]
    public void A_category_may_be_64_characters_but_not_65()
    {
        Expect.Success(TransactionDetails.Create("gift", null, new string('c', TransactionDetails.MaxCategoryLength)));
        Expect.Failure(TransactionDetails.Create("gift", null, new string('c', TransactionDetails.MaxCategoryLength + 1)), ErrorCodes.InvalidField, "category");
    }

    [Fact]
    public void The_reason_is_checked_before_the_memo_and_the_memo_before_the_category()
    {
        Expect.Failure(TransactionDetails.Create("Bad", "bad\0", "Bad"), ErrorCodes.InvalidField, "reason");
        Expect.Failure(TransactionDetails.Create("good", "bad\0", "Bad"), ErrorCodes.InvalidField, "memo");
    }

    [Fact]
    public void From_throws_on_invalid_details_because_it_is_for_trusted_input_only()
        => Assert.Throws<InvalidOperationException>(() => TransactionDetails.From("Not Valid"));
}
