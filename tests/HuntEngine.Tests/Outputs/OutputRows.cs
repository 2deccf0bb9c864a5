using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using DuckDB.NET.Data;
using HuntEngine.Sinks;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Outputs;

/// <summary>
/// Reads every output format back into one shape, a row of cells in column order, so formats
/// can be compared cell by cell: times as UTC milliseconds (long), integers as long, text as string,
/// null as null.
/// </summary>
internal static class OutputRows
{
    public static readonly string[] Columns = DetectionSchema.Arrow.FieldsList.Select(f => f.Name).ToArray();
    public static readonly HashSet<string> TimeColumns = ["event_time", "window_end"];
    public static readonly HashSet<string> IntColumns = ["source_offset", "sent_bytes", "event_count"];

    /// <summary>The Arrow file, with Apache.Arrow's own reader.</summary>
    public static List<object?[]> ReadArrow(string path)
    {
        var rows = new List<object?[]>();
        using var stream = File.OpenRead(path);
        using var reader = new ArrowFileReader(stream, new Apache.Arrow.Compression.CompressionCodecFactory());
        Assert.Equal(Columns, reader.Schema.FieldsList.Select(f => f.Name));
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            using (batch)
            {
                for (int i = 0; i < batch.Length; i++)
                {
                    var row = new object?[Columns.Length];
                    for (int c = 0; c < Columns.Length; c++)
                    {
                        row[c] = batch.Column(c) switch
                        {
                            TimestampArray t => t.GetValue(i),
                            StringArray s => s.GetString(i),
                            Int64Array l => l.GetValue(i),
                            Int32Array n => n.GetValue(i) is { } v ? (long)v : null,
                            var other => throw new InvalidOperationException($"unexpected Arrow array {other.GetType().Name}"),
                        };
                    }
                    rows.Add(row);
                }
            }
        }
        return rows;
    }

    /// <summary>The Parquet file, read by DuckDB (an independent reader), in file order.</summary>
    public static List<object?[]> ReadParquet(string path)
    {
        using var db = OpenDuckDb();
        using var cmd = db.CreateCommand();
        var select = Columns.Select(c => TimeColumns.Contains(c) ? $"epoch_ms(\"{c}\") AS \"{c}\"" : $"\"{c}\"");
        cmd.CommandText = $"SELECT {string.Join(", ", select)} FROM read_parquet('{path.Replace("'", "''")}')";
        var rows = new List<object?[]>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var row = new object?[Columns.Length];
            for (int c = 0; c < Columns.Length; c++)
            {
                row[c] = r.IsDBNull(c) ? null : r.GetValue(c) switch
                {
                    string s => s,
                    long l => l,
                    int n => (long)n,
                    var other => throw new InvalidOperationException($"unexpected DuckDB value {other.GetType().Name} in {Columns[c]}"),
                };
            }
            rows.Add(row);
        }
        return rows;
    }

    public static DuckDBConnection OpenDuckDb()
    {
        var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        return db;
    }

    /// <summary>NDJSON lines: each a JSON object whose keys are the columns, in order.</summary>
    public static List<object?[]> ParseNdjson(string text)
    {
        var rows = new List<object?[]>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            var props = doc.RootElement.EnumerateObject().ToList();
            Assert.Equal(Columns, props.Select(p => p.Name));
            var row = new object?[Columns.Length];
            for (int c = 0; c < Columns.Length; c++)
            {
                var v = props[c].Value;
                row[c] = v.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.Null => null,
                    System.Text.Json.JsonValueKind.Number => v.GetInt64(),
                    System.Text.Json.JsonValueKind.String when TimeColumns.Contains(Columns[c]) => ParseIsoMs(v.GetString()!),
                    System.Text.Json.JsonValueKind.String => v.GetString(),
                    _ => throw new InvalidOperationException($"unexpected JSON {v.ValueKind} in {Columns[c]}"),
                };
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>CSV as written by <see cref="DetectionCsvWriter"/>, back to cells: the header is checked, the formula guard undone.</summary>
    public static List<object?[]> ParseCsv(string text)
    {
        var records = Rfc4180.Parse(text);
        Assert.Equal(Columns, records[0].Select(c => c.Value));
        var rows = new List<object?[]>();
        foreach (var record in records.Skip(1))
        {
            Assert.Equal(Columns.Length, record.Count);
            var row = new object?[Columns.Length];
            for (int c = 0; c < Columns.Length; c++)
            {
                var (value, quoted) = record[c];
                if (value.Length == 0 && !quoted) row[c] = null;
                else if (TimeColumns.Contains(Columns[c])) row[c] = ParseIsoMs(value);
                else if (IntColumns.Contains(Columns[c])) row[c] = long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                else row[c] = value.Length > 1 && value[0] == '\'' && DetectionCsvWriter.LooksLikeFormula(value[1..]) ? value[1..] : value;
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Times in the text outputs are exactly <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public static long ParseIsoMs(string text)
    {
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", text);
        return DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
    }

    /// <summary>The detections as cells, for comparing a writer's output with what it was given.</summary>
    public static List<object?[]> FromDetections(IEnumerable<Detection> detections) => detections.Select(d => new object?[]
    {
        d.EventTimeMs, d.Username, d.SourceIp, d.EventName, d.LogSourceType, d.AppName, d.AppDisplayName, d.UserType, d.RiskLevel,
        d.DetectionType, d.SourceFile, d.SourceOffset, d.Raw, d.TargetUser, d.RemoteHost, d.ProcessName, d.SentBytes, d.DeviceName,
        (long)d.EventCount, d.WindowEndMs,
    }).ToList();

    public static void AssertSameRows(List<object?[]> expected, List<object?[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            for (int c = 0; c < Columns.Length; c++)
                if (!Equals(expected[i][c], actual[i][c]))
                    Assert.Fail($"row {i}, column {Columns[c]}: expected {Show(expected[i][c])}, got {Show(actual[i][c])}");
    }

    private static string Show(object? v) => v is null ? "null" : $"{v} ({v.GetType().Name})";

    /// <summary>In-process <c>hunt</c>, as the CLI tests run it.</summary>
    public static (int Code, string Out, string Err) Hunt(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = HuntEngine.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>
    /// Seeded detections exercising every column: nulls, empty strings, quotes, commas, line breaks,
    /// non-ASCII (and a surrogate pair), formula-like text, negative and large numbers; in output order.
    /// </summary>
    public static List<Detection> Synthetic(int count, int seed = 42)
    {
        var rng = new Random(seed);
        string[] texts =
        [
            "alice@contoso.com", "", "a,b", "say \"hi\"", "line1\nline2", "cr\r\nlf", "Zoë 中文 🦄", "=HYPERLINK(\"http://x\",\"y\")",
            "+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "'quoted", "203.0.113.7", "2001:db8::1",
        ];
        string? Text() => rng.Next(4) == 0 ? null : texts[rng.Next(texts.Length)];
        long t0 = DateTimeOffset.Parse("2026-11-20T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var list = new List<Detection>(count);
        for (int i = 0; i < count; i++)
        {
            long? time = rng.Next(10) == 0 ? null : t0 + rng.NextInt64(-400L * 86_400_000, 400L * 86_400_000);
            list.Add(new Detection
            {
                EventTimeMs = time,
                Username = Text(),
                SourceIp = Text(),
                EventName = Text(),
                LogSourceType = Text(),
                AppName = Text(),
                AppDisplayName = Text(),
                UserType = Text(),
                RiskLevel = Text(),
                DetectionType = rng.Next(6) == 0 ? "=cmd|' /C calc'!A0" : "Type" + rng.Next(5),
                SourceFile = $"/data/archive {rng.Next(3)}/part,{rng.Next(3)}.json",
                SourceOffset = rng.NextInt64(0, 1L << 40),
                Raw = rng.Next(8) == 0 ? null : $$"""{"UserId":{{System.Text.Json.JsonSerializer.Serialize(Text() ?? "x")}},"n":{{i}}}""",
                TargetUser = Text(),
                RemoteHost = Text(),
                ProcessName = Text(),
                SentBytes = rng.Next(3) == 0 ? null : rng.Next(2) == 0 ? -rng.NextInt64(1, 1000) : rng.NextInt64(0, long.MaxValue),
                DeviceName = Text(),
                EventCount = rng.Next(1, 100),
                WindowEndMs = time is { } w && rng.Next(3) == 0 ? w + rng.Next(1, 3_600_000) : null,
            });
        }
        list.Sort(Detection.CompareOutputOrder);
        return list;
    }
}

/// <summary>A strict RFC 4180 reader for the tests: records of (value, was it quoted).</summary>
internal static class Rfc4180
{
    public static List<List<(string Value, bool Quoted)>> Parse(string text)
    {
        var records = new List<List<(string, bool)>>();
        var record = new List<(string, bool)>();
        var cell = new StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            bool quoted = false;
            cell.Clear();
            if (text[i] == '"')
            {
                quoted = true;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new FormatException("unterminated quote");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    cell.Append(text[i++]);
                }
            }
            else
            {
                while (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                {
                    if (text[i] == '"') throw new FormatException($"a quote inside an unquoted cell at {i}");
                    cell.Append(text[i++]);
                }
            }
            record.Add((cell.ToString(), quoted));
            if (i < text.Length && text[i] == ',') { i++; continue; }
            if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n') i += 2;
            else if (i < text.Length) throw new FormatException($"expected a comma or CRLF at {i}, found {(int)text[i]}");
            records.Add(record);
            record = new List<(string, bool)>();
        }
        if (record.Count > 0) throw new FormatException("the last record does not end with CRLF");
        return records;
    }
}
