using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Sources;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Framing;

/// <summary>
/// A plain file mapped into memory and framed in place must give what reading it gives: the same
/// detections, counts, bad records (offset and reason), byte accounting and file errors. Checked on
/// generated files in every JSON layout, damaged in the ways the framer handles (broken and
/// oversized lines and elements, stray commas, arrays cut short, trailing content, a BOM, CRLF,
/// blank lines), under block sizes and record limits that put records across windows, and on
/// CSV, which is sniffed from the mapping and then read from the stream.
/// </summary>
public sealed class MappedFramingTests
{
    private static readonly List<string> Pool = CorpusGenerator.Records(new GeneratorOptions(77, 300_000, Mix.TeamsHeavy, PlantRate: 0.15))
        .Select(r => Encoding.UTF8.GetString(r.Json)).ToList();

    [Fact]
    public void Mapped_files_scan_exactly_like_read_files()
    {
        var rng = new Random(20261128);
        int mappedScans = 0;
        long detections = 0, bad = 0;
        for (int round = 0; round < 270; round++)
        {
            // The last rounds write 1 to 4 MiB, so reads and the mapped window step past 1 MiB.
            var content = Content(rng, out string layout, big: round >= 250);
            int block = new[] { 1024, 4096, 65536, 4 << 20 }[rng.Next(4)];
            int maxRecord = new[] { 1024, 3000, 64 << 20 }[rng.Next(3)];
            ScanOptions Options(ScanOptions o) => o with
            {
                BlockBytes = block,
                MaxRecordBytes = maxRecord,
                Threads = 1 + round % 3,
                Prefilter = round % 2 == 0,
                MalformedSamplesPerFile = 100_000,
            };
            var files = new Dictionary<string, byte[]> { ["input.json"] = content };
            using var read = EngineProbe.ScanFiles(files, o => Options(o) with { MemoryMap = false });
            using var mapped = EngineProbe.ScanFiles(files, o => Options(o) with { MapEveryFile = true });
            string where = $"round {round}: {layout}, {content.Length} bytes, block {block}, max record {maxRecord}";
            Assert.False(read.Summary.Files[0].MemoryMapped, where);
            // JSON is framed from the mapping; a file that reads as CSV (a first line that is not JSON too) from the stream.
            Assert.Equal(!mapped.Summary.Files[0].Container.StartsWith("csv", StringComparison.Ordinal), mapped.Summary.Files[0].MemoryMapped);
            string expected = Describe(read), actual = Describe(mapped);
            if (expected != actual)
            {
                var e = expected.Split('\n');
                var a = actual.Split('\n');
                int i = 0;
                while (i < Math.Min(e.Length, a.Length) && e[i] == a[i]) i++;
                Assert.Fail($"{where}: read and mapped differ at line {i}:\n read:   {Clip(e.ElementAtOrDefault(i))}\n mapped: {Clip(a.ElementAtOrDefault(i))}");
            }
            if (mapped.Summary.Files[0].MemoryMapped) mappedScans++;
            detections += read.Summary.Detections;
            bad += read.Summary.Malformed + read.Summary.Oversized;
        }
        Assert.True(mappedScans > 150 && detections > 200 && bad > 200, $"{mappedScans} mapped scans, {detections} detections, {bad} bad records");
    }

    [Fact]
    public void A_generated_archive_hunts_the_same_mapped_and_read()
    {
        using var dir = new TempDir();
        var truth = CorpusGenerator.WriteArchive(dir.Path, new GeneratorOptions(41, 1_200_000, Mix.Typical, PlantRate: 0.03));
        using var read = HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = 2, MemoryMap = false });
        using var mapped = HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = 3, BlockBytes = 8192, MapEveryFile = true });
        Assert.Equal(read.Detections, mapped.Detections);
        Assert.Equal(truth.Count, mapped.Detections.Count);
        Assert.Contains(mapped.Summary.Files, f => f.MemoryMapped);
        // Only plain JSON files are mapped: compressed ones stream through their decoder, CSV is read.
        Assert.All(mapped.Summary.Files.Where(f => f.MemoryMapped), f => Assert.Equal("none", f.Compression));
        Assert.DoesNotContain(mapped.Summary.Files, f => f.MemoryMapped && f.Container.StartsWith("csv", StringComparison.Ordinal));
        Assert.Equal(read.Summary.RecordsFramed, mapped.Summary.RecordsFramed);
        Assert.Equal(read.Summary.RecordsCleared, mapped.Summary.RecordsCleared);
    }

    [Fact]
    public void A_record_under_the_limit_padded_over_it_where_a_read_ends_is_a_record_both_ways()
    {
        // The first read (1 MiB) ends inside the spaces after a 1020-byte record: over the limit with
        // them, under it without. Both ways the record is parsed, as when the whole line is in hand.
        const int Limit = 1024;
        var record = "{\"Operation\":\"x\",\"p\":\"" + new string('a', 1020 - 24) + "\"}";
        Assert.Equal(1020, record.Length);
        var filler = Pool.First(r => r.Length < 900);
        var s = new StringBuilder();
        while (s.Length + filler.Length + 1 < (1 << 20) - 1027) s.Append(filler).Append('\n');
        s.Append(' ', (1 << 20) - 1027 - s.Length);
        s.Append(record).Append(' ', 10).Append('\n').Append(filler).Append('\n');
        var files = new Dictionary<string, byte[]> { ["input.json"] = Encoding.UTF8.GetBytes(s.ToString()) };
        using var read = EngineProbe.ScanFiles(files, o => o with { MaxRecordBytes = Limit, MemoryMap = false, MalformedSamplesPerFile = 1000 });
        using var mapped = EngineProbe.ScanFiles(files, o => o with { MaxRecordBytes = Limit, MapEveryFile = true, MalformedSamplesPerFile = 1000 });
        Assert.Equal((1 << 20) - 1027, s.ToString().IndexOf(record, StringComparison.Ordinal)); // ASCII: chars are bytes
        Assert.True(mapped.Summary.Files[0].MemoryMapped);
        Assert.Equal(Describe(read), Describe(mapped));
        Assert.Equal(0, read.Summary.Oversized);
        Assert.Equal(read.Summary.RecordsFramed, read.Summary.RecordsParsed);
    }

    [Fact]
    public void A_binary_file_is_accounted_alike_mapped_and_read()
    {
        var bytes = new byte[3 << 20];
        new Random(3).NextBytes(bytes);
        bytes[100] = 0;
        bytes[0] = (byte)'x';
        var files = new Dictionary<string, byte[]> { ["blob.bin"] = bytes };
        using var read = EngineProbe.ScanFiles(files, o => o with { MemoryMap = false });
        using var mapped = EngineProbe.ScanFiles(files, o => o with { MapEveryFile = true });
        Assert.Equal("binary", read.Summary.Files[0].Container);
        Assert.Equal(Describe(read), Describe(mapped));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5000)]
    public void Brackets_that_break_on_the_last_byte_stop_framing_however_long_the_file(int padding)
    {
        // [{"a":1}} : the stray brace is the file's last byte (not followed by a comma or "]", so the
        // structure is unknown). Small or large, the file says framing stopped there.
        var text = "[" + new string(' ', padding) + "{\"a\":1}}";
        foreach (bool map in new[] { false, true })
        {
            using var r = EngineProbe.ScanText(text, o => o with { MapEveryFile = map, MemoryMap = map });
            var f = r.Summary.Files[0];
            Assert.Equal(map, f.MemoryMapped);
            Assert.Contains("framing stopped", f.Error);
            Assert.Equal(text.Length, f.ErrorOffset);
            Assert.Equal(f.ErrorOffset, f.DecompressedBytesConsumed);
        }
    }

    [Fact]
    public void A_mapped_file_that_shrinks_is_framed_to_its_new_end_as_reads_frame_it()
    {
        // The file is cut, while it is framed, at a point past every byte the framer has touched
        // (so the test cannot fault): framing goes on to the new end and stops there.
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "shrinks.ndjson");
        var line = Encoding.UTF8.GetBytes(Pool.First(r => r.Length < 900) + "\n");
        using (var w = File.Create(path))
            while (w.Length < (4 << 20)) w.Write(line);
        long cut = (2 << 20) + 500;
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var mapped = MappedFile.TryMap(file, nowUtc: null);
        Assert.NotNull(mapped);
        var blocks = new List<HuntEngine.Framing.RecordBlock>();
        var limits = new HuntEngine.Framing.FramingLimits(1 << 20, 64 << 20, 512);
        var framer = new HuntEngine.Framing.JsonStreamFramer(mapped!, 0, limits, block =>
        {
            if (blocks.Count == 0)
                using (var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                    writer.SetLength(cut);
            blocks.Add(block);
        }, CancellationToken.None);
        framer.Prefetch(4096);
        framer.Run(0);
        Assert.Equal(cut, framer.BytesRead);
        long records = 0, lastEnd = 0;
        foreach (var block in blocks)
        {
            foreach (var f in block.Frames)
            {
                var chunk = block.Bytes(f);
                int pos = 0;
                while (HuntEngine.Framing.NdjsonLines.Next(chunk, ref pos, out int start, out int length))
                {
                    records++;
                    lastEnd = f.Offset + start + length;
                }
            }
            block.Release();
        }
        Assert.Equal(cut / line.Length + 1, records); // the whole lines before the cut, and the cut one
        Assert.Equal(cut, lastEnd);
    }

    [Fact]
    public void Only_quiet_files_from_a_mebibyte_are_mapped_by_default()
    {
        var now = new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);
        Assert.True(MappedFile.MayMap(1 << 20, now.AddMinutes(-1), now));
        Assert.False(MappedFile.MayMap((1 << 20) - 1, now.AddDays(-1), now));
        Assert.False(MappedFile.MayMap(1L << 40, now.AddSeconds(-59), now));
        Assert.False(MappedFile.MayMap(1L << 40, now.AddSeconds(5), now)); // a clock behind the file's
    }

    [Fact]
    public void A_large_quiet_file_is_mapped_a_fresh_one_is_read_and_no_mmap_reads_both()
    {
        using var dir = new TempDir();
        var lines = string.Join("\n", Enumerable.Range(0, 3000).Select(i => Pool[i % Pool.Count]));
        var content = Encoding.UTF8.GetBytes(lines);
        Assert.True(content.Length >= MappedFile.MinimumBytes);
        string quiet = Path.Combine(dir.Path, "quiet.ndjson"), fresh = Path.Combine(dir.Path, "fresh.ndjson");
        File.WriteAllBytes(quiet, content);
        File.WriteAllBytes(fresh, content);
        File.SetLastWriteTimeUtc(quiet, DateTime.UtcNow.AddMinutes(-5));

        using var auto = HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = 2 });
        using var off = HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = 2, MemoryMap = false });
        Assert.True(auto.Summary.Files.Single(f => f.Path == quiet).MemoryMapped);
        Assert.False(auto.Summary.Files.Single(f => f.Path == fresh).MemoryMapped);
        Assert.All(off.Summary.Files, f => Assert.False(f.MemoryMapped));
        Assert.Equal(off.Detections, auto.Detections);
        Assert.NotEmpty(auto.Detections);
        var q = auto.Summary.Files.Single(f => f.Path == quiet);
        Assert.Equal(content.Length, q.CompressedBytes);
        Assert.Equal(content.Length, q.DecompressedBytes);
        Assert.Null(q.Error);
    }

    private static string? Clip(string? line) => line is { Length: > 300 } ? line[..300] + "…" : line;

    /// <summary>Every observable outcome of a scan, as text, so a difference shows where it is.</summary>
    internal static string Describe(ScanResult r)
    {
        var s = new StringBuilder();
        foreach (var d in r.Detections) s.Append($"D {d.SourceOffset} {d.DetectionType} {d.Raw}\n");
        foreach (var f in r.Summary.Files)
        {
            // Where framing stopped, how far the file had been read ahead is a matter of buffering.
            string read = f.Error?.StartsWith("framing stopped", StringComparison.Ordinal) == true ? "(read ahead)" : $"{f.CompressedBytes} {f.DecompressedBytes}";
            s.Append($"F {f.Container} {f.Compression} {read} {f.DecompressedBytesConsumed} ");
            s.Append($"{f.RecordsFramed} {f.RecordsParsed} {f.RecordsCleared} {f.Malformed} {f.Oversized} {f.Error} @{f.ErrorOffset}\n");
            foreach (var b in f.MalformedSamples) s.Append($"B {b.Offset} {b.Reason}\n");
        }
        foreach (var (kind, n) in r.Summary.RecordsByKind) s.Append($"K {kind} {n}\n");
        return s.ToString();
    }

    private static string Record(Random rng) => Pool[rng.Next(Pool.Count)];

    /// <summary>A damaged thing the framer must report, not lose: JSON it cannot parse, or a record too large.</summary>
    private static string Junk(Random rng) => rng.Next(6) switch
    {
        0 => "{\"Operation\":\"MessageSent\",", // cut short
        1 => "[1,2,3]",
        2 => "not json at all",
        3 => "{\"a\":\"" + new string('x', rng.Next(900, 5000)) + "\"}", // over the small record limits
        4 => "{\"Workload\":\"MicrosoftTeams\"}}",
        _ => Record(rng)[..rng.Next(1, 40)],
    };

    internal static byte[] Content(Random rng, out string layout, bool big = false)
    {
        int count = big ? rng.Next(700, 2500) : rng.Next(1, 60);
        var s = new StringBuilder();
        if (rng.Next(5) == 0) s.Append('\uFEFF');
        switch (rng.Next(5))
        {
            case 0:
            case 1:
                layout = "ndjson";
                for (int i = 0; i < count; i++)
                {
                    s.Append(rng.Next(8) == 0 ? Junk(rng) : Record(rng));
                    if (rng.Next(6) == 0) s.Append(' ', rng.Next(1, 1500)); // padding: a record's size is without it
                    s.Append(rng.Next(6) switch { 0 => "\r\n", 1 => "\n\n", 2 => "  \n \t\n", _ => "\n" });
                }
                if (rng.Next(2) == 0) s.Length -= 1; // no final newline
                break;
            case 2:
                layout = "array";
                s.Append('[');
                for (int i = 0; i < count; i++)
                {
                    if (i > 0) s.Append(rng.Next(12) == 0 ? ",," : rng.Next(3) == 0 ? ",\n  " : ",");
                    s.Append(rng.Next(10) == 0 ? Junk(rng) : Record(rng));
                }
                if (rng.Next(6) > 0) s.Append(']');
                if (rng.Next(8) == 0) s.Append(" trailing");
                break;
            case 3:
                layout = "wrapper";
                s.Append(rng.Next(2) == 0 ? "{\"nextLink\":null,\"value\":[" : "{\"records\": [\n");
                for (int i = 0; i < count; i++)
                {
                    if (i > 0) s.Append(",\n");
                    s.Append(rng.Next(14) == 0 ? Junk(rng) : Record(rng));
                }
                s.Append(rng.Next(6) > 0 ? "]}" : "]");
                break;
            default:
                layout = "csv";
                s.Append("CreationDate,UserIds,Operations,AuditData\r\n");
                for (int i = 0; i < count; i++)
                    s.Append("2026-01-01T00:00:00.0000000Z,u@x.test,Op,\"").Append(Record(rng).Replace("\"", "\"\"")).Append("\"\r\n");
                break;
        }
        return Encoding.UTF8.GetBytes(s.ToString());
    }
}
