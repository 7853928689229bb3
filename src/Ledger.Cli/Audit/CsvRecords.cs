using System.Runtime.CompilerServices;
using System.Text;

namespace Ledger.Cli.Audit;

/// <summary>
/// Reads RFC 4180 CSV record by record: fields separated by commas, quoted when they hold a comma, a quote
/// (doubled) or a line break, records ended by CRLF or LF. It streams, so an export of any size is read
/// in bounded memory.
/// </summary>
internal static class CsvRecords
{
    public static async IAsyncEnumerable<IReadOnlyList<string>> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, fieldStarted = false;
        var buffer = new char[16 * 1024];
        char? previous = null;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            for (var index = 0; index < read; index++)
            {
                var character = buffer[index];
                if (quoted)
                {
                    // A quote inside a quoted field either closes it or, doubled, stands for itself.
                    if (character == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        field.Append(character);
                    }
                }
                else if (character == '"')
                {
                    if (previous == '"' && fieldStarted)
                    {
                        field.Append('"');
                    }

                    quoted = true;
                    fieldStarted = true;
                }
                else if (character == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                }
                else if (character == '\n')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                    yield return fields;
                    fields = [];
                }
                else if (character != '\r')
                {
                    field.Append(character);
                    fieldStarted = true;
                }

                previous = character;
            }
        }

        if (fieldStarted || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return fields;
        }
    }

    /// <summary>
    /// An id as written, without the apostrophe a formula guard puts before a cell starting with
    /// '=', '+', '-', '@', tab or CR (an id never starts with an apostrophe itself).
    /// </summary>
    public static string Unguarded(string cell) => cell.Length > 1 && cell[0] == '\'' && cell[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? cell[1..] : cell;
}
