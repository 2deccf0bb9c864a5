using System.IO.Compression;
using System.Text;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.BadInput;

/// <summary>
/// Limits (spec §5 "a record larger than the configured maximum is reported, not loaded whole"):
/// oversized records, nesting bombs, decompression bombs, too many bad records. Memory is measured
/// as managed bytes allocated during the scan, so these tests run alone (not in parallel).
/// </summary>
[Collection(MemorySensitiveCollection.Name)]
public sealed class LimitTests
{
    private const string Teams = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk@evil.com","Workload":"MicrosoftTeams"}""";
    private const string OAuth = """{"activityDateTime":"2026-11-20T10:17:00Z","activityDisplayName":"Consent to application","targetResources":[{"displayName":"Dropbox"}]}""";
    private const int MiB = 1 << 20;
    private const long BoundedBytes = 100L * MiB;

    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Runs <paramref name="scan"/> and returns its result with the managed bytes allocated meanwhile (process-wide).</summary>
    private static (ScanResult Result, long Allocated) Measured(Func<ScanResult> scan)
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var result = scan();
        return (result, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static string BigString(char c, int length) => new(c, length);

    // ---- oversized records larger than the read buffer: streamed past, never loaded ----

    [Fact]
    public void Oversized_ndjson_line_of_300_MB_is_reported_and_skipped_with_bounded_memory()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "huge-line.ndjson");
        long lineLength;
        // Line 1 is a normal record (so the file is NDJSON), line 2 is 300 MB with no newline until its end.
        using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            fs.Write(U(Teams + "\n"));
            long start = fs.Position;
            fs.Write("{\"x\":\""u8);
            var chunk = new byte[4 * MiB];
            chunk.AsSpan().Fill((byte)'a');
            for (int i = 0; i < 75; i++) fs.Write(chunk);
            fs.Write("\"}"u8);
            lineLength = fs.Position - start;
            fs.Write(U("\n" + OAuth + "\n"));
        }
        var (r, allocated) = Measured(() => BadInputScan.Run(new ScanOptions { Paths = [path], Threads = 2, Prefilter = false, MaxRecordBytes = MiB }));
        var f = r.Summary.Files[0];
        Assert.Null(f.Error);
        Assert.Equal((3L, 2L, 0L, 1L), (f.RecordsFramed, f.RecordsParsed, f.Malformed, f.Oversized));
        var sample = Assert.Single(f.MalformedSamples);
        Assert.Equal(Teams.Length + 1, sample.Offset);
        Assert.Contains("larger than the maximum record size", sample.Reason);
        Assert.Contains($"{lineLength} bytes, limit {MiB}", sample.Reason);
        Assert.Equal(["Teams_ITImpersonation", "SuspiciousOAuthGrant"], r.Detections.Select(d => d.DetectionType));
        Assert.Equal(Teams.Length + 1 + lineLength + 1, r.Detections[1].SourceOffset);
        Assert.True(allocated < BoundedBytes, $"{allocated / MiB} MiB allocated to skip a {lineLength / MiB} MiB line");
    }

    [Fact]
    public void Multi_gigabyte_line_streamed_from_a_tiny_zstd_file_is_skipped_with_bounded_memory()
    {
        // 2.5 GB of 'a' inside a string, then a detection: the decompressed stream passes 2^31 bytes,
        // so offsets and sizes must be 64-bit all the way. The file is ~80 KB of zstd RLE blocks.
        const long Fill = 2_500_000_000L;
        var prefix = U(Teams + "\n{\"x\":\"");
        var suffix = U("\"}\n" + OAuth + "\n");
        var zst = Compressors.ZstdRun(prefix, Fill, (byte)'a', suffix);
        Assert.True(zst.Length < 100_000);
        var (r, allocated) = Measured(() => BadInputScan.Files(new Dictionary<string, byte[]> { ["huge.zst"] = zst },
            o => o with { MaxRecordBytes = MiB, MaxRatio = 1e9 }));
        var f = r.Summary.Files[0];
        Assert.Null(f.Error);
        Assert.Equal(prefix.Length + Fill + suffix.Length, f.DecompressedBytes);
        Assert.Equal((3L, 2L, 1L), (f.RecordsFramed, f.RecordsParsed, f.Oversized));
        long lineLength = "{\"x\":\"".Length + Fill + 2;
        Assert.Contains($"({lineLength} bytes, limit {MiB})", Assert.Single(f.MalformedSamples).Reason);
        Assert.Equal(Teams.Length + 1, f.MalformedSamples[0].Offset);
        Assert.Equal(Teams.Length + 1 + lineLength + 1, r.Detections.Single(d => d.DetectionType == "SuspiciousOAuthGrant").SourceOffset);
        Assert.True(allocated < BoundedBytes, $"{allocated / MiB} MiB allocated to skip a {lineLength / MiB} MiB line");
    }

    [Fact]
    public void Oversized_array_element_larger_than_the_buffer_is_reported_and_the_array_goes_on()
    {
        var big = "{\"x\":\"" + BigString('a', 6 * MiB) + "\",\"y\":[{\"z\":\"]}\"}]}";
        foreach (var text in new[] { "[\n" + Teams + ",\n" + big + ",\n" + OAuth + "\n]\n", "{\"records\":[" + Teams + ",\n" + big + ",\n" + OAuth + "\n]}\n" })
        {
            var (r, allocated) = Measured(() => BadInputScan.Text(text, o => o with { MaxRecordBytes = MiB }));
            var f = r.Summary.Files[0];
            Assert.Equal((3L, 2L, 0L, 1L), (f.RecordsFramed, f.RecordsParsed, f.Malformed, f.Oversized));
            Assert.Equal(text.IndexOf("{\"x\"", StringComparison.Ordinal), f.MalformedSamples[0].Offset);
            Assert.Contains($"({big.Length} bytes, limit {MiB})", f.MalformedSamples[0].Reason);
            Assert.Equal(2, r.Detections.Count);
            Assert.True(allocated < BoundedBytes + 3L * text.Length, $"{allocated / MiB} MiB allocated"); // the test's own string and bytes count too
        }
    }

    [Fact]
    public void Oversized_array_element_cut_short_or_broken_is_reported_not_a_crash()
    {
        var big = BigString('a', 5000);
        foreach (var text in new[]
        {
            "[" + Teams + ",{\"x\":\"" + big,
            "[" + Teams + ",{\"x\":\"" + big + "\"]," + OAuth + "]",
            "{\"records\":[" + Teams + ",{\"x\":\"" + big,
        })
        {
            var r = BadInputScan.Text(text, o => o with { MaxRecordBytes = 1024, BlockBytes = 4096 });
            var f = r.Summary.Files[0];
            Assert.Equal(1, f.RecordsParsed);
            Assert.Equal(1, f.Malformed + f.Oversized);
            Assert.Equal(text.IndexOf("{\"x\"", StringComparison.Ordinal), f.MalformedSamples[0].Offset);
            Assert.Equal(["Teams_ITImpersonation"], r.Detections.Select(d => d.DetectionType));
        }
    }

    [Fact]
    public void Oversized_single_pretty_printed_object_is_reported()
    {
        var pretty = "{\n  \"CreationTime\": \"2026-11-20T10:15:30\",\n  \"Padding\": \"" + BigString('p', 5000) + "\",\n  \"Operation\": \"MessageSent\"\n}\n";
        var r = BadInputScan.Text(pretty, o => o with { MaxRecordBytes = 1024 });
        var f = r.Summary.Files[0];
        Assert.Equal((1L, 0L, 1L), (f.RecordsFramed, f.RecordsParsed, f.Oversized));
        Assert.Equal(0, f.MalformedSamples[0].Offset);
        Assert.Contains($"({pretty.TrimEnd().Length} bytes, limit 1024)", f.MalformedSamples[0].Reason);
        Assert.True(r.Summary.HadBadInput);
    }

    // ---- oversized records that fit in the read buffer ----

    [Fact]
    public void Oversized_ndjson_line_and_array_element_that_fit_in_the_buffer_are_reported()
    {
        var big = "{\"CreationTime\":\"2026-11-20T10:15:31\",\"Operation\":\"MessageSent\",\"RecordType\":25,\"UserId\":\"helpdesk2@evil.com\",\"Workload\":\"MicrosoftTeams\",\"Pad\":\"" + BigString('a', 5000) + "\"}";
        foreach (var text in new[] { Teams + "\n" + big + "\n" + OAuth + "\n", "[" + Teams + "," + big + "," + OAuth + "]" })
        {
            var r = BadInputScan.Text(text, o => o with { MaxRecordBytes = 1024 });
            Assert.Equal(1, r.Summary.Oversized);
            Assert.Equal(2, r.Detections.Count);
        }
    }

    [Fact]
    public void Whether_a_record_is_oversized_does_not_depend_on_the_block_size()
    {
        var big = "{\"Pad\":\"" + BigString('a', 5000) + "\"}";
        var text = Teams + "\n" + big + "\n" + OAuth + "\n";
        var large = BadInputScan.Text(text, o => o with { MaxRecordBytes = 1024 });
        var small = BadInputScan.Text(text, o => o with { MaxRecordBytes = 1024, BlockBytes = 4096 });
        Assert.Equal(1, small.Summary.Oversized);
        Assert.Equal(small.Summary.Oversized, large.Summary.Oversized);
        Assert.Equal(Hit.Of(large.Detections), Hit.Of(small.Detections));
    }

    private static string NdjsonWithBrokenFirstLine()
    {
        // Line 1 misses its closing brace; 40 good records follow (~6 KB).
        var sb = new StringBuilder("{\"a\":{\"b\":1}\n");
        for (int i = 0; i < 40; i++) sb.Append(i % 2 == 0 ? Teams : OAuth).Append('\n');
        return sb.ToString();
    }

    [Fact]
    public void Ndjson_whose_first_line_misses_a_closing_brace_is_read_line_by_line()
    {
        var r = BadInputScan.Text(NdjsonWithBrokenFirstLine());
        Assert.Equal((41L, 40L, 1L), (r.Summary.RecordsFramed, r.Summary.RecordsParsed, r.Summary.Malformed));
        Assert.Equal(0, r.Summary.Files[0].MalformedSamples[0].Offset);
        Assert.Equal(40, r.Detections.Count);
    }

    [Fact]
    public void Ndjson_whose_first_line_misses_a_closing_brace_loses_nothing_when_the_file_is_larger_than_max_record_bytes()
    {
        var text = NdjsonWithBrokenFirstLine();
        var r = BadInputScan.Text(text, o => o with { MaxRecordBytes = 1024 });
        Assert.Equal(41, r.Summary.RecordsFramed);
        Assert.Equal(40, r.Summary.RecordsParsed);
        Assert.Equal(0, r.Summary.Files[0].MalformedSamples[0].Offset);
        Assert.Equal(40, r.Detections.Count);
    }

    [Fact]
    public void Unclosed_oversized_object_is_reported_at_its_start()
    {
        var r = BadInputScan.Text("{\"x\":\"" + BigString('a', 5000), o => o with { MaxRecordBytes = 1024 });
        Assert.Equal(1, r.Summary.Malformed + r.Summary.Oversized);
        Assert.Equal(0, r.Summary.Files[0].MalformedSamples[0].Offset);
    }

    // ---- nesting bombs ----

    [Fact]
    public void Deep_array_nesting_bomb_is_one_malformed_record()
    {
        var r = BadInputScan.Text(new string('[', 100_000));
        var f = r.Summary.Files[0];
        // Framing cannot follow it, so it stops there and the file says so.
        Assert.Contains("framing stopped", f.Error);
        Assert.Equal((1L, 0L, 1L), (f.RecordsFramed, f.RecordsParsed, f.Malformed));
        Assert.Equal(1, f.MalformedSamples[0].Offset);
        Assert.Contains("nest too deep", f.MalformedSamples[0].Reason);
        // Framing stopped where the nesting passed its limit, and the file says so there.
        Assert.Equal(100_000, f.DecompressedBytes);
        Assert.Equal(f.DecompressedBytesConsumed, f.ErrorOffset);
        Assert.InRange(f.ErrorOffset!.Value, 1 << 16, (1 << 16) + 2); // the framer's depth at the default --max-depth
    }

    [Fact]
    public void Deep_nesting_in_an_ndjson_line_is_malformed_and_the_next_lines_are_read()
    {
        foreach (var bomb in new[] { new string('[', 100_000), string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_000) })
        {
            var text = Teams + "\n" + bomb + "\n" + OAuth + "\n";
            var r = BadInputScan.Text(text);
            Assert.Equal((3L, 2L, 1L), (r.Summary.RecordsFramed, r.Summary.RecordsParsed, r.Summary.Malformed));
            Assert.Equal(Teams.Length + 1, r.Summary.Files[0].MalformedSamples[0].Offset);
            Assert.Equal(["Teams_ITImpersonation", "SuspiciousOAuthGrant"], r.Detections.Select(d => d.DetectionType));
        }
    }

    [Fact]
    public void Object_deeper_than_max_depth_is_malformed_with_a_depth_reason_in_every_container()
    {
        // 100 levels against MaxDepth 64: framed (framing allows 2x), rejected by the parser.
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);
        foreach (var text in new[]
        {
            Teams + "\n" + deep + "\n" + OAuth + "\n",
            "[" + Teams + "," + deep + "," + OAuth + "]",
            "{\"records\":[" + Teams + "," + deep + "," + OAuth + "]}",
        })
        {
            var r = BadInputScan.Text(text, o => o with { MaxDepth = 64 });
            Assert.Equal((3L, 2L, 1L), (r.Summary.RecordsFramed, r.Summary.RecordsParsed, r.Summary.Malformed));
            var sample = r.Summary.Files[0].MalformedSamples[0];
            Assert.Equal(text.IndexOf(deep, StringComparison.Ordinal), sample.Offset);
            Assert.Contains("depth", sample.Reason);
            Assert.Equal(2, r.Detections.Count);
        }
    }

    [Fact]
    public void Deep_nesting_is_no_reason_to_reject_a_record_and_past_max_depth_framing_goes_on()
    {
        // 5,000 levels: valid JSON, a record like any other by default (the spec sets no depth limit).
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000);
        var teamsDeep = Teams[..^1] + ",\"Deep\":" + deep + "}";
        foreach (var text in new[] { "[" + Teams + "," + teamsDeep + "," + OAuth + "]", Teams + "\n" + teamsDeep + "\n" + OAuth + "\n" })
        {
            var r = BadInputScan.Text(text);
            Assert.Equal((3L, 3L, 0L), (r.Summary.RecordsFramed, r.Summary.RecordsParsed, r.Summary.Malformed));
            Assert.Equal(3, r.Detections.Count);

            // Past --max-depth the parser names it; the framer (which allows far more) goes on after it.
            var limited = BadInputScan.Text(text, o => o with { MaxDepth = 1000 });
            Assert.Equal((3L, 2L, 1L), (limited.Summary.RecordsFramed, limited.Summary.RecordsParsed, limited.Summary.Malformed));
            Assert.Contains("depth", limited.Summary.Files[0].MalformedSamples[0].Reason);
            Assert.Equal(["Teams_ITImpersonation", "SuspiciousOAuthGrant"], limited.Detections.Select(d => d.DetectionType));
        }
    }

    [Fact]
    public void Array_element_nesting_past_the_framing_depth_loses_the_rest_of_the_array_with_a_reason()
    {
        // Documented behaviour (a gap, see the report): past the framer's depth (2 x MaxDepth, at least
        // 65,536 levels) it cannot follow the element, so it reports one malformed record and does not
        // frame the rest of the array.
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 70_000)) + "1" + new string('}', 70_000);
        var text = "[" + Teams + "," + deep + "," + OAuth + "]";
        var r = BadInputScan.Text(text);
        Assert.Equal((2L, 1L, 1L), (r.Summary.RecordsFramed, r.Summary.RecordsParsed, r.Summary.Malformed));
        Assert.Contains("the rest of the container cannot be framed", r.Summary.Files[0].MalformedSamples[0].Reason);
        Assert.Equal(["Teams_ITImpersonation"], r.Detections.Select(d => d.DetectionType));
    }

    // ---- decompression bombs ----

    private static byte[] GzipBomb(long spaces)
    {
        var output = new MemoryStream();
        using (var g = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            g.Write(U(Teams + "\n{\"x\":\""));
            var chunk = new byte[MiB];
            chunk.AsSpan().Fill((byte)' ');
            for (long left = spaces; left > 0; left -= chunk.Length) g.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
            g.Write(U("\"}\n" + OAuth + "\n"));
        }
        return output.ToArray();
    }

    [Fact]
    public void Gzip_bomb_fails_its_file_with_the_bomb_guard_message_and_bounded_memory()
    {
        var bomb = GzipBomb(200L * MiB);
        Assert.True(bomb.Length < 1 * MiB, $"the bomb is {bomb.Length} bytes");
        var (r, allocated) = Measured(() => BadInputScan.Files(new Dictionary<string, byte[]>
        {
            ["a-bomb.json.gz"] = bomb,
            ["b-intact.json"] = U(Teams + "\n"),
        }, o => o with { MaxRatio = 100, MaxRecordBytes = MiB }));
        var f = r.Summary.Files[0];
        Assert.NotNull(f.Error);
        Assert.Contains("decompression bomb guard", f.Error);
        Assert.Contains("--max-ratio", f.Error);
        Assert.Equal(f.DecompressedBytes, f.ErrorOffset);
        // The ratio is checked once 64 MiB came out (spec: real logs compress 5-50:1).
        Assert.InRange(f.DecompressedBytes, 1, 64L * MiB + MiB);
        // The record before the bomb decompressed whole and is scanned; the bomb is part of the stream error.
        Assert.Equal((1L, 1L, 0L, 0L), (f.RecordsFramed, f.RecordsParsed, f.Malformed, f.Oversized));
        Assert.Null(r.Summary.Files[1].Error);
        Assert.Equal(2, r.Detections.Count(d => d.DetectionType == "Teams_ITImpersonation"));
        Assert.True(allocated < BoundedBytes, $"{allocated / MiB} MiB allocated for a bomb");

        // The absolute limit works the same way.
        var limited = BadInputScan.Files(new Dictionary<string, byte[]> { ["bomb.gz"] = bomb }, o => o with { MaxDecompressedBytes = 8 * MiB, MaxRecordBytes = MiB });
        var lf = limited.Summary.Files[0];
        Assert.Contains("decompression limit", lf.Error);
        Assert.Contains("--max-decompressed-bytes", lf.Error);
        Assert.InRange(lf.DecompressedBytes, 1, 8 * MiB);
        Assert.Equal(lf.DecompressedBytes, lf.ErrorOffset);
    }

    // ---- too many bad records ----

    [Fact]
    public void Too_many_bad_records_fail_the_file_and_the_other_files_are_read()
    {
        var bad = new StringBuilder(Teams + "\n");
        for (int i = 0; i < 3000; i++) bad.Append("{\"broken\":").Append(i).Append('\n');
        bad.Append(OAuth + "\n");
        var r = BadInputScan.Files(new Dictionary<string, byte[]>
        {
            ["a-bad.json"] = U(bad.ToString()),
            ["b-few-bad.json"] = U(Teams + "\n{\"broken\":1\n{\"broken\":2\n" + OAuth + "\n"),
        }, o => o with { MaxErrorsPerFile = 5, BlockBytes = 4096, Threads = 1 });
        var f = r.Summary.Files[0];
        Assert.NotNull(f.Error);
        Assert.Contains("more than 5 bad records", f.Error);
        Assert.InRange(f.Malformed, 6, 2999);
        Assert.True(f.ErrorOffset < bad.Length, $"stopped at {f.ErrorOffset} of {bad.Length}");
        var g = r.Summary.Files[1];
        Assert.Null(g.Error);
        Assert.Equal((4L, 2L, 2L), (g.RecordsFramed, g.RecordsParsed, g.Malformed));
        Assert.Equal(2, r.Detections.Count(d => d.SourceFile.EndsWith("b-few-bad.json", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Spec §5: bad records never stop the scan. By default there is no limit per file: the
    /// detection after 150,000 bad lines (the old default limit was 100,000) is found.
    /// </summary>
    [Fact]
    public void By_default_every_bad_record_is_counted_and_the_file_is_read_to_its_end()
    {
        var bad = new StringBuilder(Teams + "\n");
        for (int i = 0; i < 150_000; i++) bad.Append("{\"bad\"\n");
        bad.Append(OAuth + "\n");
        var r = BadInputScan.Files(new Dictionary<string, byte[]> { ["bad.json"] = U(bad.ToString()) });
        var f = r.Summary.Files[0];
        Assert.Null(f.Error);
        Assert.Equal((150_002L, 150_000L), (f.RecordsFramed, f.Malformed));
        Assert.Equal(["Teams_ITImpersonation", "SuspiciousOAuthGrant"], r.Detections.Select(d => d.DetectionType));
    }

    /// <summary>
    /// A log of one event repeated compresses past any ratio a bomb guard would pick; by default it
    /// is read whole (and streamed: memory stays bounded). <c>--max-ratio</c> still stops it.
    /// </summary>
    [Fact]
    public void By_default_a_highly_compressible_log_is_read_whole()
    {
        const string Clean = """{"CreationTime":"2026-11-20T10:15:30","Operation":"FileAccessed","RecordType":6,"UserId":"alice@corp.com","Workload":"SharePoint"}""";
        var plain = new StringBuilder(80 * MiB);
        while (plain.Length < 72 * MiB) plain.Append(Clean).Append('\n');
        plain.Append(Teams).Append('\n');
        var zst = Codecs.Compress(U(plain.ToString()), Codec.Zstd);
        Assert.True(plain.Length / zst.Length > 1000, $"ratio {plain.Length / zst.Length}:1");
        var files = new Dictionary<string, byte[]> { ["repeated.json.zst"] = zst };
        var (r, allocated) = Measured(() => BadInputScan.Files(files));
        var f = r.Summary.Files[0];
        Assert.Null(f.Error);
        Assert.Equal(plain.Length, f.DecompressedBytes);
        Assert.Equal("Teams_ITImpersonation", Assert.Single(r.Detections).DetectionType);
        Assert.True(allocated < BoundedBytes, $"{allocated / MiB} MiB allocated");

        var guarded = BadInputScan.Files(files, o => o with { MaxRatio = 1000 }).Summary.Files[0];
        Assert.Contains("decompression bomb guard", guarded.Error);
    }
}
