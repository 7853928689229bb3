namespace Ledger.Cli.Output;

/// <summary>A column of a <see cref="TextTable"/>: its heading and whether its cells line up on the right (numbers).</summary>
internal sealed record TableColumn(string Heading, bool AlignRight)
{
    public static TableColumn Left(string heading) => new(heading, AlignRight: false);

    public static TableColumn Right(string heading) => new(heading, AlignRight: true);
}

/// <summary>
/// A plain-text table for people: a heading row, then one row per item, columns padded to their widest
/// cell and separated by two spaces. Missing values print as "-".
/// </summary>
internal sealed class TextTable(params TableColumn[] columns)
{
    private const string Gap = "  ";
    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public void AddRow(params string?[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"A row needs {columns.Length} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add([.. cells.Select(cell => string.IsNullOrEmpty(cell) ? "-" : cell)]);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = columns.Select((column, index) => _rows.Select(row => row[index].Length).Append(column.Heading.Length).Max()).ToArray();
        WriteLine(writer, [.. columns.Select(column => column.Heading)], widths);
        foreach (var row in _rows)
        {
            WriteLine(writer, row, widths);
        }
    }

    private void WriteLine(TextWriter writer, string[] cells, int[] widths)
    {
        var padded = cells.Select((cell, index) => columns[index].AlignRight ? cell.PadLeft(widths[index]) : cell.PadRight(widths[index]));
        writer.WriteLine(string.Join(Gap, padded).TrimEnd());
    }

    /// <summary>Label/value lines for one item, the labels padded to the same width.</summary>
    public static void WriteDetails(TextWriter writer, IEnumerable<(string Label, string? Value)> details)
    {
        var shown = details.Where(detail => !string.IsNullOrEmpty(detail.Value)).ToList();
        var width = shown.Count == 0 ? 0 : shown.Max(detail => detail.Label.Length) + 1;
        foreach (var (label, value) in shown)
        {
            writer.WriteLine($"{(label + ":").PadRight(width)} {value}");
        }
    }
}
