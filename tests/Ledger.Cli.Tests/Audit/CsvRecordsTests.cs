using Ledger.Cli.Audit;

namespace Ledger.Cli.Tests.Audit;

public sealed class CsvRecordsTests
{
    private static async Task<List<IReadOnlyList<string>>> ReadAsync(string csv)
    {
        var records = new List<IReadOnlyList<string>>();
        await foreach (var record in CsvRecords.ReadAsync(new StringReader(csv), CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }

    [Fact]
    public async Task Records_end_at_CRLF_and_quoted_fields_keep_commas_quotes_and_line_breaks()
    {
        var records = await ReadAsync("id,memo,amount\r\na/1,\"Starter pack, \"\"gold\"\"\r\nline two\",-5\r\nb/1,,7\r\n");

        Assert.Equal(3, records.Count);
        Assert.Equal(["id", "memo", "amount"], records[0]);
        Assert.Equal(["a/1", "Starter pack, \"gold\"\r\nline two", "-5"], records[1]);
        Assert.Equal(["b/1", "", "7"], records[2]);
    }

    [Fact]
    public async Task A_last_record_without_a_line_end_is_read()
    {
        var records = await ReadAsync("a,b\nc,d");

        Assert.Equal(["c", "d"], records[1]);
    }

    [Theory]
    [InlineData("'-user", "-user")]
    [InlineData("'@team", "@team")]
    [InlineData("user-100", "user-100")]
    [InlineData("'", "'")]
    public void A_formula_guard_apostrophe_is_taken_off_an_id(string cell, string id)
        => Assert.Equal(id, CsvRecords.Unguarded(cell));
}
