using System.Buffers;
using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Scanning;

/// <summary>
/// When the emit callback throws partway through a file (TooManyErrorsException from the scanner's
/// emit wrapper, or OperationCanceledException from Deliver while the workers are not ready), the
/// block it was given has already been released. Before ff38ef1 the framer had not yet moved to its
/// next buffer then, so its finally (JsonStreamFramer.Run, or CsvFramer.Run through
/// CsvBlockWriter.Finish) wrapped the same pooled array in a second block and emitted it again: the
/// array went back to ArrayPool twice, two later rents got the same array, and a later file's blocks
/// were overwritten. These tests hold the fix.
/// </summary>
[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class EmitThrowsTests
{
    private static string Lines(IEnumerable<string> rs) => string.Join("\n", rs) + "\n";

    private static string GoodFile() => Lines(
        CorpusGenerator.Records(new GeneratorOptions(5, 400_000, PlantRate: 0.05, Adversarial: false))
            .Select(r => Encoding.UTF8.GetString(r.Json)));

    /// <summary>NDJSON (a whole record first), then 3000 bad lines: about nine 4 KiB blocks.</summary>
    private static string BadNdjson()
    {
        var bad = new StringBuilder("{\"Operation\":\"FileAccessed\"}\n");
        for (int i = 0; i < 3000; i++) bad.Append("{\"broken\":").Append(i).Append('\n');
        return bad.ToString();
    }

    /// <summary>The detections with their file's name only (the two scans read different folders).</summary>
    private static List<Detection> Named(ScanResult r) => r.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }).ToList();

    private static ScanOptions Options(string path, int threads) =>
        new() { Paths = [path], Threads = threads, BlockBytes = 4096, MemoryMap = false, MaxErrorsPerFile = 5 };

    [Fact]
    public void Too_many_bad_records_return_the_framers_buffer_to_the_pool_once()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "a-bad.ndjson"), BadNdjson());
        // One thread: the scan runs, and gives its buffers back, on this thread.
        using (HuntScanner.Run(Options(dir.Path, 1))) { }
        var rented = new List<byte[]>();
        for (int i = 0; i < 200; i++) rented.Add(ArrayPool<byte>.Shared.Rent(4096));
        var distinct = rented.Distinct(ReferenceEqualityComparer.Instance).Cast<byte[]>().ToList();
        foreach (var a in distinct) ArrayPool<byte>.Shared.Return(a);
        Assert.Equal(rented.Count, distinct.Count); // before the fix (ff38ef1/7ce1d4b): one array is rented twice
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_file_after_one_with_too_many_bad_records_is_scanned_as_it_is_alone(int threads) =>
        AssertScannedAsAlone("a-bad.ndjson", BadNdjson(), threads, runs: 20);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_file_after_a_csv_with_too_many_bad_rows_is_scanned_as_it_is_alone(int threads)
    {
        // Rows whose AuditData cell is not JSON: each one is copied into the block and is a bad record.
        var csv = new StringBuilder("CreationDate,UserIds,Operations,AuditData\n");
        for (int i = 0; i < 3000; i++) csv.Append("2026-11-20,user").Append(i).Append(",MessageSent,{broken ").Append(i).Append('\n');
        AssertScannedAsAlone("a-bad.csv", csv.ToString(), threads, runs: 5);
    }

    /// <summary>A good file scanned after <paramref name="badName"/> (over the error limit) gives what it gives alone.</summary>
    private static void AssertScannedAsAlone(string badName, string badContent, int threads, int runs)
    {
        using var alone = new TempDir();
        using var after = new TempDir();
        string good = GoodFile();
        File.WriteAllText(Path.Combine(alone.Path, "b-good.ndjson"), good);
        File.WriteAllText(Path.Combine(after.Path, badName), badContent);
        File.WriteAllText(Path.Combine(after.Path, "b-good.ndjson"), good);

        using var expected = HuntScanner.Run(Options(alone.Path, threads));
        var e = expected.Summary.Files.Single();
        Assert.Equal(0, e.Malformed);
        Assert.NotEmpty(expected.Detections);
        for (int run = 0; run < runs; run++)
        {
            ScanResult scanned;
            List<(int, int, int)> twice;
            List<(int, int)> outstanding;
            using (var pool = new PoolTracker(allThreads: true))
            {
                scanned = HuntScanner.Run(Options(after.Path, threads));
                twice = pool.ReturnedTwice;
                outstanding = pool.Outstanding;
            }
            using var r = scanned;
            // Every pooled array the scan took went back once (a double return is what shared buffers).
            Assert.Empty(twice);
            Assert.Empty(outstanding);
            Assert.Contains("more than 5 bad records", r.Summary.Files[0].Error);
            var g = r.Summary.Files[1];
            Assert.Equal((e.RecordsFramed, e.RecordsParsed, e.Malformed, e.Error), (g.RecordsFramed, g.RecordsParsed, g.Malformed, g.Error));
            Assert.Equal(Named(expected), Named(r));
        }
    }

    [Fact]
    public void A_negative_error_limit_is_refused_before_anything_is_read()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<HuntConfigurationException>(() => HuntScanner.Run(new ScanOptions { Paths = [dir.Path], MaxErrorsPerFile = -1 }));
        Assert.Contains("max errors per file", e.Message);
    }
}
