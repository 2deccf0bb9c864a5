using System.Text;
using System.Text.Json;
using HuntEngine.DataGen;
using HuntEngine.Framing;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Scanning;

/// <summary>Resources and exactness on the failure paths the emit-throws review did not cover.</summary>
[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class FailurePathAuditTests
{
    private static ScanOptions Options(string path, bool mapped) => new()
    {
        Paths = [path], Threads = 1, BlockBytes = 4096, MaxRecordBytes = 1024, MaxErrorsPerFile = 5,
        MemoryMap = mapped, MapEveryFile = mapped,
    };

    /// <summary>A UAL export whose AuditData cells are not JSON: each row is copied into the block and is a bad record.</summary>
    private static string BadUal()
    {
        var csv = new StringBuilder("CreationDate,UserIds,Operations,AuditData\n");
        for (int i = 0; i < 3000; i++) csv.Append("2026-11-20,user").Append(i).Append(",MessageSent,{broken ").Append(i).Append('\n');
        return csv.ToString();
    }

    /// <summary>
    /// CsvFramer.Run's finally hands out the last block (CsvBlockWriter.Finish) and only then gives
    /// its read buffer back. When that emit throws (the file is past the error limit, or Deliver is
    /// interrupted), the read buffer is never returned to the pool.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_csv_past_the_error_limit_gives_its_read_buffer_back(bool mapped)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "a-bad.csv"), BadUal());
        List<(int Id, int Size)> outstanding;
        ScanResult r;
        using (var pool = new PoolTracker())
        {
            r = HuntScanner.Run(Options(dir.Path, mapped));
            outstanding = pool.Outstanding;
        }
        using (r) Assert.Contains("more than 5 bad records", r.Summary.Files[0].Error);
        Assert.Empty(outstanding); // before the fix (ff38ef1/7ce1d4b): one 4096-byte array (the CSV read buffer) was rented and never returned
    }

    /// <summary>
    /// A CSV row that writes no record bytes (invalid UTF-8 in a cell, a missing or empty AuditData
    /// cell, a row past the record limit) only adds a frame: CsvBlockWriter hands a block out when its
    /// bytes run out, so a file of such rows never hands one out before its end. Its frames pile up
    /// without bound in one block, and --max-errors-per-file never stops the file.
    /// </summary>
    [Theory]
    [InlineData("invalid-utf8")]
    [InlineData("missing-auditdata")]
    [InlineData("oversized")]
    public void A_csv_of_rows_without_record_bytes_is_stopped_by_the_error_limit(string bad)
    {
        var text = new StringBuilder(bad == "invalid-utf8" ? "TimeGenerated,OperationName\n" : "CreationDate,UserIds,Operations,AuditData\n");
        for (int i = 0; i < 3000; i++)
            text.Append(bad switch
            {
                "invalid-utf8" => $"2026-11-20,op\u0001{i}\n",
                "missing-auditdata" => $"2026-11-20,user{i}\n",
                _ => $"2026-11-20,user{i},MessageSent,{new string('x', 1500)}\n",
            });
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == 1) bytes[i] = 0xFF;

        using var dir = new TempDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "a-bad.csv"), bytes);
        using (var r = HuntScanner.Run(Options(dir.Path, mapped: false)))
        {
            var f = r.Summary.Files[0];
            Assert.Contains("more than 5 bad records", f.Error); // before the fix (ff38ef1/7ce1d4b): no error, all 3000 rows read
            Assert.True(f.Malformed + f.Oversized < 3000);
        }

        // The frames a block holds are bounded as the JSON framer's are (by the block's bytes).
        int most = 0, blocks = 0;
        var framer = new CsvFramer(new MemoryStream(bytes), 0, new FramingLimits(4096, 1024, 100), b =>
        {
            most = Math.Max(most, b.Frames.Count);
            blocks++;
            b.Release();
        }, CancellationToken.None);
        framer.Run(0);
        Assert.True(most <= 64, $"{most} frames in one block of {blocks}"); // before the fix (ff38ef1/7ce1d4b): 3000 frames in one block of 1
    }

    /// <summary>
    /// A pretty-printed top-level object that breaks past --max-record-bytes: where the read buffer
    /// ends decides what happens. When the buffer holds the break, the scan reports Broken and the
    /// object is one bad record (SkipBrokenPrettyObject); when the buffer ends before it, the scan
    /// reports TooLarge, OversizedTopObject meets the break, and framing stops for the rest of the
    /// file (every record after it lost, the file reported as "framing stopped").
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_broken_pretty_object_past_the_record_limit_is_framed_the_same_whatever_the_block_size(bool mapped)
    {
        var pretty = CorpusGenerator.Records(new GeneratorOptions(5, 60_000, PlantRate: 0.2, Adversarial: false))
            .Select(r => JsonSerializer.Serialize(JsonDocument.Parse(r.Json).RootElement, new JsonSerializerOptions { WriteIndented = true }) + "\n")
            .ToList();
        var jq = new StringBuilder(pretty[0]);
        int open = jq.Length;
        jq.Append("{\n  \"a\": [");
        while (jq.Length - open < 20_000) jq.Append("1, ");
        jq.Append("}\n"); // breaks 20,000 bytes in: past the 8 KiB record limit
        foreach (var p in pretty.Skip(1)) jq.Append(p);
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "jq.json"), jq.ToString());

        ScanResult Scan(int blockBytes) => HuntScanner.Run(new ScanOptions
        {
            Paths = [dir.Path], Threads = 1, BlockBytes = blockBytes, MaxRecordBytes = 8192, MemoryMap = mapped, MapEveryFile = mapped,
        });
        using var small = Scan(16 << 10);
        using var large = Scan(1 << 20);
        var s = small.Summary.Files[0];
        var l = large.Summary.Files[0];
        Assert.Equal((l.RecordsFramed, l.RecordsParsed, l.Malformed, l.Oversized, l.Error, l.ErrorOffset),
                     (s.RecordsFramed, s.RecordsParsed, s.Malformed, s.Oversized, s.Error, s.ErrorOffset)); // before the fix (ff38ef1/7ce1d4b): 16 KiB blocks stop framing
        Assert.Equal(large.Detections, small.Detections);
    }

    /// <summary>
    /// A wrapper page's member was kept from before the blanks that precede it. With more blanks
    /// than the record limit, a key that straddles the end of the buffer made the scan "too large":
    /// it streamed on, dropping the key's first bytes, and IsRecordsKey then read the key at a
    /// negative index of the window. ArgumentOutOfRangeException: the whole scan fails as an engine bug.
    /// </summary>
    [Fact]
    public void Blanks_past_the_record_limit_before_a_wrapper_key_do_not_fail_the_scan()
    {
        using var dir = new TempDir();
        for (int n = 4040; n < 4060; n++)
            File.WriteAllText(Path.Combine(dir.Path, $"w{n}.json"),
                "{\"value\":[{\"Operation\":\"FileAccessed\"}]," + new string(' ', n) + "\"records\":[{\"Operation\":\"FileAccessed\"}]}\n");
        foreach (bool mapped in new[] { false, true })
        {
            using var r = HuntScanner.Run(Options(dir.Path, mapped)); // before the fix (ff38ef1/7ce1d4b): AggregateException (ArgumentOutOfRangeException)
            Assert.All(r.Summary.Files, f => Assert.Equal((2L, (string?)null), (f.RecordsFramed, f.Error)));
        }
    }

    /// <summary>
    /// Blanks where no record is being kept (before the first value, between array elements, between
    /// a wrapper's members) were held whole: SkipWhitespace kept from where it started, so the read
    /// buffer grew to the length of the run (20 MB of spaces: a 32 MiB buffer), whatever the limits.
    /// </summary>
    [Theory]
    [InlineData("leading")]
    [InlineData("array")]
    [InlineData("wrapper")]
    public void A_long_run_of_blanks_outside_records_is_not_held(string where)
    {
        string blanks = new string(' ', 20_000_000);
        // Pretty-printed, so the file is read as a stream of values, not as lines.
        string rec = "{\n  \"Operation\": \"FileAccessed\"\n}";
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "w.json"), where switch
        {
            "leading" => blanks + rec + "\n" + rec + "\n",
            "array" => "[" + rec + "," + blanks + rec + "]\n",
            _ => "{\"value\":[" + rec + "]," + blanks + "\"records\":[" + rec + "]}\n",
        });
        int largest;
        ScanResult r;
        using (var pool = new PoolTracker())
        {
            r = HuntScanner.Run(Options(dir.Path, mapped: false) with { MaxErrorsPerFile = 100 });
            largest = pool.Largest;
        }
        using (r) Assert.Equal((2L, 0L, (string?)null), (r.Summary.Files[0].RecordsFramed, r.Summary.Files[0].Malformed, r.Summary.Files[0].Error));
        Assert.True(largest <= 4096, $"a buffer of {largest} bytes"); // before the fix (ff38ef1/7ce1d4b): 33554432
    }

    /// <summary>
    /// Blanks inside a top-level object count against the record limit as its other bytes do: an
    /// object that is mostly blanks is oversized, skipped by streaming, and never held whole
    /// (before: `{"a"` and 200 MB of spaces held a 492 MiB buffer with a 1 KiB limit). The records
    /// around it are read as before, mapped or read.
    /// </summary>
    [Theory]
    [InlineData("{\"a\"", ":1}")]
    [InlineData("{", "\"a\":1}")]
    [InlineData("{\"a\":", "1}")]
    public void Blanks_inside_an_object_count_against_the_record_limit(string before, string after)
    {
        // Pretty-printed, so the file is read as a stream of values, not as lines.
        string rec = "{\n  \"Operation\": \"FileAccessed\"\n}";
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "w.json"), rec + "\n" + before + new string(' ', 20_000_000) + after + "\n" + rec + "\n");
        foreach (bool mapped in new[] { false, true })
        {
            int largest;
            ScanResult r;
            using (var pool = new PoolTracker())
            {
                r = HuntScanner.Run(Options(dir.Path, mapped) with { MaxErrorsPerFile = 100 });
                largest = pool.Largest;
            }
            using (r)
            {
                var f = r.Summary.Files[0];
                Assert.Equal((3L, 1L, 0L, (string?)null), (f.RecordsFramed, f.Oversized, f.Malformed, f.Error));
                Assert.Equal(rec.Length + 1, Assert.Single(f.MalformedSamples).Offset);
            }
            if (!mapped) Assert.True(largest <= 4096, $"a buffer of {largest} bytes");
        }
    }
}
