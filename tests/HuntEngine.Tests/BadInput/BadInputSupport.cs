using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace HuntEngine.Tests.BadInput;

/// <summary>
/// Scans for the bad-input suite. Every <see cref="ScanResult"/> this suite produces goes through
/// <see cref="Accounting.AssertHolds(ScanResult)"/>, so the accounting identity is checked on every
/// malformation, damaged stream, limit and fuzz case, not only in a dedicated test.
/// </summary>
internal static class BadInputScan
{
    /// <summary>Default per-scan timeout: a scan of a few small files that takes longer has hung.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Scans files written to a fresh temp folder (every record parsed unless <paramref name="tweak"/> turns the prefilter on).</summary>
    public static ScanResult Files(IReadOnlyDictionary<string, byte[]> files, Func<ScanOptions, ScanOptions>? tweak = null) =>
        Accounting.Checked(WithTimeout(() => EngineProbe.ScanFiles(files, tweak), Timeout, string.Join(", ", files.Keys)));

    public static ScanResult Text(string content, Func<ScanOptions, ScanOptions>? tweak = null) =>
        Files(new Dictionary<string, byte[]> { ["input.json"] = Encoding.UTF8.GetBytes(content) }, tweak);

    public static ScanResult Bytes(byte[] content, Func<ScanOptions, ScanOptions>? tweak = null) =>
        Files(new Dictionary<string, byte[]> { ["input.json"] = content }, tweak);

    public static ScanResult Run(ScanOptions options, TimeSpan? timeout = null) =>
        Accounting.Checked(WithTimeout(() => HuntScanner.Run(options), timeout ?? Timeout, string.Join(", ", options.Paths)));

    /// <summary>Runs <paramref name="scan"/> on the thread pool and fails (instead of hanging the suite) when it does not end in time.</summary>
    public static T WithTimeout<T>(Func<T> scan, TimeSpan timeout, string what)
    {
        var task = Task.Run(scan);
        try
        {
            if (!task.Wait(timeout)) Assert.Fail($"scan of {what} did not finish within {timeout.TotalSeconds:0} s (hang?)");
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // Let the engine's own exception (with its stack) surface, not the task's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return task.Result;
    }
}

/// <summary>The accounting identity of issue "Nothing lost, nothing crashes", asserted for every scan result.</summary>
internal static class Accounting
{
    private static long _checked;

    /// <summary>How many scan results the suite checked (reported by <see cref="AccountingTests"/>).</summary>
    public static long CheckedResults => Interlocked.Read(ref _checked);

    public static ScanResult Checked(ScanResult result)
    {
        AssertHolds(result);
        return result;
    }

    public static void AssertHolds(ScanResult result)
    {
        var s = result.Summary;
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in s.Files)
        {
            paths.Add(f.Path);
            string where = $"{f.Path} (framed {f.RecordsFramed}, parsed {f.RecordsParsed}, cleared {f.RecordsCleared}, malformed {f.Malformed}, oversized {f.Oversized}, bytes {f.DecompressedBytes}, consumed {f.DecompressedBytesConsumed}, error {f.Error ?? "none"})";
            Assert.True(f.RecordsFramed == f.RecordsParsed + f.RecordsCleared + f.Malformed + f.Oversized,
                $"framed != parsed + cleared + malformed + oversized for {where}");
            Assert.True(f.RecordsParsed >= 0 && f.RecordsCleared >= 0 && f.Malformed >= 0 && f.Oversized >= 0, $"negative count for {where}");
            if (f.Error is null)
            {
                Assert.True(f.DecompressedBytesConsumed == f.DecompressedBytes, $"a file read whole must be consumed whole: {where}");
                Assert.Null(f.ErrorOffset);
            }
            else
            {
                Assert.True(f.ErrorOffset is { } at && at >= 0 && at <= f.DecompressedBytes, $"error offset {f.ErrorOffset} outside the bytes read: {where}");
                Assert.True(f.DecompressedBytesConsumed <= f.DecompressedBytes, $"consumed more than read: {where}");
            }
            // Every bad record is reported (nothing silently dropped): the first ones by offset, with a reason.
            long bad = f.Malformed + f.Oversized;
            Assert.True(f.MalformedSamples.Count == Math.Min(bad, 10), $"{f.MalformedSamples.Count} samples for {bad} bad records: {where}");
            for (int i = 0; i < f.MalformedSamples.Count; i++)
            {
                var b = f.MalformedSamples[i];
                Assert.Equal(f.Path, b.File);
                Assert.False(string.IsNullOrWhiteSpace(b.Reason));
                Assert.True(b.Offset >= 0 && b.Offset <= f.DecompressedBytes, $"sample offset {b.Offset} outside the stream: {where}");
                if (i > 0) Assert.True(b.Offset >= f.MalformedSamples[i - 1].Offset, $"samples not in offset order: {where}");
            }
        }
        Assert.Equal(s.Files.Sum(f => f.RecordsFramed), s.RecordsFramed);
        Assert.Equal(s.RecordsFramed, s.RecordsParsed + s.RecordsCleared + s.Malformed + s.Oversized);
        Assert.Equal(s.RecordsParsed, s.RecordsByKind.Values.Sum());
        Assert.Equal(s.Malformed > 0 || s.Oversized > 0 || s.Files.Any(f => f.Error is not null), s.HadBadInput);
        Assert.Equal(result.Detections.Count, s.Detections);
        var bytesByPath = s.Files.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.Max(f => f.DecompressedBytes));
        foreach (var d in result.Detections)
        {
            Assert.Contains(d.SourceFile, paths);
            Assert.True(d.SourceOffset >= 0 && d.SourceOffset < bytesByPath[d.SourceFile], $"detection offset {d.SourceOffset} outside {d.SourceFile}");
        }
        Interlocked.Increment(ref _checked);
    }

    /// <summary>The same identity over the <c>--summary-json</c> the CLI writes.</summary>
    public static void AssertHolds(JsonElement summary)
    {
        var records = summary.GetProperty("records");
        Assert.Equal(records.GetProperty("framed").GetInt64(),
            records.GetProperty("parsed").GetInt64() + records.GetProperty("cleared_by_prefilter").GetInt64()
            + records.GetProperty("malformed").GetInt64() + records.GetProperty("oversized").GetInt64());
        foreach (var f in summary.GetProperty("file_details").EnumerateArray())
        {
            Assert.Equal(f.GetProperty("records_framed").GetInt64(),
                f.GetProperty("records_parsed").GetInt64() + f.GetProperty("records_cleared_by_prefilter").GetInt64()
                + f.GetProperty("malformed").GetInt64() + f.GetProperty("oversized").GetInt64());
            if (f.GetProperty("error").ValueKind == JsonValueKind.Null)
                Assert.Equal(f.GetProperty("bytes_decompressed").GetInt64(), f.GetProperty("bytes_decompressed_consumed").GetInt64());
        }
        Interlocked.Increment(ref _checked);
    }
}

/// <summary>Detections reduced to what must not change when other records are damaged.</summary>
internal readonly record struct Hit(string Type, long Offset, string? Raw)
{
    public static Hit Of(Detection d) => new(d.DetectionType, d.SourceOffset, d.Raw!);

    public static List<Hit> Of(IEnumerable<Detection> detections, string? fileEndsWith = null) =>
        detections.Where(d => fileEndsWith is null || d.SourceFile.EndsWith(fileEndsWith, StringComparison.Ordinal))
            .Select(Of).OrderBy(h => h.Offset).ThenBy(h => h.Type, StringComparer.Ordinal).ToList();
}

/// <summary>Compression for the damaged-stream tests, with the integrity checks each format can carry.</summary>
internal static class Compressors
{
    /// <summary>Compresses as one member/frame; <paramref name="checksums"/> turns on LZ4 block+content checksums and the zstd content checksum (gzip always has its CRC-32).</summary>
    public static byte[] Compress(byte[] data, Codec codec, bool checksums)
    {
        if (codec == Codec.None) return data;
        var output = new MemoryStream();
        using (var s = Open(output, codec, checksums)) s.Write(data);
        return output.ToArray();
    }

    private static Stream Open(Stream output, Codec codec, bool checksums)
    {
        switch (codec)
        {
            case Codec.Gzip:
                return new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
            case Codec.Lz4:
                return LZ4Stream.Encode(output, new LZ4EncoderSettings { ContentChecksum = checksums, BlockChecksum = checksums }, leaveOpen: true);
            case Codec.Zstd:
                var z = new CompressionStream(output, 3, leaveOpen: true);
                if (checksums) z.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                return z;
            default:
                throw new ArgumentOutOfRangeException(nameof(codec));
        }
    }

    /// <summary>
    /// Decodes as much of <paramref name="data"/> as the codec's own decoder gives before it fails
    /// (the reference for "what decompressed before the damage").
    /// </summary>
    public static byte[] DecodePrefix(byte[] data, Codec codec)
    {
        var output = new MemoryStream();
        try
        {
            using var input = new MemoryStream(data);
            using Stream d = codec switch
            {
                Codec.Gzip => new GZipStream(input, CompressionMode.Decompress),
                Codec.Lz4 => LZ4Stream.Decode(input),
                Codec.Zstd => new DecompressionStream(input),
                _ => input,
            };
            // GZipStream drops what it decoded in the read that meets the damage: small reads keep
            // that loss to a few bytes, so this stays what zlib decodes before the damage.
            var buffer = new byte[codec == Codec.Gzip ? 16 : 64 << 10];
            int n;
            while ((n = d.Read(buffer)) > 0) output.Write(buffer, 0, n);
        }
        catch (Exception)
        {
            // whatever came out before the damage
        }
        return output.ToArray();
    }

    /// <summary>
    /// A zstd frame made by hand of RLE blocks: <paramref name="prefix"/>, then <paramref name="repeat"/>
    /// copies of <paramref name="fill"/>, then <paramref name="suffix"/>. Each 4-byte block expands to
    /// 128 KiB, so gigabytes of decompressed stream take a few dozen KiB on disk and no time to build.
    /// </summary>
    public static byte[] ZstdRun(ReadOnlySpan<byte> prefix, long repeat, byte fill, ReadOnlySpan<byte> suffix)
    {
        var ms = new MemoryStream();
        // magic, frame header descriptor (no content size, no checksum), window descriptor 2^17.
        ms.Write([0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38]);
        void Block(bool last, int type, int size)
        {
            int h = (last ? 1 : 0) | (type << 1) | (size << 3);
            ms.WriteByte((byte)h);
            ms.WriteByte((byte)(h >> 8));
            ms.WriteByte((byte)(h >> 16));
        }
        Block(false, 0, prefix.Length);
        ms.Write(prefix);
        const int MaxBlock = 128 << 10;
        while (repeat > 0)
        {
            int n = (int)Math.Min(MaxBlock, repeat);
            Block(false, 1, n);
            ms.WriteByte(fill);
            repeat -= n;
        }
        Block(true, 0, suffix.Length);
        ms.Write(suffix);
        return ms.ToArray();
    }
}

/// <summary>Generated records (the data generator's realistic mix), made once per process.</summary>
internal static class GeneratedRecords
{
    private static readonly Lazy<IReadOnlyList<(byte[] Json, string? Expected)>> PoolLazy = new(() =>
        DataGen.CorpusGenerator.Records(new DataGen.GeneratorOptions(20261128, 420_000, PlantRate: 0.05)).ToList());

    /// <summary>About 230 records, one in twenty planted to fire a detection.</summary>
    public static IReadOnlyList<(byte[] Json, string? Expected)> Pool => PoolLazy.Value;

    /// <summary>Records joined as NDJSON (LF after each), with each record's offset.</summary>
    public static (byte[] Text, long[] Offsets) Ndjson(IEnumerable<byte[]> records) => Join(records, "", "\n", "\n");

    /// <summary>Records as a pretty JSON array (one element per line), with each record's offset.</summary>
    public static (byte[] Text, long[] Offsets) Array(IEnumerable<byte[]> records) => Join(records, "[\n", ",\n", "\n]\n");

    public static (byte[] Text, long[] Offsets) Join(IEnumerable<byte[]> records, string open, string separator, string close)
    {
        var ms = new MemoryStream();
        var offsets = new List<long>();
        ms.Write(Encoding.UTF8.GetBytes(open));
        bool first = true;
        foreach (var r in records)
        {
            if (!first) ms.Write(Encoding.UTF8.GetBytes(separator));
            first = false;
            offsets.Add(ms.Position);
            ms.Write(r);
        }
        ms.Write(Encoding.UTF8.GetBytes(close));
        return (ms.ToArray(), offsets.ToArray());
    }
}

/// <summary>Process helpers for FIFOs, odd file names and child scans.</summary>
internal static class Shell
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs a program to completion (a minute at most) and returns its exit status.</summary>
    public static int Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        return p.ExitCode;
    }
}

/// <summary>A fact that cannot hold for root (permission checks always pass for it): skipped, visibly, when the tests run as root.</summary>
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (Environment.UserName == "root") Skip = "runs as root: permission checks always pass for root, so 'permission denied' cannot be produced";
    }
}

/// <summary>Tests that measure process-wide allocation or memory: run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemorySensitiveCollection
{
    public const string Name = "BadInput: memory-sensitive (not parallel)";
}
