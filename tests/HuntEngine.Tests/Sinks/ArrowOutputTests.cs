using Apache.Arrow;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using HuntEngine.Sinks;
using HuntEngine.Tests.Framing;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Sinks;

/// <summary>Spec §4: the detections file read back with Apache.Arrow's own reader.</summary>
public sealed class ArrowOutputTests
{
    private static readonly string[] ExpectedColumns =
    [
        "event_time", "username", "source_ip", "event_name", "log_source_type", "app_name", "app_display_name", "user_type",
        "risk_level", "detection_type", "source_file", "source_offset", "raw", "target_user", "remote_host", "process_name",
        "sent_bytes", "device_name", "event_count", "window_end",
    ];

    /// <summary>Counts how often each row is read: past the memory budget, every read goes to disk.</summary>
    private sealed class CountingRows(IReadOnlyList<Detection> rows) : IReadOnlyList<Detection>
    {
        public int Reads;
        public Detection this[int index] { get { Reads++; return rows[index]; } }
        public int Count => rows.Count;
        public IEnumerator<Detection> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public void A_batch_reads_each_row_once_and_holds_every_value()
    {
        var rows = Enumerable.Range(0, 20).Select(i => new Detection
        {
            EventTimeMs = i % 3 == 0 ? null : 1_700_000_000_000 + i, DetectionType = "CloudStorageExfil", SourceFile = $"f{i}", SourceOffset = i,
            Username = i % 2 == 0 ? null : $"user{i}@corp", Raw = $"{{\"n\":{i},\"s\":\"Ωmega \ud83d\ude00\"}}", EventCount = 1,
            RemoteHost = "s3.amazonaws.com", SentBytes = i % 4 == 0 ? null : 10_485_761L + i, AppName = i == 7 ? "" : null,
        }).ToList();
        var counted = new CountingRows(rows);
        using var memory = new NativeBatchMemory();
        using var batch = DetectionSchema.ToBatch(counted, 5, 12, memory);
        Assert.Equal(12, counted.Reads);
        Assert.Equal(12, batch.Length);
        for (int i = 0; i < 12; i++)
        {
            var d = rows[5 + i];
            Assert.Equal(d.Username, ((StringArray)batch.Column("username")).GetString(i));
            Assert.Equal(d.Raw, ((StringArray)batch.Column("raw")).GetString(i));
            Assert.Equal(d.AppName, ((StringArray)batch.Column("app_name")).GetString(i));
            Assert.Equal(d.SourceFile, ((StringArray)batch.Column("source_file")).GetString(i));
            Assert.Equal(d.SentBytes, ((Int64Array)batch.Column("sent_bytes")).GetValue(i));
            Assert.Equal(d.EventTimeMs is null, batch.Column("event_time").IsNull(i));
        }
        Assert.Equal(rows.Skip(5).Take(12).Count(d => d.Username is null), batch.Column("username").NullCount);
        Assert.Equal(12, batch.Column("device_name").NullCount);
    }

    [Fact]
    public void A_compressed_file_has_no_empty_buffer_for_arrow_cpp_and_pyarrow_to_reject()
    {
        // Columns with no nulls (empty validity bitmaps) and string columns whose values are all
        // empty or all null (empty character data): the buffers Apache.Arrow would write with a
        // length prefix of 0, which Arrow C++ and pyarrow refuse to decompress.
        var rows = Enumerable.Range(0, 10).Select(i => new Detection
        {
            EventTimeMs = 1_700_000_000_000 + i, DetectionType = "Teams_ITImpersonation", SourceFile = "f", SourceOffset = i,
            Username = "", SourceIp = null, Raw = "{}", EventCount = 1,
        }).ToList();
        using var memory = new NativeBatchMemory();
        using var batch = DetectionSchema.ToBatch(rows, 0, rows.Count, memory);
        Assert.Contains(Enumerable.Range(0, batch.ColumnCount), c => batch.Column(c).Data.Buffers.Any(b => b.Length == 0));
        var safe = ArrowFileSink.WithoutEmptyBuffers(batch);
        for (int c = 0; c < safe.ColumnCount; c++)
            Assert.All(safe.Column(c).Data.Buffers, b => Assert.True(b.Length > 0, $"column {safe.Schema.FieldsList[c].Name}"));

        // The same values as the uncompressed file, read back.
        using var dir = new TempDir();
        var plain = Path.Combine(dir.Path, "p.arrow");
        var lz4 = Path.Combine(dir.Path, "c.arrow");
        ArrowFileSink.Write(plain, rows);
        ArrowFileSink.Write(lz4, rows, OutputCompression.Lz4);
        Assert.Equal(HuntEngine.Tests.Outputs.OutputRows.ReadArrow(plain), HuntEngine.Tests.Outputs.OutputRows.ReadArrow(lz4));
    }

    [Theory]
    [InlineData(OutputCompression.None)]
    [InlineData(OutputCompression.Lz4)]
    [InlineData(OutputCompression.Zstd)]
    public void Arrow_file_has_the_spec_schema_order_and_values(OutputCompression compression)
    {
        // Records out of time order, one without a time, across two files.
        string late = """{"CreationTime":"2026-11-21T00:00:00Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"helpdesk@x","ClientIP":"1.1.1.1"}""";
        string early = """{"CreationTime":"2026-11-20T00:00:00.123Z","Operation":"ChatCreated","Workload":"MicrosoftTeams","UserId":"SysAdmin@x","UserType":10}""";
        string noTime = """{"CreationTime":null,"Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"itadmin@x"}""";
        string grant = """{"activityDateTime":"2026-11-20T00:00:00.123Z","activityDisplayName":"Consent to application","targetResources":[{"displayName":"Box.com"}],"initiatedBy":{"user":{"userPrincipalName":"v@corp","ipAddress":"2.2.2.2"}}}""";
        var result = EngineProbe.ScanFiles(new Dictionary<string, byte[]>
        {
            ["b.json"] = System.Text.Encoding.UTF8.GetBytes(noTime + "\n" + late + "\n" + early + "\n"),
            ["a.json"] = System.Text.Encoding.UTF8.GetBytes(grant + "\n"),
        });
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "out.arrow");
        ArrowFileSink.Write(path, result.Detections, compression);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));

        using var stream = File.OpenRead(path);
        using var reader = new ArrowFileReader(stream, new CompressionCodecFactory());
        var schema = reader.Schema;
        Assert.Equal(ExpectedColumns, schema.FieldsList.Select(f => f.Name));
        var ts = Assert.IsType<TimestampType>(schema.GetFieldByName("event_time").DataType);
        Assert.Equal(TimeUnit.Millisecond, ts.Unit);
        Assert.Equal("UTC", ts.Timezone);
        Assert.IsType<Int64Type>(schema.GetFieldByName("source_offset").DataType);
        Assert.IsType<Int64Type>(schema.GetFieldByName("sent_bytes").DataType);
        Assert.IsType<Int32Type>(schema.GetFieldByName("event_count").DataType);
        Assert.IsType<StringType>(schema.GetFieldByName("raw").DataType);

        var batch = reader.ReadNextRecordBatch();
        Assert.Equal(4, batch.Length);
        var time = (TimestampArray)batch.Column("event_time");
        var user = (StringArray)batch.Column("username");
        var file = (StringArray)batch.Column("source_file");
        var offset = (Int64Array)batch.Column("source_offset");
        var type = (StringArray)batch.Column("detection_type");
        var raw = (StringArray)batch.Column("raw");
        var userType = (StringArray)batch.Column("user_type");
        // Order: time (nulls last), then file, then offset.
        Assert.Equal(["v@corp", "SysAdmin@x", "helpdesk@x", "itadmin@x"], Enumerable.Range(0, 4).Select(i => user.GetString(i)));
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T00:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture), time.GetTimestamp(0));
        Assert.True(time.IsNull(3));
        Assert.EndsWith("a.json", file.GetString(0), StringComparison.Ordinal);
        Assert.Equal(0, offset.GetValue(0));
        Assert.Equal(noTime.Length + 1 + late.Length + 1, offset.GetValue(1));
        Assert.Equal(["SuspiciousOAuthGrant", "Teams_ITImpersonation", "Teams_ITImpersonation", "Teams_ITImpersonation"], Enumerable.Range(0, 4).Select(i => type.GetString(i)));
        Assert.Equal(early, raw.GetString(1));
        Assert.Equal("Guest", userType.GetString(1));
        Assert.Equal(1, ((Int32Array)batch.Column("event_count")).GetValue(0));
        Assert.True(((TimestampArray)batch.Column("window_end")).IsNull(0));
        Assert.Null(reader.ReadNextRecordBatch());
    }

    [Fact]
    public void Empty_result_is_a_valid_file_with_the_schema()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "empty.arrow");
        ArrowFileSink.Write(path, []);
        using var reader = new ArrowFileReader(File.OpenRead(path));
        Assert.Equal(ExpectedColumns, reader.Schema.FieldsList.Select(f => f.Name));
        Assert.Null(reader.ReadNextRecordBatch());
    }

    [Fact]
    public void A_failed_write_leaves_neither_a_result_nor_a_temporary_file()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "out.arrow");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new InvalidOperationException("interrupted");
        }));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
