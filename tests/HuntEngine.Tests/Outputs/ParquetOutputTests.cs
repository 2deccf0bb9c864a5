using HuntEngine.Cli;
using HuntEngine.Parquet;
using HuntEngine.Sinks;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Outputs;

/// <summary><c>--format parquet</c>: the Arrow file's schema and rows, read back by DuckDB.</summary>
public sealed class ParquetOutputTests
{
    private static readonly Dictionary<string, string> DuckDbTypes = new()
    {
        ["event_time"] = "TIMESTAMP WITH TIME ZONE",
        ["source_offset"] = "BIGINT",
        ["sent_bytes"] = "BIGINT",
        ["event_count"] = "INTEGER",
        ["window_end"] = "TIMESTAMP WITH TIME ZONE",
    };

    [Fact]
    public void Parquet_read_by_duckdb_has_the_arrow_files_rows_types_and_order()
    {
        // Several row groups (small ones here, to keep the test quick), every column and awkward text.
        const int RowsPerGroup = 2000;
        var detections = OutputRows.Synthetic(2 * RowsPerGroup + 345);
        using var dir = new TempDir();
        var arrow = Path.Combine(dir.Path, "d.arrow");
        var parquet = Path.Combine(dir.Path, "d.parquet");
        ArrowFileSink.Write(arrow, detections);
        AtomicFile.Write(parquet, s => ParquetFileSink.WriteAsync(s, detections, RowsPerGroup, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));

        var expected = OutputRows.ReadArrow(arrow);
        OutputRows.AssertSameRows(OutputRows.FromDetections(detections), expected);
        OutputRows.AssertSameRows(expected, OutputRows.ReadParquet(parquet));

        using var db = OutputRows.OpenDuckDb();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{parquet}')";
        var described = new List<(string Name, string Type)>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) described.Add((r.GetString(0), r.GetString(1)));
        Assert.Equal(OutputRows.Columns, described.Select(d => d.Name));
        foreach (var (name, type) in described)
            Assert.Equal(DuckDbTypes.GetValueOrDefault(name, "VARCHAR"), type);

        // The physical schema: INT64 TIMESTAMP(MILLIS, isAdjustedToUTC), UTF-8 strings, required where Arrow is not nullable.
        cmd.CommandText = $"SELECT name, type, logical_type, repetition_type FROM parquet_schema('{parquet}') WHERE name = 'event_time' OR name = 'username' OR name = 'source_offset' OR name = 'event_count'";
        var physical = new Dictionary<string, (string Type, string Logical, string Repetition)>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) physical[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? "" : r.GetValue(2).ToString()!, r.GetString(3));
        Assert.Equal("INT64", physical["event_time"].Type);
        Assert.Contains("isAdjustedToUTC=1", physical["event_time"].Logical);
        Assert.Contains("MILLIS=", physical["event_time"].Logical);
        Assert.DoesNotContain("MILLIS=<null>", physical["event_time"].Logical);
        Assert.Equal("OPTIONAL", physical["event_time"].Repetition);
        Assert.Equal("BYTE_ARRAY", physical["username"].Type);
        Assert.Contains("StringType", physical["username"].Logical);
        Assert.Equal(("INT64", "REQUIRED"), (physical["source_offset"].Type, physical["source_offset"].Repetition));
        Assert.Equal(("INT32", "REQUIRED"), (physical["event_count"].Type, physical["event_count"].Repetition));

        // Bounded row groups.
        cmd.CommandText = $"SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata('{parquet}')";
        using (var r = cmd.ExecuteReader())
        {
            Assert.True(r.Read());
            Assert.Equal(3L, Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(RowsPerGroup, Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        }

        // Times are instants: DuckDB sees the same UTC milliseconds whatever its session zone.
        cmd.CommandText = $"SET TimeZone = 'America/Los_Angeles'; SELECT epoch_ms(event_time) FROM read_parquet('{parquet}') LIMIT 1";
        Assert.Equal(expected[0][0], cmd.ExecuteScalar());
    }

    [Fact]
    public void Row_groups_are_bounded_at_64k_rows()
    {
        var detections = OutputRows.Synthetic(ParquetFileSink.RowsPerRowGroup + 10, seed: 3);
        using var dir = new TempDir();
        var parquet = Path.Combine(dir.Path, "d.parquet");
        ParquetFileSink.Write(parquet, detections);
        using var db = OutputRows.OpenDuckDb();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata('{parquet}') GROUP BY ALL ORDER BY 1";
        var groups = new List<long>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) groups.Add(Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([ParquetFileSink.RowsPerRowGroup, 10L], groups);
    }

    [Fact]
    public void Empty_result_is_a_valid_parquet_file_with_the_schema()
    {
        using var dir = new TempDir();
        var parquet = Path.Combine(dir.Path, "empty.parquet");
        ParquetFileSink.Write(parquet, []);
        Assert.Empty(OutputRows.ReadParquet(parquet));
        using var db = OutputRows.OpenDuckDb();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{parquet}')";
        var names = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) names.Add(r.GetString(0));
        Assert.Equal(OutputRows.Columns, names);
    }

    [Fact]
    public void A_cancelled_write_leaves_no_file()
    {
        using var dir = new TempDir();
        var parquet = Path.Combine(dir.Path, "d.parquet");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ParquetFileSink.Write(parquet, OutputRows.Synthetic(10), cancel.Token));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Hunt_scan_format_parquet_writes_the_same_rows_as_the_arrow_file()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, StdoutOutputTests.Corpus);
        var arrow = Path.Combine(dir.Path, "o.arrow");
        var parquet = Path.Combine(dir.Path, "o.parquet");
        var summary = Path.Combine(dir.Path, "s.json");
        Assert.Equal(ExitCode.Detections, OutputRows.Hunt("scan", input, "-o", arrow, "--threads", "2").Code);
        var (code, stdout, _) = OutputRows.Hunt("scan", input, "--format", "parquet", "-o", parquet, "--summary-json", summary, "--threads", "2");
        Assert.Equal(ExitCode.Detections, code);
        Assert.Contains($"output       {parquet}", stdout);
        var rows = OutputRows.ReadArrow(arrow);
        Assert.True(rows.Count >= 4);
        OutputRows.AssertSameRows(rows, OutputRows.ReadParquet(parquet));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(summary));
        Assert.Equal(parquet, doc.RootElement.GetProperty("output").GetString());
    }

    [Fact]
    public void Output_names_default_by_format_and_stdout_writes_no_file_unless_asked()
    {
        Assert.Equal("detections.arrow", ScanCommand.Parse(["x"]).Output);
        Assert.Equal("detections.parquet", ScanCommand.Parse(["x", "--format", "parquet"]).Output);
        Assert.Equal("mine.parquet", ScanCommand.Parse(["x", "--format", "parquet", "-o", "mine.parquet"]).Output);
        Assert.Null(ScanCommand.Parse(["x", "--stdout", "ndjson"]).Output);
        Assert.Null(ScanCommand.Parse(["x", "--stdout", "csv", "--format", "parquet"]).Output);
        Assert.Equal("f.arrow", ScanCommand.Parse(["x", "--stdout", "csv", "-o", "f.arrow"]).Output);
    }

    [Theory]
    [InlineData("--compression applies to --format arrow", "--format", "parquet", "--compression", "zstd")]
    [InlineData("--compression applies to the detections file", "--stdout", "ndjson", "--compression", "lz4")]
    [InlineData("--stdout 'json': expected ndjson or csv", "--stdout", "json")]
    [InlineData("--format 'feather': supported: arrow, parquet", "--format", "feather")]
    public void Contradictory_output_options_fail_before_scanning(string message, params string[] options)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, StdoutOutputTests.Corpus);
        var (code, stdout, err) = OutputRows.Hunt(["scan", input, .. options]);
        Assert.Equal(ExitCode.CouldNotRun, code);
        Assert.Contains(message, err);
        Assert.Equal("", stdout);
    }
}
