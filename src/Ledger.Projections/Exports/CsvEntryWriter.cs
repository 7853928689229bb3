using System.Globalization;
using System.Text;
using Ledger.Engine;

namespace Ledger.Projections;

/// <summary>
/// Writes entries as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, a
/// quote or a line break (quotes doubled), UTF-8 without a byte-order mark, instants as ISO-8601 UTC with
/// full precision. One row is built at a time: memory does not grow with the number of rows.
/// <para>
/// Text cells (ids, kinds, reasons, memos, categories) are written as stored, except that by default a cell
/// that a spreadsheet would run as a formula (it starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab
/// or a carriage return) is neutralized as OWASP's CSV injection guidance says: a single quote goes in front
/// and the cell is quoted. Numeric columns (sequence, amount, balance_after) and instants are never touched:
/// a negative amount stays a number. With the guard off, every cell is written exactly as stored, so the
/// file parses back to the same entries.
/// </para>
/// </summary>
public sealed class CsvEntryWriter
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "id", "account_id", "sequence", "time", "kind", "operation", "reason", "memo", "category", "amount", "balance_after", "counterparty", "transaction_id",
    ];

    private static readonly UTF8Encoding Utf8WithoutBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).</summary>
    private const string FormulaTriggers = "=+-@\t\r";

    private readonly StreamWriter _writer;
    private readonly StringBuilder _row = new(256);
    private readonly bool _guardFormulas;

    /// <param name="guardFormulas">True (the default) neutralizes text cells that would run as formulas; false writes them raw.</param>
    public CsvEntryWriter(Stream destination, bool guardFormulas = true)
    {
        _guardFormulas = guardFormulas;
        _writer = new StreamWriter(destination, Utf8WithoutBom, bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
    }

    /// <summary>An entry's id in exports: its account and sequence, unique in the app and stable forever.</summary>
    public static string EntryId(EntryDocument entry) => entry.AccountId + "/" + entry.Sequence.ToString(CultureInfo.InvariantCulture);

    public Task WriteHeaderAsync(CancellationToken cancellationToken)
    {
        _row.Clear();
        for (var index = 0; index < Columns.Count; index++)
        {
            AppendField(Columns[index], first: index == 0);
        }

        return WriteRowAsync(cancellationToken);
    }

    public Task WriteEntryAsync(EntryDocument entry, CancellationToken cancellationToken)
    {
        _row.Clear();
        AppendText(EntryId(entry), first: true);
        AppendText(entry.AccountId);
        AppendField(entry.Sequence.ToString(CultureInfo.InvariantCulture));
        // "O" of a UTC DateTime: ISO-8601 with 100 ns precision and a trailing Z, e.g. 2026-11-21T10:17:19.3469461Z.
        AppendField(entry.PostedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        AppendText(entry.Kind);
        AppendText(entry.Operation);
        AppendText(entry.Reason);
        AppendText(entry.Memo);
        AppendText(entry.Category);
        AppendField(entry.Amount.ToString(CultureInfo.InvariantCulture));
        AppendField(entry.BalanceAfter.ToString(CultureInfo.InvariantCulture));
        AppendText(entry.Counterparty);
        AppendText(entry.TransactionId);
        return WriteRowAsync(cancellationToken);
    }

    /// <summary>Whether a spreadsheet would run <paramref name="value"/> as a formula.</summary>
    public static bool StartsLikeFormula(string? value) => value is { Length: > 0 } && FormulaTriggers.Contains(value[0], StringComparison.Ordinal);

    /// <summary>A text cell: neutralized when it would run as a formula and the guard is on.</summary>
    private void AppendText(string? value, bool first = false)
    {
        if (_guardFormulas && StartsLikeFormula(value))
        {
            AppendField("'" + value, first, forceQuotes: true);
            return;
        }

        AppendField(value, first);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    private async Task WriteRowAsync(CancellationToken cancellationToken)
    {
        _row.Append("\r\n");
        await _writer.WriteAsync(_row, cancellationToken).ConfigureAwait(false);
    }

    private void AppendField(string? value, bool first = false, bool forceQuotes = false)
    {
        if (!first)
        {
            _row.Append(',');
        }

        // Null (absent) is an empty field; an empty string is a quoted empty field, so the two parse back apart.
        if (value is null)
        {
            return;
        }

        if (!forceQuotes && value.Length > 0 && value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _row.Append(value);
            return;
        }

        _row.Append('"');
        foreach (var character in value)
        {
            if (character == '"')
            {
                _row.Append('"');
            }

            _row.Append(character);
        }

        _row.Append('"');
    }
}
