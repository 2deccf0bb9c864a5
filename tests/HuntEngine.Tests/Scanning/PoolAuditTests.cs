using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;
using Xunit.Abstractions;

namespace HuntEngine.Tests.Scanning;

/// <summary>
/// Every pooled array a scan rents goes back exactly once, whatever goes wrong in the input: a bad
/// file over the error limit in every container and codec, a damaged stream, an interruption. Alone
/// (not beside other scans), so the arrays watched are the scan's.
/// </summary>
[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class PoolAuditTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> Inputs() =>
        from kind in new[] { "ndjson", "array", "wrapper", "pretty", "csv", "ual", "ndjson-oversized", "array-oversized", "csv-oversized", "pretty-oversized", "wrapper-oversized" }
        from codec in new[] { "None", "Gzip", "Lz4", "Zstd" }
        from mapped in new[] { false, true }
        where !mapped || codec == "None"
        select new object[] { kind, codec, mapped };

    internal static byte[] Bad(string kind)
    {
        var sb = new StringBuilder();
        string big = new string('x', 5000); // past the tests' 4 KiB record limit
        switch (kind)
        {
            case "ndjson":
                sb.Append("{\"Operation\":\"FileAccessed\"}\n");
                for (int i = 0; i < 3000; i++) sb.Append("{\"broken\":").Append(i).Append('\n');
                break;
            case "ndjson-oversized":
                sb.Append("{\"Operation\":\"FileAccessed\"}\n");
                for (int i = 0; i < 300; i++) sb.Append("{\"big\":\"").Append(big).Append("\"}\n");
                break;
            case "array" or "array-oversized" or "wrapper" or "wrapper-oversized":
                // Elements that are not objects (a bad record each), or objects over the record limit.
                bool wrapper = kind.StartsWith("wrapper", StringComparison.Ordinal);
                sb.Append(wrapper ? "{\"value\":[" : "[");
                if (kind.EndsWith("oversized", StringComparison.Ordinal))
                    for (int i = 0; i < 300; i++) sb.Append("{\"big\":\"").Append(big).Append("\"},\n");
                else
                    for (int i = 0; i < 3000; i++) sb.Append(i).Append(",\n");
                sb.Append(wrapper ? "{}]}\n" : "{}]\n");
                break;
            case "pretty":
                for (int i = 0; i < 1000; i++) sb.Append("{\n  \"a\": ").Append(i).Append(",\n  \"b\": [\n}\n");
                break;
            case "pretty-oversized":
                for (int i = 0; i < 300; i++)
                {
                    sb.Append("{\n  \"a\": ").Append(i).Append(",\n");
                    for (int k = 0; k < 80; k++) sb.Append("  \"b").Append(k).Append("\": \"").Append(big, 0, 60).Append("\",\n");
                    sb.Append("  \"c\": [\n}\n");
                }
                break;
            case "csv":
                sb.Append("TimeGenerated,OperationName\n");
                for (int i = 0; i < 3000; i++) sb.Append("2026-11-20,op\u0001").Append(i).Append('\n');
                break;
            case "ual":
                sb.Append("CreationDate,UserIds,Operations,AuditData\n");
                for (int i = 0; i < 3000; i++) sb.Append("2026-11-20,user").Append(i).Append(",MessageSent,{broken ").Append(i).Append('\n');
                break;
            case "csv-oversized":
                sb.Append("CreationDate,UserIds,Operations,AuditData\n");
                for (int i = 0; i < 300; i++) sb.Append("2026-11-20,user").Append(i).Append(",MessageSent,").Append(big).Append('\n');
                break;
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        if (kind == "csv") for (int i = 0; i < bytes.Length; i++) if (bytes[i] == 1) bytes[i] = 0xFF; // invalid UTF-8 in a cell
        return bytes;
    }

    internal static byte[] Encode(byte[] data, string codec) => Codecs.Compress(data, Enum.Parse<Codec>(codec));

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Audit(string kind, string codec, bool mapped) =>
        GoodAfterBad.Check("a-bad.bin", Encode(Bad(kind), codec), p => new ScanOptions
        {
            Paths = [p], Threads = 1, BlockBytes = 4096, MaxRecordBytes = 4096, MaxErrorsPerFile = 5,
            MemoryMap = mapped, MapEveryFile = mapped,
        }, allThreads: false, checkBad: bad =>
        {
            log.WriteLine($"{kind} {codec} mapped={mapped}: error={bad.Error} malformed={bad.Malformed} oversized={bad.Oversized} container={bad.Container}");
            if (kind != "pretty-oversized") Assert.Contains("more than 5 bad records", bad.Error);
        });

    // ---- watching every thread of the scan (the engine's hunt-* threads) ----

    public static IEnumerable<object[]> Damage() =>
        from codec in new[] { "Gzip", "Lz4", "Zstd" }
        from how in new[] { "cut", "flip" }
        from threads in new[] { 1, 2 }
        from readAhead in new[] { false, true }
        select new object[] { codec, how, threads, readAhead };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damaged(string codec, string how, int threads, bool readAhead)
    {
        var z = Encode(Encoding.UTF8.GetBytes(GoodAfterBad.GoodFile(7, 400_000)), codec);
        if (how == "cut") z = z[..(z.Length / 2)];
        else for (int i = z.Length / 2; i < z.Length / 2 + 64; i++) z[i] ^= 0x5A;
        GoodAfterBad.Check("a-bad.bin", z, p => new ScanOptions
        {
            Paths = [p], Threads = threads, BlockBytes = 4096, MemoryMap = false,
            ReadAhead = readAhead ? new HuntEngine.Sources.ReadAheadSettings(0, 4096, 16384) : null,
        }, allThreads: true, runs: 5, checkBad: bad => log.WriteLine($"{codec} {how} t={threads} ra={readAhead}: error={bad.Error}"), badMayDetect: true);
    }

    public static IEnumerable<object[]> Cancels() =>
        from kind in new[] { "ndjson", "ual", "array" }
        from threads in new[] { 1, 2 }
        from mapped in new[] { false, true }
        select new object[] { kind, threads, mapped };

    [Theory]
    [MemberData(nameof(Cancels))]
    public void Cancelled(string kind, int threads, bool mapped)
    {
        using var dir = new TempDir();
        string good = GoodAfterBad.GoodFile(9, 2_000_000);
        for (int f = 0; f < 4; f++)
        {
            string text = kind switch
            {
                "array" => "[" + string.Join(",", good.Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]",
                "ual" => "CreationDate,UserIds,Operations,AuditData\n" + string.Join("", good.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "2026-11-20,u,Op,\"" + l.Replace("\"", "\"\"") + "\"\n")),
                _ => good,
            };
            File.WriteAllText(Path.Combine(dir.Path, $"f{f}.txt"), text);
        }
        var rng = new Random(threads * 10 + (mapped ? 1 : 0));
        for (int run = 0; run < 8; run++)
        {
            using var cts = new CancellationTokenSource();
            List<(int, int, int)> twice;
            List<(int, int)> outstanding;
            using (var t = new PoolTracker(allThreads: true))
            {
                cts.CancelAfter(rng.Next(1, 120));
                try
                {
                    using var r = HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = threads, BlockBytes = 4096, MemoryMap = mapped, MapEveryFile = mapped }, cts.Token);
                    log.WriteLine($"interrupted={r.Summary.Interrupted} read={string.Join(",", r.Summary.Files.Select(f => f.DecompressedBytes))}");
                }
                catch (OperationCanceledException) { }
                twice = t.ReturnedTwice;
                outstanding = t.Outstanding;
            }
            log.WriteLine($"{kind} t={threads} mapped={mapped} run {run}: twice: {string.Join(", ", twice)}; outstanding: {string.Join(", ", outstanding)}");
            Assert.Empty(twice);
            Assert.Empty(outstanding);
        }
    }

    public static IEnumerable<object[]> TooMany() => Inputs().Where(o => (string)o[1] is "None" or "Lz4");

    [Theory]
    [MemberData(nameof(TooMany))]
    public void TooManyTwoThreads(string kind, string codec, bool mapped)
    {
        using var dir = new TempDir();
        for (int f = 0; f < 3; f++)
        {
            File.WriteAllBytes(Path.Combine(dir.Path, $"a{f}-bad.bin"), Encode(Bad(kind), codec));
            File.WriteAllText(Path.Combine(dir.Path, $"b{f}-good.ndjson"), GoodAfterBad.GoodFile(f));
        }
        for (int run = 0; run < 5; run++)
        {
            List<(int, int, int)> twice;
            List<(int, int)> outstanding;
            using (var t = new PoolTracker(allThreads: true))
            {
                using var r = HuntScanner.Run(new ScanOptions
                {
                    Paths = [dir.Path], Threads = 2, BlockBytes = 4096, MaxRecordBytes = 1024, MaxErrorsPerFile = 5,
                    MemoryMap = mapped, MapEveryFile = mapped, ReadAhead = new HuntEngine.Sources.ReadAheadSettings(0, 4096, 16384),
                });
                twice = t.ReturnedTwice;
                outstanding = t.Outstanding;
            }
            log.WriteLine($"{kind} {codec} mapped={mapped} run {run}: twice: {string.Join(", ", twice)}; outstanding: {string.Join(", ", outstanding)}");
            Assert.Empty(twice);
            Assert.Empty(outstanding);
        }
    }
}
