using System.Text;

namespace Ledger.Projections.Tests.Support;

/// <summary>
/// An independent RFC 4180 reader for tests: records end at CRLF, fields are separated by commas, a quoted
/// field may hold commas, CR, LF and doubled quotes. A quoted empty field reads as "" and an unquoted empty
/// field as null, which is how the writer tells an empty memo from none.
/// </summary>
internal static class Rfc4180
{
    public static List<string?[]> Parse(string text)
    {
        var records = new List<string?[]>();
        var fields = new List<string?>();
        var field = new StringBuilder();
        var quoted = false;
        var index = 0;
        while (index < text.Length)
        {
            var character = text[index];
            if (field.Length == 0 && !quoted && character == '"')
            {
                quoted = true;
                index++;
                while (true)
                {
                    if (index >= text.Length)
                    {
                        throw new FormatException("Unterminated quoted field.");
                    }

                    if (text[index] == '"')
                    {
                        if (index + 1 < text.Length && text[index + 1] == '"')
                        {
                            field.Append('"');
                            index += 2;
                            continue;
                        }

                        index++;
                        break;
                    }

                    field.Append(text[index++]);
                }

                continue;
            }

            if (character == ',')
            {
                fields.Add(Finish(field, quoted));
                quoted = false;
                index++;
                continue;
            }

            if (character == '\r')
            {
                if (index + 1 >= text.Length || text[index + 1] != '\n')
                {
                    throw new FormatException($"A bare CR outside quotes at {index}.");
                }

                fields.Add(Finish(field, quoted));
                quoted = false;
                records.Add(fields.ToArray());
                fields.Clear();
                index += 2;
                continue;
            }

            if (character == '\n' || quoted)
            {
                throw new FormatException($"Unexpected character {(int)character} at {index}.");
            }

            field.Append(character);
            index++;
        }

        if (fields.Count > 0 || field.Length > 0)
        {
            throw new FormatException("The last record does not end with CRLF.");
        }

        return records;
    }

    private static string? Finish(StringBuilder field, bool quoted)
    {
        var value = field.Length == 0 && !quoted ? null : field.ToString();
        field.Clear();
        return value;
    }
}
