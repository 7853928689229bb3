namespace Ledger.Domain.Tests;

public sealed class OperationCatalogTests
{
    private static readonly AppId App = AppId.From("app1");

    private static readonly KeyValuePair<string, string?>[] SharedConfiguration =
    [
        new("DAILY_REWARD", "+1"),
        new("SIGNUP_CREDIT", "+3"),
        new("CREDIT_SPEND", "-1"),
        new("CREDIT_ADD", "+10"),
    ];

    private static Result<OperationCatalog> ParseWith(params (string Name, string? Notation)[] extra)
        => OperationCatalog.Parse(App, SharedConfiguration.Concat(extra.Select(pair => new KeyValuePair<string, string?>(pair.Name, pair.Notation))));

    [Theory]
    [InlineData("DAILY_REWARD", Direction.Credit, 1L, "+1")]
    [InlineData("SIGNUP_CREDIT", Direction.Credit, 3L, "+3")]
    [InlineData("CREDIT_SPEND", Direction.Debit, 1L, "-1")]
    [InlineData("CREDIT_ADD", Direction.Credit, 10L, "+10")]
    public void Every_catalog_holds_the_shared_operations_with_their_exact_meaning(string name, Direction direction, long magnitude, string notation)
    {
        var catalog = OperationCatalog.For(App).Build();

        var operation = Expect.Success(catalog.Find(name));

        Assert.Equal(direction, operation.Direction);
        Assert.Equal(Amount.From(magnitude), operation.FixedAmount);
        Assert.Equal(notation, operation.Notation);
        Assert.Contains(OperationCatalog.SharedOperations, shared => shared == operation);
    }

    [Fact]
    public void There_are_exactly_four_shared_operations()
        => Assert.Equal(
            ["CREDIT_ADD", "CREDIT_SPEND", "DAILY_REWARD", "SIGNUP_CREDIT"],
            OperationCatalog.SharedOperations.Select(operation => operation.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void A_catalog_of_the_shared_operations_and_app_operations_is_loaded()
    {
        var catalog = Expect.Success(ParseWith(("CONTENT_CREATION", "-5"), ("CONTENT_ACCESS", "debit")));

        Assert.Equal(App, catalog.App);
        Assert.Equal(6, catalog.Operations.Count);
        Assert.Equal("-5", Expect.Success(catalog.Find("CONTENT_CREATION")).Notation);
        var access = Expect.Success(catalog.Find("CONTENT_ACCESS"));
        Assert.Null(access.FixedAmount);
        Assert.Equal(Direction.Debit, access.Direction);
    }

    [Theory]
    [InlineData("DAILY_REWARD")]
    [InlineData("SIGNUP_CREDIT")]
    [InlineData("CREDIT_SPEND")]
    [InlineData("CREDIT_ADD")]
    public void A_catalog_lacking_a_shared_operation_is_refused_with_a_message_naming_it(string missing)
    {
        var configuration = SharedConfiguration.Where(pair => pair.Key != missing).Append(new("CONTENT_CREATION", "-5"));

        var error = Expect.Failure(OperationCatalog.Parse(App, configuration), ErrorCodes.InvalidField, "operations");

        Assert.Contains($"'{missing}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("lacks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catalog_with_only_app_operations_is_refused()
        => Expect.Failure(
            OperationCatalog.Parse(App, [new("CONTENT_CREATION", "-5")]),
            ErrorCodes.InvalidField,
            "operations");

    [Theory]
    [InlineData("CREDIT_SPEND", "-2", "-1")]
    [InlineData("CREDIT_SPEND", "+1", "-1")]
    [InlineData("CREDIT_SPEND", "debit", "-1")]
    [InlineData("DAILY_REWARD", "-1", "+1")]
    [InlineData("SIGNUP_CREDIT", "+4", "+3")]
    [InlineData("CREDIT_ADD", "credit", "+10")]
    public void A_catalog_redefining_a_shared_operation_is_refused_with_a_message_naming_it(string name, string redefinition, string shared)
    {
        var configuration = SharedConfiguration.Select(pair => pair.Key == name ? new KeyValuePair<string, string?>(name, redefinition) : pair);

        var error = Expect.Failure(OperationCatalog.Parse(App, configuration), ErrorCodes.InvalidField, "operations");

        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("redefines", error.Message, StringComparison.Ordinal);
        Assert.Contains($"must be {shared}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redefining_CREDIT_SPEND_as_minus_two_is_refused_naming_both_meanings()
    {
        var definitions = OperationCatalog.SharedOperations
            .Where(operation => operation.Name != "CREDIT_SPEND")
            .Append(OperationDefinition.Fixed("CREDIT_SPEND", -2).Value);

        var error = Expect.Failure(OperationCatalog.Create(App, definitions), ErrorCodes.InvalidField);

        Assert.Equal("Catalog of app 'app1' redefines the shared operation 'CREDIT_SPEND' as -2; it must be -1.", error.Message);
    }

    [Fact]
    public void An_app_operation_defined_twice_is_refused_naming_it()
    {
        var definitions = OperationCatalog.SharedOperations
            .Append(OperationDefinition.Fixed("CONTENT_CREATION", -5).Value)
            .Append(OperationDefinition.Fixed("CONTENT_CREATION", -5).Value);

        var error = Expect.Failure(OperationCatalog.Create(App, definitions), ErrorCodes.InvalidField, "operations");

        Assert.Contains("'CONTENT_CREATION' twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_operation_repeated_in_the_configuration_is_refused_as_a_duplicate()
    {
        var error = Expect.Failure(ParseWith(("CREDIT_ADD", "+10")), ErrorCodes.InvalidField);

        Assert.Contains("'CREDIT_ADD' twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operation_names_are_case_sensitive_so_a_lower_case_twin_is_not_a_duplicate_but_is_an_invalid_name()
        => Assert.Contains("credit_add", Expect.Failure(ParseWith(("credit_add", "+10")), ErrorCodes.InvalidField).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("+10", Direction.Credit, 10L)]
    [InlineData("-5", Direction.Debit, 5L)]
    [InlineData("7", Direction.Credit, 7L)]
    [InlineData("  -3  ", Direction.Debit, 3L)]
    [InlineData("-1000000000000", Direction.Debit, Amount.MaxPerTransaction)]
    public void A_signed_number_is_parsed_as_a_fixed_operation(string notation, Direction direction, long magnitude)
    {
        var operation = Expect.Success(Expect.Success(ParseWith(("CUSTOM_OP", notation))).Find("CUSTOM_OP"));

        Assert.Equal(direction, operation.Direction);
        Assert.Equal(Amount.From(magnitude), operation.FixedAmount);
    }

    [Theory]
    [InlineData("credit", Direction.Credit)]
    [InlineData("debit", Direction.Debit)]
    [InlineData("CREDIT", Direction.Credit)]
    [InlineData(" Debit ", Direction.Debit)]
    public void Credit_or_debit_is_parsed_as_an_operation_whose_amount_the_caller_supplies(string notation, Direction direction)
    {
        var operation = Expect.Success(Expect.Success(ParseWith(("CONTENT_ACCESS", notation))).Find("CONTENT_ACCESS"));

        Assert.Equal(direction, operation.Direction);
        Assert.Null(operation.FixedAmount);
        Assert.Equal(direction == Direction.Credit ? "credit" : "debit", operation.Notation);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("+0")]
    [InlineData("+")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999")]
    [InlineData("credits")]
    public void Anything_else_is_refused_naming_the_operation(string? notation)
    {
        var error = Expect.Failure(ParseWith(("CONTENT_ACCESS", notation)), ErrorCodes.InvalidField, "operations");

        Assert.Contains("'CONTENT_ACCESS'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_amount_above_the_per_transaction_maximum_is_refused_naming_the_operation()
    {
        var error = Expect.Failure(ParseWith(("HUGE", "+1000000000001")), ErrorCodes.InvalidField, "operations.HUGE");

        Assert.Contains("'HUGE'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("content_access")]
    [InlineData("1ST_OP")]
    [InlineData("_OP")]
    [InlineData("OP-1")]
    [InlineData("OP 1")]
    [InlineData("")]
    public void An_operation_name_that_is_not_an_upper_case_token_is_refused(string name)
    {
        Expect.Failure(OperationDefinition.Fixed(name, 1), ErrorCodes.InvalidField, "operations");
        Expect.Failure(OperationDefinition.Variable(name, Direction.Debit), ErrorCodes.InvalidField, "operations");
    }

    [Fact]
    public void An_operation_name_may_be_64_characters_but_not_65()
    {
        Expect.Success(OperationDefinition.Fixed("A" + new string('B', OperationDefinition.MaxNameLength - 1), 1));
        Expect.Failure(OperationDefinition.Fixed("A" + new string('B', OperationDefinition.MaxNameLength), 1), ErrorCodes.InvalidField);
    }

    [Fact]
    public void A_fixed_operation_of_zero_is_refused()
        => Expect.Failure(OperationDefinition.Fixed("NOTHING", 0), ErrorCodes.InvalidField, "operations.NOTHING");

    [Fact]
    public void A_catalog_may_hold_256_operations_but_not_257()
    {
        static IEnumerable<OperationDefinition> WithExtra(int count)
            => OperationCatalog.SharedOperations.Concat(Enumerable.Range(0, count).Select(index => OperationDefinition.Fixed($"OP_{index}", 1).Value));

        var extraAllowed = OperationCatalog.MaxOperations - OperationCatalog.SharedOperations.Count;
        Assert.Equal(OperationCatalog.MaxOperations, Expect.Success(OperationCatalog.Create(App, WithExtra(extraAllowed))).Operations.Count);
        var error = Expect.Failure(OperationCatalog.Create(App, WithExtra(extraAllowed + 1)), ErrorCodes.InvalidField);
        Assert.Contains("more than 256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Finding_an_unknown_operation_is_refused_naming_it_and_the_app()
    {
        var error = Expect.Failure(OperationCatalog.For(App).Build().Find("CONTENT_CREATION"), ErrorCodes.UnknownOperation, "operation");

        Assert.Contains("'CONTENT_CREATION'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'app1'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Finding_no_operation_at_all_is_a_missing_field(string? name)
        => Expect.Failure(OperationCatalog.For(App).Build().Find(name), ErrorCodes.MissingField, "operation");

    [Fact]
    public void Finding_is_case_sensitive()
        => Expect.Failure(OperationCatalog.For(App).Build().Find("credit_add"), ErrorCodes.UnknownOperation);

    [Fact]
    public void The_builder_starts_from_the_shared_operations_and_adds_the_apps_own()
    {
        var catalog = OperationCatalog.For(App)
            .Fixed("CONTENT_CREATION", -5)
            .Variable("CONTENT_ACCESS", Direction.Debit)
            .Variable("TIP_RECEIVED", Direction.Credit)
            .Build();

        Assert.Equal(7, catalog.Operations.Count);
        Assert.Equal("-5", Expect.Success(catalog.Find("CONTENT_CREATION")).Notation);
        Assert.Equal("debit", Expect.Success(catalog.Find("CONTENT_ACCESS")).Notation);
        Assert.Equal("credit", Expect.Success(catalog.Find("TIP_RECEIVED")).Notation);
        Assert.Equal("+10", Expect.Success(catalog.Find("CREDIT_ADD")).Notation);
    }

    [Fact]
    public void The_builder_throws_when_asked_to_redefine_a_shared_operation_naming_it()
    {
        var builder = OperationCatalog.For(App).Fixed("CREDIT_SPEND", -2);

        var exception = Assert.Throws<ArgumentException>(builder.Build);

        Assert.Contains("CREDIT_SPEND", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_builder_throws_on_an_invalid_operation_name_at_once()
        => Assert.Throws<InvalidOperationException>(() => OperationCatalog.For(App).Fixed("lower_case", 1));

    [Fact]
    public void A_fixed_operation_moves_its_amount_when_the_caller_omits_one()
        => Assert.Equal(Amount.From(5), Expect.Success(OperationDefinition.Fixed("CONTENT_CREATION", -5).Value.ResolveAmount(null)));

    [Fact]
    public void A_fixed_operation_accepts_a_supplied_amount_equal_to_its_own()
        => Assert.Equal(Amount.From(10), Expect.Success(OperationDefinition.Fixed("CREDIT_ADD", 10).Value.ResolveAmount(10)));

    [Fact]
    public void A_fixed_operation_refuses_a_different_supplied_amount_with_amount_mismatch()
    {
        var error = Expect.Failure(OperationDefinition.Fixed("CREDIT_ADD", 10).Value.ResolveAmount(11), ErrorCodes.AmountMismatch, "amount");

        Assert.Contains("'CREDIT_ADD'", error.Message, StringComparison.Ordinal);
        Assert.Contains("10", error.Message, StringComparison.Ordinal);
        Assert.Contains("11", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, ErrorCodes.InvalidAmount)]
    [InlineData(-1L, ErrorCodes.InvalidAmount)]
    [InlineData(Amount.MaxPerTransaction + 1, ErrorCodes.AmountTooLarge)]
    public void A_fixed_operation_refuses_a_supplied_amount_that_is_no_amount_at_all(long supplied, string code)
        => Expect.Failure(OperationDefinition.Fixed("CREDIT_SPEND", -1).Value.ResolveAmount(supplied), code);

    [Fact]
    public void A_variable_operation_moves_the_supplied_amount()
        => Assert.Equal(Amount.From(42), Expect.Success(OperationDefinition.Variable("CONTENT_ACCESS", Direction.Debit).Value.ResolveAmount(42)));

    [Fact]
    public void A_variable_operation_without_an_amount_is_refused_as_a_missing_field_naming_it()
    {
        var error = Expect.Failure(OperationDefinition.Variable("CONTENT_ACCESS", Direction.Debit).Value.ResolveAmount(null), ErrorCodes.MissingField, "amount");

        Assert.Contains("'CONTENT_ACCESS'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, ErrorCodes.InvalidAmount)]
    [InlineData(-3L, ErrorCodes.InvalidAmount)]
    [InlineData(Amount.MaxPerTransaction + 1, ErrorCodes.AmountTooLarge)]
    public void A_variable_operation_refuses_a_supplied_amount_that_is_no_amount(long supplied, string code)
        => Expect.Failure(OperationDefinition.Variable("CONTENT_ACCESS", Direction.Debit).Value.ResolveAmount(supplied), code);

    [Fact]
    public void A_posting_instruction_for_an_operation_takes_its_direction_from_the_catalog_and_its_reason_from_the_name()
    {
        var catalog = OperationCatalog.For(App).Fixed("CONTENT_CREATION", -5).Build();
        var id = TransactionId.Derive(App, IdempotencyKey.From("k"), "posting");

        var instruction = Expect.Success(PostingInstruction.ForOperation(id, catalog, "CONTENT_CREATION", null, null));

        Assert.Equal(TransactionKind.Operation, instruction.Kind);
        Assert.Equal(Direction.Debit, instruction.Direction);
        Assert.Equal(Amount.From(5), instruction.Amount);
        Assert.Equal("CONTENT_CREATION", instruction.Operation);
        Assert.Equal("content_creation", instruction.Details.Reason);
        Assert.Equal(id, instruction.TransactionId);
    }

    [Fact]
    public void A_posting_instruction_keeps_the_details_the_caller_gave()
    {
        var details = TransactionDetails.From("bonus", "welcome", "promo");
        var instruction = Expect.Success(PostingInstruction.ForOperation(
            TransactionId.Derive(App, IdempotencyKey.From("k"), "posting"), OperationCatalog.For(App).Build(), "SIGNUP_CREDIT", 3, details));

        Assert.Same(details, instruction.Details);
    }

    [Fact]
    public void A_posting_instruction_for_an_unknown_operation_or_a_wrong_amount_is_refused()
    {
        var catalog = OperationCatalog.For(App).Build();
        var id = TransactionId.Derive(App, IdempotencyKey.From("k"), "posting");

        Expect.Failure(PostingInstruction.ForOperation(id, catalog, "NOPE", null, null), ErrorCodes.UnknownOperation);
        Expect.Failure(PostingInstruction.ForOperation(id, catalog, "CREDIT_SPEND", 2, null), ErrorCodes.AmountMismatch);
    }
}
