using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;
using HuntEngine.Batches;
using HuntEngine.DataGen;
using HuntEngine.Parquet;
using HuntEngine.Scanning;
using HuntEngine.Sinks;
using HuntEngine.Tests.Outputs;
using HuntEngine.Tests.Reference;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Store;

/// <summary>
/// A converted store read by DuckDB (an independent reader): every record, with the columns the
/// reference normalizes, in the types analysts expect; and the Parquet parts hold exactly the rows of
/// the Arrow parts, in the same order.
/// </summary>
public sealed class ParquetStoreTests
{
    private static readonly string[] StoreColumns = StoreSchema.Arrow(keepRaw: true).FieldsList.Select(f => f.Name).ToArray();

    [Theory]
    [InlineData(61)]
    [InlineData(62)]
    public void Parquet_store_read_by_duckdb_holds_every_record_as_the_reference_normalizes_it(int seed)
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(seed, 700_000, PlantRate: 0.03));
        Convert(archive, store, ParquetStoreFormat.Instance, keepRaw: true, threads: 3, rowsPerPart: 100); // parts > workers, however blocks are shared out
        Assert.True(Directory.GetFiles(store, "*.parquet").Length > 2, "parts are bounded by RowsPerPart");
        Assert.Empty(Directory.GetFiles(store, "*.tmp"));

        var reference = ReferenceHunter.Scan([archive]);
        var expected = reference.Records.ToDictionary(r => (r.SourceFile, r.SourceOffset));

        using var db = OutputRows.OpenDuckDb();
        using var cmd = db.CreateCommand();
        string glob = Path.Combine(store, "*.parquet").Replace("'", "''");

        // Types as an analyst's SQL sees them.
        cmd.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{glob}')";
        var types = new Dictionary<string, string>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) types[r.GetString(0)] = r.GetString(1);
        Assert.Equal(StoreColumns, types.Keys);
        foreach (var (name, type) in types)
            Assert.Equal(name switch
            {
                "event_time" => "TIMESTAMP WITH TIME ZONE",
                "sent_bytes" or "source_offset" => "BIGINT",
                _ => "VARCHAR",
            }, type);

        // The version is in every part's key-value metadata.
        cmd.CommandText = $"SELECT count(*) FROM parquet_kv_metadata('{glob}') WHERE decode(key) = '{StoreSchema.VersionKey}' AND decode(value) = '{StoreSchema.Version}'";
        Assert.Equal((long)Directory.GetFiles(store, "*.parquet").Length, System.Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture));

        // Every record once, with the reference's columns and its raw text.
        cmd.CommandText = $"SELECT epoch_ms(event_time), username, source_ip, event_name, log_source_type, app_name, app_display_name, user_type, risk_level, target_user, remote_host, process_name, sent_bytes, device_name, kind, source_file, source_offset, raw FROM read_parquet('{glob}')";
        int rows = 0;
        var seen = new HashSet<(string, long)>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                rows++;
                string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
                long? L(int i) => r.IsDBNull(i) ? null : System.Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
                var key = (S(15)!, L(16)!.Value);
                Assert.True(seen.Add(key), $"record {key} stored twice");
                Assert.True(expected.TryGetValue(key, out var record), $"record {key} is not one the reference read");
                var row = new ReferenceRow(record.Row.Kind, L(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), L(12), S(13));
                Assert.Equal(record.Row, row);
                Assert.Equal(ReferenceKinds.EngineName(record.Row.Kind), S(14));
                Assert.Equal(record.Raw, S(17));
            }
        }
        Assert.Equal(reference.Records.Count, rows);
    }

    [Fact]
    public void Parquet_parts_hold_the_rows_of_the_arrow_parts_in_the_same_order()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(63, 500_000, PlantRate: 0.03));
        // One worker: the parts and the rows in them follow the files' order, the same in both formats.
        var arrowStore = Path.Combine(dir.Path, "arrow");
        var parquetStore = Path.Combine(dir.Path, "parquet");
        Convert(archive, arrowStore, StoreFormat.Arrow, keepRaw: false, threads: 1, rowsPerPart: 1500);
        Convert(archive, parquetStore, ParquetStoreFormat.Instance, keepRaw: false, threads: 1, rowsPerPart: 1500);
        Assert.Equal(
            Directory.GetFiles(arrowStore).Select(Path.GetFileNameWithoutExtension).Order(),
            Directory.GetFiles(parquetStore).Select(Path.GetFileNameWithoutExtension).Order());

        var fromArrow = new List<object?[]>();
        foreach (var part in Directory.GetFiles(arrowStore, "*.arrow").Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(part);
            using var reader = new ArrowFileReader(stream, new CompressionCodecFactory());
            while (reader.ReadNextRecordBatch() is { } batch)
                using (batch)
                    for (int i = 0; i < batch.Length; i++)
                        fromArrow.Add(Enumerable.Range(0, batch.ColumnCount).Select(c => Cell(batch.Column(c), i)).ToArray());
        }

        using var db = OutputRows.OpenDuckDb();
        using var cmd = db.CreateCommand();
        var columns = StoreSchema.Arrow(keepRaw: false).FieldsList.Select(f => f.Name == "event_time" ? "epoch_ms(event_time)" : f.Name);
        cmd.CommandText = $"SELECT {string.Join(", ", columns)} FROM read_parquet('{Path.Combine(parquetStore, "*.parquet")}', filename = true, file_row_number = true) ORDER BY filename, file_row_number";
        var fromParquet = new List<object?[]>();
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                fromParquet.Add(Enumerable.Range(0, r.FieldCount).Select(c => r.IsDBNull(c) ? null : r.GetValue(c) is long or int ? (object)System.Convert.ToInt64(r.GetValue(c), CultureInfo.InvariantCulture) : r.GetValue(c)).ToArray());

        Assert.NotEmpty(fromArrow);
        Assert.Equal(fromArrow.Count, fromParquet.Count);
        for (int i = 0; i < fromArrow.Count; i++) Assert.Equal(fromArrow[i], fromParquet[i]);
    }

    [Fact]
    public void Row_groups_are_bounded_by_rows_and_by_bytes()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(64, 400_000));
        Convert(archive, store, StoreFormat.Arrow, keepRaw: true, threads: 1, rowsPerPart: 1_000_000);
        var batches = new List<RecordBatch>();
        var part = Directory.GetFiles(store, "*.arrow").Single();
        using var reader = StoreFormat.Arrow.OpenReader(File.OpenRead(part));
        for (int i = 0; i < reader.BatchCount; i++) batches.Add(reader.Read(i));
        int total = batches.Sum(b => b.Length);
        Assert.True(total > 300, $"{total} rows");

        foreach (var (rowsPerGroup, bytesPerGroup) in new[] { (100, long.MaxValue), (int.MaxValue, 64L << 10) })
        {
            var path = Path.Combine(dir.Path, $"groups-{rowsPerGroup}-{bytesPerGroup}.parquet");
            using (var stream = File.Create(path))
            using (var writer = ParquetStoreFormat.CreateWriter(stream, reader.Schema, rowsPerGroup, bytesPerGroup))
            {
                foreach (var b in batches) writer.Write(b);
                writer.Complete();
            }
            using var db = OutputRows.OpenDuckDb();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT row_group_id, any_value(row_group_num_rows), sum(total_uncompressed_size)::BIGINT FROM parquet_metadata('{path}') GROUP BY row_group_id ORDER BY row_group_id";
            var groups = new List<(long Rows, long Bytes)>();
            using (var r = cmd.ExecuteReader())
                while (r.Read()) groups.Add((System.Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), System.Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture)));
            Assert.Equal(total, groups.Sum(g => g.Rows));
            Assert.True(groups.Count > 2, $"{groups.Count} row groups");
            if (rowsPerGroup == 100) Assert.All(groups, g => Assert.True(g.Rows <= 100));
            else
            {
                // A row group closes once its text (and 8 bytes per number) reaches the limit: every
                // group but the last holds at least the limit, and passes it by less than one batch.
                var rowBytes = batches.SelectMany(RowBytes).ToList();
                long maxBatch = batches.Max(b => RowBytes(b).Sum());
                int at = 0;
                for (int g = 0; g < groups.Count; g++)
                {
                    long bytes = rowBytes.Skip(at).Take((int)groups[g].Rows).Sum();
                    at += (int)groups[g].Rows;
                    if (g < groups.Count - 1) Assert.InRange(bytes, bytesPerGroup, bytesPerGroup + maxBatch - 1);
                }
            }
            Assert.Equal(total, HuntScanner.Run(new ScanOptions { Paths = [path], StoreFormats = [ParquetStoreFormat.Instance] }).Summary.RecordsParsed);
        }
        foreach (var b in batches) b.Dispose();
    }

    [Fact]
    public void Damaged_and_foreign_parquet_files_are_reported_and_the_scan_goes_on()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(65, 300_000, PlantRate: 0.05));
        Convert(archive, store, ParquetStoreFormat.Instance, keepRaw: false, threads: 1, rowsPerPart: 1_000_000);
        var whole = HuntScanner.Run(new ScanOptions { Paths = [store], StoreFormats = [ParquetStoreFormat.Instance] });
        Assert.NotEmpty(whole.Detections);

        var part = Directory.GetFiles(store, "*.parquet").Single();
        var bytes = File.ReadAllBytes(part);
        var damaged = Path.Combine(dir.Path, "damaged");
        Directory.CreateDirectory(damaged);
        File.WriteAllBytes(Path.Combine(damaged, "cut.parquet"), bytes[..(bytes.Length / 2)]);
        var footer = bytes.ToArray();
        footer.AsSpan(footer.Length - 8, 4).Fill(0xFF); // the footer's length, before the closing PAR1
        File.WriteAllBytes(Path.Combine(damaged, "footer.parquet"), footer);
        ParquetFileSink.Write(Path.Combine(damaged, "detections.parquet"), whole.Detections);
        File.Copy(part, Path.Combine(damaged, "whole.parquet"));

        var r = HuntScanner.Run(new ScanOptions { Paths = [damaged], StoreFormats = [ParquetStoreFormat.Instance] });
        var byName = r.Summary.Files.ToDictionary(f => Path.GetFileName(f.Path));
        Assert.Contains("store part unreadable", byName["cut.parquet"].Error);
        Assert.Contains("store part unreadable", byName["footer.parquet"].Error);
        Assert.Contains("not a HuntEngine store", byName["detections.parquet"].Error);
        Assert.Null(byName["whole.parquet"].Error);
        Assert.Equal(whole.Detections.Count, r.Detections.Count(d => d.SourceFile.StartsWith(archive, StringComparison.Ordinal)));
    }

    [Fact]
    public void Convert_command_writes_parquet_parts_that_scan_finds()
    {
        using var dir = new TempDir();
        var store = Path.Combine(dir.Path, "store");
        var (code, output, _) = OutputRows.Hunt("convert", Path.Combine(RepoPaths.Root, "data", "sample"), "-o", store, "--format", "parquet");
        Assert.Equal(0, code);
        Assert.Contains("parquet parts", output);
        Assert.NotEmpty(Directory.GetFiles(store, "*.parquet"));
        Assert.Empty(Directory.GetFiles(store, "*.arrow"));
        var fromSample = HuntScanner.Run(new ScanOptions { Paths = [Path.Combine(RepoPaths.Root, "data", "sample")] });
        var detections = Path.Combine(dir.Path, "d.arrow");
        (code, _, _) = OutputRows.Hunt("scan", store, "-o", detections, "--quiet");
        Assert.Equal(0, code);
        Assert.Equal(fromSample.Detections.Count, OutputRows.ReadArrow(detections).Count);

        (code, _, string err) = OutputRows.Hunt("convert", store, "-o", Path.Combine(dir.Path, "x"), "--format", "orc");
        Assert.Equal(2, code);
        Assert.Contains("supported: arrow, parquet", err);
    }

    [Fact]
    public void An_instant_past_year_1_or_9999_is_a_null_time_in_every_output()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "year0.ndjson");
        // Half an hour before year 1 UTC: no log time, and no .NET DateTime. It once crashed the writers.
        File.WriteAllText(archive, """{"CreationTime":"0001-01-01T00:30:00+01:00","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"helpdesk@evil.example"}""" + "\n");
        foreach (var format in new[] { "arrow", "parquet" })
        {
            var output = Path.Combine(dir.Path, "d." + format);
            Assert.Equal(0, OutputRows.Hunt("scan", archive, "-o", output, "--format", format, "-q").Code);
            var rows = format == "arrow" ? OutputRows.ReadArrow(output) : OutputRows.ReadParquet(output);
            Assert.Null(rows.Single()[0]);
            var store = Path.Combine(dir.Path, "store-" + format);
            Assert.Equal(0, OutputRows.Hunt("convert", archive, "-o", store, "--format", format).Code);
            Assert.Null(HuntScanner.Run(new ScanOptions { Paths = [store], StoreFormats = HuntEngine.Cli.Cli.StoreFormats }).Detections.Single().EventTimeMs);
        }
        var (code, text, _) = OutputRows.Hunt("scan", archive, "--stdout", "ndjson", "-q");
        Assert.Equal(0, code);
        Assert.Contains("\"event_time\":null", text);
    }

    private static void Convert(string archive, string store, StoreFormat format, bool keepRaw, int threads, long rowsPerPart) =>
        HuntScanner.Run(new ScanOptions
        {
            Paths = [archive], Threads = threads, Prefilter = false,
            Store = new StoreOptions(store, keepRaw, rowsPerPart) { Format = format },
        });

    /// <summary>Each row's size as the Parquet store writer counts it: UTF-8 bytes of its strings, 8 per number.</summary>
    private static IEnumerable<long> RowBytes(RecordBatch batch) => Enumerable.Range(0, batch.Length).Select(r =>
        Enumerable.Range(0, batch.ColumnCount).Sum(c => batch.Column(c) is StringArray s ? (long)s.GetBytes(r).Length : 8L));

    private static object? Cell(IArrowArray array, int i) => array switch
    {
        TimestampArray t => t.GetValue(i),
        StringArray s => s.GetString(i),
        Int64Array l => l.GetValue(i),
        _ => throw new InvalidOperationException(array.GetType().Name),
    };
}
