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
    /// <summary>NDJSON (a whole record first), then 3000 bad lines: about nine 4 KiB blocks.</summary>
    private static string BadNdjson()
    {
        var bad = new StringBuilder("{\"Operation\":\"FileAccessed\"}\n");
        for (int i = 0; i < 3000; i++) bad.Append("{\"broken\":").Append(i).Append('\n');
        return bad.ToString();
    }

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
    private static void AssertScannedAsAlone(string badName, string badContent, int threads, int runs) =>
        GoodAfterBad.Check(badName, Encoding.UTF8.GetBytes(badContent), path => Options(path, threads), allThreads: true, runs,
            bad => Assert.Contains("more than 5 bad records", bad.Error), goodBytes: 400_000);

    [Fact]
    public void A_negative_error_limit_is_refused_before_anything_is_read()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<HuntConfigurationException>(() => HuntScanner.Run(new ScanOptions { Paths = [dir.Path], MaxErrorsPerFile = -1 }));
        Assert.Contains("max errors per file", e.Message);
    }
}
