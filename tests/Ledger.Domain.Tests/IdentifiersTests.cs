using FsCheck;
using FsCheck.Fluent;

namespace Ledger.Domain.Tests;

public sealed class AppIdTests
{
    [Theory]
    [InlineData("app1")]
    [InlineData("My.App_2-x@corp")]
    [InlineData("a")]
    public void Letters_digits_and_the_allowed_punctuation_make_an_app_id(string value)
        => Assert.Equal(value, Expect.Success(AppId.Parse(value)).Value);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_app_id_is_refused_as_a_missing_field(string? value)
        => Expect.Failure(AppId.Parse(value), ErrorCodes.MissingField, "app_id");

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:inside")]
    [InlineData("slash/inside")]
    [InlineData("dollar$")]
    [InlineData("caf\u00e9")]
    [InlineData("tab\t")]
    public void An_app_id_with_a_character_outside_the_allowed_set_is_invalid(string value)
        => Expect.Failure(AppId.Parse(value), ErrorCodes.InvalidField, "app_id");

    [Fact]
    public void An_app_id_may_be_64_characters_but_not_65()
    {
        Expect.Success(AppId.Parse(new string('a', AppId.MaxLength)));
        Expect.Failure(AppId.Parse(new string('a', AppId.MaxLength + 1)), ErrorCodes.InvalidField);
    }

    [Fact]
    public void The_error_names_the_field_the_caller_gave()
        => Expect.Failure(AppId.Parse("bad app", "x_app"), ErrorCodes.InvalidField, "x_app");

    [Fact]
    public void From_throws_on_an_invalid_value_because_it_is_for_trusted_input_only()
        => Assert.Throws<InvalidOperationException>(() => AppId.From("bad app"));
}

public sealed class OwnerIdTests
{
    [Theory]
    [InlineData("user-1")]
    [InlineData("tenant:user@example.com")]
    [InlineData("A.b_C")]
    public void Letters_digits_and_the_allowed_punctuation_including_colons_make_an_owner_id(string value)
        => Assert.Equal(value, Expect.Success(OwnerId.Parse(value)).ToString());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_owner_id_is_refused_as_a_missing_field(string? value)
        => Expect.Failure(OwnerId.Parse(value), ErrorCodes.MissingField, "owner_id");

    [Theory]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("$issuance")]
    [InlineData("a#b")]
    [InlineData("\u00fcser")]
    public void An_owner_id_with_a_character_outside_the_allowed_set_is_invalid(string value)
        => Expect.Failure(OwnerId.Parse(value), ErrorCodes.InvalidField, "owner_id");

    [Fact]
    public void An_owner_id_may_be_128_characters_but_not_129()
    {
        Expect.Success(OwnerId.Parse(new string('u', OwnerId.MaxLength)));
        Expect.Failure(OwnerId.Parse(new string('u', OwnerId.MaxLength + 1)), ErrorCodes.InvalidField);
    }
}

public sealed class AccountIdTests
{
    private static readonly AppId App = AppId.From("app1");

    [Theory]
    [InlineData("acc-1")]
    [InlineData("user:42@tenant.example")]
    public void Letters_digits_and_the_allowed_punctuation_make_an_account_id(string value)
        => Assert.Equal(value, Expect.Success(AccountId.Parse(value)).Value);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_account_id_is_refused_as_a_missing_field(string? value)
        => Expect.Failure(AccountId.Parse(value), ErrorCodes.MissingField, "account_id");

    [Theory]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a?b")]
    [InlineData("\u4e2d")]
    public void An_account_id_with_a_character_outside_the_allowed_set_is_invalid(string value)
        => Expect.Failure(AccountId.Parse(value), ErrorCodes.InvalidField, "account_id");

    [Fact]
    public void An_account_id_may_be_128_characters_but_not_129()
    {
        Expect.Success(AccountId.Parse(new string('x', AccountId.MaxLength)));
        Expect.Failure(AccountId.Parse(new string('x', AccountId.MaxLength + 1)), ErrorCodes.InvalidField);
    }

    [Fact]
    public void The_reserved_issuance_account_cannot_be_named_by_a_client()
    {
        Assert.Equal("$issuance", AccountId.Issuance.Value);
        Expect.Failure(AccountId.Parse("$issuance"), ErrorCodes.InvalidField, "account_id");
    }

    [Fact]
    public void The_default_account_of_an_owner_is_named_after_the_owner()
        => Assert.Equal("user-7", AccountId.DefaultFor(OwnerId.From("user-7")).Value);

    [Fact]
    public void A_derived_account_id_is_the_same_for_the_same_app_and_key_and_differs_otherwise()
    {
        var key = IdempotencyKey.From("k-1");
        var derived = AccountId.Derive(App, key);

        Assert.Equal(derived, AccountId.Derive(App, key));
        Assert.NotEqual(derived, AccountId.Derive(App, IdempotencyKey.From("k-2")));
        Assert.NotEqual(derived, AccountId.Derive(AppId.From("app2"), key));
        Assert.StartsWith("acc_", derived.Value, StringComparison.Ordinal);
        Assert.Equal(derived, Expect.Success(AccountId.Parse(derived.Value)));
    }

    [Fact]
    public void Every_derived_account_id_is_itself_a_valid_account_id()
    {
        var keys = ArbMap.Default.ArbFor<NonEmptyString>()
            .Filter(text => !text.Get.Any(character => character is < '!' or > '~') && text.Get.Length <= IdempotencyKey.MaxLength);
        Prop.ForAll(keys, key => AccountId.Parse(AccountId.Derive(App, IdempotencyKey.From(key.Get)).Value).IsSuccess)
            .QuickCheckThrowOnFailure();
    }
}

public sealed class IdempotencyKeyTests
{
    [Theory]
    [InlineData("123e4567-e89b-12d3-a456-426655440000")]
    [InlineData("!")]
    [InlineData("~{}[]<>|\"'`^")]
    public void Printable_ascii_without_spaces_makes_a_key(string value)
        => Assert.Equal(value, Expect.Success(IdempotencyKey.Parse(value)).Value);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_key_is_refused_with_its_own_code(string? value)
        => Expect.Failure(IdempotencyKey.Parse(value), ErrorCodes.MissingIdempotencyKey, "nonce");

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\tinside")]
    [InlineData("line\nbreak")]
    [InlineData("del\u007f")]
    [InlineData("n\u00f6nce")]
    public void A_key_with_spaces_control_or_non_ascii_characters_is_invalid(string value)
        => Expect.Failure(IdempotencyKey.Parse(value), ErrorCodes.InvalidField, "nonce");

    [Fact]
    public void A_key_may_be_255_characters_but_not_256()
    {
        Expect.Success(IdempotencyKey.Parse(new string('k', IdempotencyKey.MaxLength)));
        Expect.Failure(IdempotencyKey.Parse(new string('k', IdempotencyKey.MaxLength + 1)), ErrorCodes.InvalidField);
    }

    [Fact]
    public void The_error_names_the_header_when_the_key_came_from_one()
        => Expect.Failure(IdempotencyKey.Parse(null, "Idempotency-Key"), ErrorCodes.MissingIdempotencyKey, "Idempotency-Key");
}

public sealed class TransactionIdTests
{
    private static readonly AppId App = AppId.From("app1");
    private static readonly IdempotencyKey Key = IdempotencyKey.From("nonce-1");

    [Fact]
    public void A_transaction_id_is_derived_from_app_scope_and_key_so_a_retry_names_the_same_transaction()
    {
        var id = TransactionId.Derive(App, Key, "posting");

        Assert.Equal(id, TransactionId.Derive(App, Key, "posting"));
        Assert.NotEqual(id, TransactionId.Derive(App, Key, "transfer"));
        Assert.NotEqual(id, TransactionId.Derive(AppId.From("app2"), Key, "posting"));
        Assert.NotEqual(id, TransactionId.Derive(App, IdempotencyKey.From("nonce-2"), "posting"));
        Assert.Matches("^tx_[0-9a-f]{32}$", id.Value);
    }

    [Fact]
    public void A_step_id_derived_from_a_parent_is_stable_and_differs_per_step()
    {
        Assert.Equal(TransactionId.DeriveFrom("tr_x", "credit"), TransactionId.DeriveFrom("tr_x", "credit"));
        Assert.NotEqual(TransactionId.DeriveFrom("tr_x", "credit"), TransactionId.DeriveFrom("tr_x", "debit"));
    }

    [Fact]
    public void A_derived_transaction_id_parses_back_to_itself()
    {
        var id = TransactionId.Derive(App, Key, "posting");
        Assert.Equal(id, Expect.Success(TransactionId.Parse(id.Value)));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("tx_has space")]
    [InlineData("TX_abc")]
    public void A_value_that_is_not_a_transaction_id_is_invalid(string value)
        => Expect.Failure(TransactionId.Parse(value), ErrorCodes.InvalidField, "id");

    [Fact]
    public void A_transaction_id_longer_than_64_characters_is_invalid()
        => Expect.Failure(TransactionId.Parse("tx_" + new string('a', 62)), ErrorCodes.InvalidField);

    [Fact]
    public void A_missing_transaction_id_is_a_missing_field()
        => Expect.Failure(TransactionId.Parse(null), ErrorCodes.MissingField, "id");
}
