using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace HuntEngine.DataGen;

/// <summary>
/// The generator's self-check (<c>--verify</c>): decompresses every file of an archive, frames its
/// records (JSON: array elements, wrapper elements or top-level values; CSV: RFC 4180 rows after the
/// header) and checks that every ground-truth row points at a record start: the opening '{' of a JSON
/// record, or the first byte of a CSV data row whose record parses (a UAL row's AuditData, or a Log
/// Analytics row with the header's number of cells). It checks the generator's bookkeeping of
/// offsets, not the rules: whether each planted record really fires, and each near-miss does not, is
/// checked against the test project's reference hunter (tests/HuntEngine.Tests/Reference), which
/// reads every container and computes the bursts, so the generator does not carry a second one.
/// </summary>
internal static class ReferenceCheck
{
    public sealed record Report(int Files, long Records, long DecompressedBytes, IReadOnlyDictionary<string, long> RecordsByContainer,
        IReadOnlyDictionary<string, long> DetectionsByType, IReadOnlyList<string> Problems);

    public static Report Verify(string directory)
    {
        var truth = ReadTruth(CorpusGenerator.GroundTruthPathFor(directory), out var problems);
        var containers = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in truth) byType[row.Type] = byType.GetValueOrDefault(row.Type) + 1;
        var truthByFile = truth.GroupBy(t => t.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        int files = 0;
        long records = 0, bytes = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (string path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(directory, path).Replace('\\', '/');
            files++;
            seen.Add(relative);
            byte[] data = Decompress(path);
            bytes += data.Length;
            string container;
            Dictionary<long, bool> starts; // record start -> its record parses
            int start = data.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            int first = start;
            while (first < data.Length && data[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') first++;
            if (first < data.Length && data[first] is (byte)'[' or (byte)'{')
            {
                container = "json";
                starts = new Dictionary<long, bool>();
                try
                {
                    foreach (var (offset, _) in FrameRecords(data)) starts[offset] = data[offset] == (byte)'{';
                }
                catch (JsonException e)
                {
                    problems.Add($"{relative}: not valid JSON framing: {e.Message}");
                }
            }
            else
            {
                starts = CsvRowStarts(data, start, out container, relative, problems);
            }

            records += starts.Count;
            containers[container] = containers.GetValueOrDefault(container) + starts.Count;
            foreach (var row in truthByFile.GetValueOrDefault(relative) ?? [])
            {
                if (!starts.TryGetValue(row.Offset, out bool parses)) problems.Add($"{relative}@{row.Offset} ({row.Type}): not the start of a record");
                else if (!parses) problems.Add($"{relative}@{row.Offset} ({row.Type}): the record there does not parse");
            }
        }

        foreach (string path in truthByFile.Keys.Where(p => !seen.Contains(p))) problems.Add($"ground truth names a file that is not in the archive: {path}");
        return new Report(files, records, bytes, containers, byType, problems);
    }

    private readonly record struct TruthRow(string Path, long Offset, string Type);

    private static List<TruthRow> ReadTruth(string path, out List<string> problems)
    {
        problems = new List<string>();
        var rows = new List<TruthRow>();
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != "relative_path,offset,detection_type") problems.Add($"{path}: unexpected header");
        foreach (string line in lines.Skip(1))
        {
            string[] cells = line.Split(',');
            rows.Add(new TruthRow(cells[0], long.Parse(cells[1], CultureInfo.InvariantCulture), cells[2]));
        }

        for (int i = 1; i < rows.Count; i++)
        {
            int c = string.CompareOrdinal(rows[i - 1].Path, rows[i].Path);
            if (c > 0 || c == 0 && rows[i - 1].Offset >= rows[i].Offset) problems.Add($"ground truth not sorted or not unique at row {i + 1}: {rows[i]}");
        }

        return rows;
    }

    /// <summary>
    /// The data rows of a CSV export (RFC 4180: quoted fields may hold commas, doubled quotes and
    /// newlines) by their first byte, each with whether its record parses.
    /// </summary>
    private static Dictionary<long, bool> CsvRowStarts(byte[] data, int start, out string container, string relative, List<string> problems)
    {
        var rows = new List<(int Start, List<string> Cells)>();
        int pos = start;
        while (pos < data.Length)
        {
            int rowStart = pos;
            var cells = new List<string>();
            var cell = new List<byte>();
            bool quoted = false, blank = true;
            while (pos < data.Length)
            {
                byte b = data[pos++];
                if (quoted)
                {
                    if (b == (byte)'"')
                    {
                        if (pos < data.Length && data[pos] == (byte)'"') { cell.Add(b); pos++; }
                        else quoted = false;
                    }
                    else
                    {
                        cell.Add(b);
                    }

                    continue;
                }

                if (b == (byte)'"') { quoted = true; blank = false; }
                else if (b == (byte)',') { cells.Add(Encoding.UTF8.GetString(cell.ToArray())); cell.Clear(); blank = false; }
                else if (b == (byte)'\n') break;
                else if (b != (byte)'\r') { cell.Add(b); blank &= b is (byte)' ' or (byte)'\t'; }
            }

            if (quoted) problems.Add($"{relative}@{rowStart}: a quote is not closed");
            cells.Add(Encoding.UTF8.GetString(cell.ToArray()));
            if (!blank) rows.Add((rowStart, cells));
        }

        var starts = new Dictionary<long, bool>();
        if (rows.Count == 0)
        {
            container = "csv";
            return starts;
        }

        List<string> header = rows[0].Cells;
        int auditData = header.IndexOf("AuditData");
        container = auditData >= 0 ? "ual-csv" : "la-csv";
        foreach (var (rowStart, cells) in rows.Skip(1))
        {
            bool parses = cells.Count == header.Count;
            if (parses && auditData >= 0)
            {
                try
                {
                    using var document = JsonDocument.Parse(cells[auditData]);
                    parses = document.RootElement.ValueKind == JsonValueKind.Object;
                }
                catch (JsonException)
                {
                    parses = false;
                }
            }

            starts[rowStart] = parses;
        }

        return starts;
    }

    /// <summary>Decompresses by magic bytes, member after member / frame after frame.</summary>
    internal static byte[] Decompress(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 4) return raw;
        var output = new MemoryStream();
        if (raw[0] == 0x1F && raw[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress); // reads concatenated members
            gzip.CopyTo(output);
        }
        else if (raw[0] == 0x04 && raw[1] == 0x22 && raw[2] == 0x4D && raw[3] == 0x18)
        {
            using var input = new MemoryStream(raw);
            while (input.Position < input.Length)
            {
                using var lz4 = LZ4Stream.Decode(input, extraMemory: 0, leaveOpen: true);
                lz4.CopyTo(output);
            }
        }
        else if (raw[0] == 0x28 && raw[1] == 0xB5 && raw[2] == 0x2F && raw[3] == 0xFD)
        {
            using var zstd = new DecompressionStream(new MemoryStream(raw));
            zstd.CopyTo(output);
        }
        else
        {
            return raw;
        }

        return output.ToArray();
    }

    /// <summary>Every record's (offset of '{', length): elements of a top-level array or of a value/records wrapper, else successive top-level values.</summary>
    internal static List<(int Offset, int Length)> FrameRecords(byte[] data)
    {
        int start = data.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var records = new List<(int, int)>();
        var options = new JsonReaderOptions { AllowMultipleValues = true };
        var reader = new Utf8JsonReader(data.AsSpan(start), options);
        if (!reader.Read()) return records;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            ReadArrayElements(ref reader, start, records);
            return records;
        }

        // A wrapper is one object holding a "value" or "records" array.
        var probe = reader;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            bool wrapperArray = (probe.ValueTextEquals("value"u8) || probe.ValueTextEquals("records"u8));
            probe.Read();
            if (wrapperArray && probe.TokenType == JsonTokenType.StartArray)
            {
                ReadArrayElements(ref probe, start, records);
                return records;
            }

            probe.Skip();
        }

        do
        {
            int offset = start + (int)reader.TokenStartIndex;
            reader.Skip();
            records.Add((offset, start + (int)reader.BytesConsumed - offset));
        }
        while (reader.Read());

        return records;
    }

    private static void ReadArrayElements(ref Utf8JsonReader reader, int start, List<(int, int)> records)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            int offset = start + (int)reader.TokenStartIndex;
            reader.Skip();
            records.Add((offset, start + (int)reader.BytesConsumed - offset));
        }
    }

    /// <summary>Renders the report for the CLI.</summary>
    public static string Describe(Report report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"verify: {report.Files} files, {report.Records:N0} records, {report.DecompressedBytes:N0} decompressed bytes");
        text.AppendLine("  records by container: " + string.Join(", ", report.RecordsByContainer.Select(k => $"{k.Key}={k.Value}")));
        text.AppendLine("  ground truth by type: " + string.Join(", ", report.DetectionsByType.Select(k => $"{k.Key}={k.Value}")));
        text.Append(report.Problems.Count == 0
            ? "  OK: every ground-truth row points at a record start (the rules themselves are checked by the test project's reference hunter)"
            : $"  {report.Problems.Count} PROBLEMS:\n    " + string.Join("\n    ", report.Problems.Take(40)));
        return text.ToString();
    }
}
