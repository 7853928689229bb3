using Ledger.Cli.Output;

namespace Ledger.Cli.Tests.Output;

public sealed class TextTableTests
{
    [Fact]
    public void Columns_are_as_wide_as_their_widest_cell_and_numbers_line_up_on_the_right()
    {
        var table = new TextTable(TableColumn.Left("ACCOUNT"), TableColumn.Right("BALANCE"));
        table.AddRow("user-100", "5");
        table.AddRow("a", "1000");
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal(["ACCOUNT   BALANCE", "user-100        5", "a            1000"], writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_missing_value_prints_as_a_dash()
    {
        var table = new TextTable(TableColumn.Left("A"), TableColumn.Left("B"));
        table.AddRow("x", null);
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.EndsWith("x  -", writer.ToString().TrimEnd());
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_cells_is_refused()
        => Assert.Throws<ArgumentException>(() => new TextTable(TableColumn.Left("A")).AddRow("x", "y"));

    [Fact]
    public void Details_leave_out_empty_values_and_align_the_labels()
    {
        using var writer = new StringWriter();

        TextTable.WriteDetails(writer, [("account", "user-100"), ("memo", null), ("balance after", "5")]);

        Assert.Equal(["account:       user-100", "balance after: 5"], writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
