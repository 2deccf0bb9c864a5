using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;
using Xunit.Abstractions;

namespace HuntEngine.Tests.Scanning;

/// <summary>Run alone (the tracker watches every thread).</summary>
[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class PoolAuditGlobalTests(ITestOutputHelper log)
{
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
        var z = PoolAuditTests.Encode(Encoding.UTF8.GetBytes(GoodAfterBad.GoodFile(7, 400_000)), codec);
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

    public static IEnumerable<object[]> TooMany() => PoolAuditTests.Inputs().Where(o => (string)o[1] is "None" or "Lz4");

    [Theory]
    [MemberData(nameof(TooMany))]
    public void TooManyTwoThreads(string kind, string codec, bool mapped)
    {
        using var dir = new TempDir();
        for (int f = 0; f < 3; f++)
        {
            File.WriteAllBytes(Path.Combine(dir.Path, $"a{f}-bad.bin"), PoolAuditTests.Encode(PoolAuditTests.Bad(kind), codec));
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
