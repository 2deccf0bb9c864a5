using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HuntEngine.Tests.Reference;

/// <summary>
/// CSV containers of spec §1 and §2, read the plain way: an RFC 4180 splitter over the bytes (the quote,
/// comma and newline are ASCII, so splitting UTF-8 bytes is exact), then one candidate record per row.
/// </summary>
internal static class ReferenceCsv
{
    private sealed record CsvRow(int Start, List<byte[]> Fields, bool UnterminatedQuote);

    public static void Read(byte[] data, int afterBom, string sourceFile,
        List<ReferenceHunter.Candidate> candidates, List<ReferenceMalformed> malformed)
    {
        List<CsvRow> rows = SplitRows(data, afterBom);
        // Windows PowerShell's type line ("#TYPE name") before the header is not the header (decisions.md).
        if (rows.Count > 0 && IsTypeLine(data, rows[0]))
        {
            rows.RemoveAt(0);
        }
        if (rows.Count == 0)
        {
            return;
        }

        CsvRow headerRow = rows[0];
        if (headerRow.UnterminatedQuote)
        {
            malformed.Add(new ReferenceMalformed(sourceFile, headerRow.Start, "CSV header with an unterminated quote"));
            return;
        }
        List<string> header = headerRow.Fields.Select(f => Encoding.UTF8.GetString(f)).ToList();

        int auditDataColumn = header.LastIndexOf("AuditData");
        for (int r = 1; r < rows.Count; r++)
        {
            CsvRow row = rows[r];
            if (row.UnterminatedQuote)
            {
                malformed.Add(new ReferenceMalformed(sourceFile, row.Start, "CSV row with an unterminated quote"));
                continue;
            }

            if (auditDataColumn >= 0)
            {
                // UAL export: the record is the AuditData cell; the other columns are ignored.
                if (auditDataColumn >= row.Fields.Count)
                {
                    malformed.Add(new ReferenceMalformed(sourceFile, row.Start, "CSV row without an AuditData cell"));
                    continue;
                }
                candidates.Add(new ReferenceHunter.Candidate(row.Start, row.Fields[auditDataColumn], CsvTimestamps: true));
            }
            else
            {
                byte[]? json = RowAsJsonObject(header, row);
                if (json is null)
                {
                    malformed.Add(new ReferenceMalformed(sourceFile, row.Start, "invalid UTF-8 in a CSV cell"));
                    continue;
                }
                candidates.Add(new ReferenceHunter.Candidate(row.Start, json, CsvTimestamps: true));
            }
        }
    }

    /// <summary>A first row starting with "#Type" in any case, on one line (not a CR-only file read as one row).</summary>
    private static bool IsTypeLine(byte[] data, CsvRow row) =>
        row.Start + 5 <= data.Length
        && Encoding.ASCII.GetString(data, row.Start, 5).Equals("#TYPE", StringComparison.OrdinalIgnoreCase)
        && row.Fields.All(f => !f.Contains((byte)'\r'));

    /// <summary>
    /// A Sentinel / Log Analytics row as a JSON object: properties are the header names in header order
    /// (a trailing " [UTC]" removed, " [Local Time]" columns left out); an empty or missing cell is null,
    /// every other cell is a JSON string. Duplicate names are all written (lookups take the last).
    /// </summary>
    private static byte[]? RowAsJsonObject(List<string> header, CsvRow row)
    {
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            for (int i = 0; i < header.Count; i++)
            {
                string name = header[i];
                if (name.EndsWith(" [Local Time]", StringComparison.Ordinal))
                {
                    continue;
                }
                if (name.EndsWith(" [UTC]", StringComparison.Ordinal))
                {
                    name = name.Substring(0, name.Length - " [UTC]".Length);
                }

                byte[]? cell = i < row.Fields.Count ? row.Fields[i] : null;
                if (cell is null || cell.Length == 0)
                {
                    writer.WriteNull(name);
                    continue;
                }
                string text;
                try
                {
                    text = ReferenceJsonOptions.StrictUtf8.GetString(cell);
                }
                catch (DecoderFallbackException)
                {
                    return null;
                }
                writer.WriteString(name, text);
            }
            writer.WriteEndObject();
        }
        return output.ToArray();
    }

    private static bool IsBlank(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';

    /// <summary>
    /// RFC 4180 rows: fields separated by ',', rows by '\n' (a '\r' before it dropped) outside quotes; a
    /// quoted field may hold ',', '"' doubled, and newlines. Bytes after a closing quote up to the next
    /// delimiter are kept literally (lenient). Rows that are only whitespace are skipped.
    /// </summary>
    private static List<CsvRow> SplitRows(byte[] data, int start)
    {
        var rows = new List<CsvRow>();
        int pos = start;
        while (pos < data.Length)
        {
            int rowStart = pos;
            var fields = new List<byte[]>();
            bool unterminated = false;
            while (true)
            {
                var field = new List<byte>();
                int quotedLength = 0;
                if (pos < data.Length && data[pos] == (byte)'"')
                {
                    pos++;
                    bool closed = false;
                    while (pos < data.Length)
                    {
                        if (data[pos] == (byte)'"')
                        {
                            if (pos + 1 < data.Length && data[pos + 1] == (byte)'"')
                            {
                                field.Add((byte)'"');
                                pos += 2;
                            }
                            else
                            {
                                pos++;
                                closed = true;
                                break;
                            }
                        }
                        else
                        {
                            field.Add(data[pos]);
                            pos++;
                        }
                    }
                    if (!closed)
                    {
                        unterminated = true;
                    }
                    quotedLength = field.Count;
                }

                while (pos < data.Length && data[pos] != (byte)',' && data[pos] != (byte)'\n')
                {
                    field.Add(data[pos]);
                    pos++;
                }

                if (pos < data.Length && data[pos] == (byte)',')
                {
                    pos++;
                    fields.Add(field.ToArray());
                    continue;
                }

                // End of the row: at '\n' or at the end of the data.
                if (pos < data.Length)
                {
                    pos++;
                }
                if (field.Count > quotedLength && field[^1] == (byte)'\r')
                {
                    field.RemoveAt(field.Count - 1);
                }
                fields.Add(field.ToArray());
                break;
            }

            bool blank = true;
            for (int i = rowStart; i < pos; i++)
            {
                if (!IsBlank(data[i]))
                {
                    blank = false;
                }
            }
            if (!blank)
            {
                rows.Add(new CsvRow(rowStart, fields, unterminated));
            }
        }
        return rows;
    }
}
