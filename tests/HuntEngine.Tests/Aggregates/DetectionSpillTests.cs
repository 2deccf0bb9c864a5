using HuntEngine.DataGen;
using HuntEngine.Matching;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Aggregates;

/// <summary>
/// Detections past the memory budget wait in temporary files and are read back in output order:
/// the result must be the one every detection held in memory gives, row for row, whatever the
/// budget, the threads and the window, and no file may outlive the result.
/// </summary>
public sealed class DetectionSpillTests
{
    public static TheoryData<int, Mix, long, int> Budgets() => new()
    {
        { 51, Mix.Typical, 0, 2 },          // every detection spilled
        { 52, Mix.TeamsHeavy, 0, 3 },
        { 53, Mix.Typical, 200_000, 2 },    // some held, the rest spilled, per worker
        { 54, Mix.Typical, 60_000, 1 },
    };

    [Theory]
    [MemberData(nameof(Budgets))]
    public void A_spilled_result_equals_the_held_one(int seed, Mix mix, long budget, int threads)
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive");
        string temp = Path.Combine(dir.Path, "tmp");
        Directory.CreateDirectory(temp);
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(seed, 1_500_000, mix, PlantRate: 0.05, Adversarial: true));

        var held = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = threads });
        Assert.IsType<List<Detection>>(held.Detections);
        using (var spilled = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = threads, DetectionMemoryBytes = budget, TempDirectory = temp }))
        {
            Assert.IsNotType<List<Detection>>(spilled.Detections);
            Assert.True(held.Detections.Count > 50, $"too few detections to test ({held.Detections.Count})");
            Assert.Contains(held.Detections, d => d.DetectionType == PatternCatalog.InviteBurst);
            Assert.Equal(held.Detections, spilled.Detections);                 // enumeration, in order
            for (int i = held.Detections.Count - 1; i >= 0; i -= 7)            // and by index, out of order
                Assert.Equal(held.Detections[i], spilled.Detections[i]);
            Assert.Equal(held.Summary.DetectionsByType, spilled.Summary.DetectionsByType);
            Assert.Empty(Directory.GetFileSystemEntries(temp)); // unlinked at once on Unix
            if (OperatingSystem.IsLinux()) Assert.True(OpenFilesUnder(temp) > 0, "the spilled rows are not in TempDirectory");
        }
        if (OperatingSystem.IsLinux()) Assert.Equal(0, OpenFilesUnder(temp)); // closed with the result

        // A window: what is outside is neither held nor spilled.
        var window = new TimeWindow(held.Detections[held.Detections.Count / 3].EventTimeMs!.Value, held.Detections[2 * held.Detections.Count / 3].EventTimeMs!.Value);
        var heldIn = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = threads, Window = window });
        using var spilledIn = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = threads, Window = window, DetectionMemoryBytes = budget, TempDirectory = temp });
        if (budget == 0) Assert.IsNotType<List<Detection>>(spilledIn.Detections); // (a third of the detections may fit a budget)
        Assert.InRange(heldIn.Detections.Count, 1, held.Detections.Count - 1);
        Assert.All(heldIn.Detections, d => Assert.True(d.EventTimeMs is { } t && window.Contains(t), $"{d.EventTimeMs} outside the window"));
        Assert.Equal(heldIn.Detections, spilledIn.Detections);
    }

    /// <summary>Twin archives: every detection has a twin with the same time and offset in another file, so the file decides the order.</summary>
    [Fact]
    public void Ties_on_time_are_ordered_by_file_then_offset_when_spilled()
    {
        using var dir = new TempDir();
        string a = Path.Combine(dir.Path, "a"), b = Path.Combine(dir.Path, "b");
        CorpusGenerator.WriteArchive(a, new GeneratorOptions(55, 600_000, Mix.Typical, PlantRate: 0.05));
        foreach (string f in Directory.GetFiles(a, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(b, Path.GetRelativePath(a, f));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(f, copy);
        }
        var held = HuntScanner.Run(new ScanOptions { Paths = [b, a], Threads = 2 });
        using var spilled = HuntScanner.Run(new ScanOptions { Paths = [b, a], Threads = 2, DetectionMemoryBytes = 0 });
        Assert.Equal(held.Detections, spilled.Detections);
        var single = held.Detections.Where(d => d.DetectionType != PatternCatalog.InviteBurst).ToList(); // bursts merge the twins' events
        Assert.Equal(single.Count, 2 * single.Count(d => d.SourceFile.StartsWith(a, StringComparison.Ordinal)));
        Assert.StartsWith(a, spilled.Detections[0].SourceFile, StringComparison.Ordinal); // a/... sorts before b/...
        var all = spilled.Detections.ToList();
        for (int i = 1; i < all.Count; i++)
            if (all[i - 1].EventTimeMs == all[i].EventTimeMs)
            {
                int byFile = string.CompareOrdinal(all[i - 1].SourceFile, all[i].SourceFile);
                Assert.True(byFile < 0 || byFile == 0 && all[i - 1].SourceOffset <= all[i].SourceOffset, $"rows {i - 1} and {i} out of order");
            }
    }

    /// <summary>
    /// A store converted without raw text, hunted beside its archive, gives every detection twice
    /// with the same (time, file, offset): the tie-breakers (type, then the row without raw first)
    /// make the order the same for any threads and budget.
    /// </summary>
    [Fact]
    public void Rows_equal_on_the_sort_key_come_out_in_one_order()
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive"), store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(57, 500_000, Mix.Typical, PlantRate: 0.05));
        HuntScanner.Run(new ScanOptions { Paths = [archive], Prefilter = false, Store = new HuntEngine.Sinks.StoreOptions(store) }).Dispose();
        ScanResult Hunt(int threads, long budget) => HuntScanner.Run(new ScanOptions { Paths = [store, archive], Threads = threads, DetectionMemoryBytes = budget });
        using var first = Hunt(1, 128L << 20);
        Assert.Contains(first.Detections, d => d.Raw is null);
        for (int i = 1; i < first.Detections.Count; i++)
            if (Detection.CompareOutputOrder(first.Detections[i - 1], first.Detections[i]) == 0)
                Assert.Equal(first.Detections[i - 1], first.Detections[i]); // only identical rows may tie
        // Where (time, file, offset, type) are equal, the row without raw text comes first.
        int twins = 0;
        for (int i = 1; i < first.Detections.Count; i++)
        {
            Detection p = first.Detections[i - 1], c = first.Detections[i];
            if (p.EventTimeMs != c.EventTimeMs || p.SourceFile != c.SourceFile || p.SourceOffset != c.SourceOffset || p.DetectionType != c.DetectionType) continue;
            twins++;
            Assert.True(p.Raw is null && c.Raw is not null, $"rows {i - 1} and {i}: the row without raw text must come first");
        }
        Assert.True(twins > 10, $"{twins} twins");
        foreach (var (threads, budget) in new[] { (3, 128L << 20), (2, 0L), (3, 0L) })
        {
            using var other = Hunt(threads, budget);
            Assert.Equal(first.Detections, other.Detections);
        }
    }

    /// <summary>The result may be read from several threads at once, as a list can.</summary>
    [Fact]
    public void A_spilled_result_reads_the_same_from_many_threads()
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(58, 12_000_000, Mix.Typical, PlantRate: 0.2));
        var held = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 2 });
        using var spilled = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 2, DetectionMemoryBytes = 0 });
        int n = spilled.Detections.Count;
        Assert.True(n > 1000, $"{n} detections");
        var read = new Detection[4 * n]; // every row four times, in an order the threads race over
        Parallel.For(0, read.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => read[i] = spilled.Detections[(int)((long)i * 7919 % n)]);
        for (int i = 0; i < read.Length; i++) Assert.Equal(held.Detections[(int)((long)i * 7919 % n)], read[i]);
    }

    [Fact]
    public void The_budget_holds_rows_until_it_is_reached_then_spills_the_rest()
    {
        string temp = Directory.CreateTempSubdirectory("hunt-spill-").FullName;
        try
        {
            Detection Row(int i) => new() { DetectionType = "T", SourceFile = "f", SourceOffset = i, EventTimeMs = 1000 - i, Raw = new string('x', 1000) };
            long each = DetectionLog.SizeOf(Row(0));
            using var log = new DetectionLog(temp, 3 * each);
            for (int i = 0; i < 10; i++) log.Add(Row(i));
            Assert.Equal(3, log.Held.Count);
            Assert.Equal(7, log.SpilledRows.Count);
            Assert.Equal(10, log.Count);
            Assert.All(log.SpilledRows, s => Assert.Equal(Row((int)s.Key.SourceOffset), log.Read(s)));
            // Once anything is spilled, later rows are too, so held rows are always the first ones.
            log.Add(new Detection { DetectionType = "T", SourceFile = "f" });
            Assert.Equal(8, log.SpilledRows.Count);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void A_negative_budget_is_refused_before_anything_is_read()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<HuntConfigurationException>(() => HuntScanner.Run(new ScanOptions { Paths = [dir.Path], DetectionMemoryBytes = -1 }));
        Assert.Contains("detection memory", e.Message);
    }

    /// <summary>Open files of this process whose path is under <paramref name="dir"/> (unlinked ones included: "/path (deleted)").</summary>
    private static int OpenFilesUnder(string dir) =>
        Directory.GetFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try { return new FileInfo(fd).LinkTarget?.StartsWith(dir + "/", StringComparison.Ordinal) == true; }
            catch (IOException) { return false; }
        });
}
