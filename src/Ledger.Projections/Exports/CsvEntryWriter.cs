using System.Globalization;
using System.Text;
using Ledger.Engine;

namespace Ledger.Projections;

/// <summary>
/// Writes entries as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, a
/// quote or a line break (quotes doubled), UTF-8 without a byte-order mark, instants as ISO-8601 UTC with
/// full precision. Values are written exactly as stored, so the file parses back to the same entries.
/// One row is built at a time: memory does not grow with the number of rows.
/// </summary>
public sealed class CsvEntryWriter
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "id", "account_id", "sequence", "time", "kind", "operation", "reason", "memo", "category", "amount", "balance_after", "counterparty", "transaction_id",
    ];

    private static readonly UTF8Encoding Utf8WithoutBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly StreamWriter _writer;
    private readonly StringBuilder _row = new(256);

    public CsvEntryWriter(Stream destination)
    {
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
        AppendField(EntryId(entry), first: true);
        AppendField(entry.AccountId);
        AppendField(entry.Sequence.ToString(CultureInfo.InvariantCulture));
        // "O" of a UTC DateTime: ISO-8601 with 100 ns precision and a trailing Z, e.g. 2026-11-21T10:17:19.3469461Z.
        AppendField(entry.PostedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        AppendField(entry.Kind);
        AppendField(entry.Operation);
        AppendField(entry.Reason);
        AppendField(entry.Memo);
        AppendField(entry.Category);
        AppendField(entry.Amount.ToString(CultureInfo.InvariantCulture));
        AppendField(entry.BalanceAfter.ToString(CultureInfo.InvariantCulture));
        AppendField(entry.Counterparty);
        AppendField(entry.TransactionId);
        return WriteRowAsync(cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    private async Task WriteRowAsync(CancellationToken cancellationToken)
    {
        _row.Append("\r\n");
        await _writer.WriteAsync(_row, cancellationToken).ConfigureAwait(false);
    }

    private void AppendField(string? value, bool first = false)
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

        if (value.Length > 0 && value.AsSpan().IndexOfAny(",\"\r\n") < 0)
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
