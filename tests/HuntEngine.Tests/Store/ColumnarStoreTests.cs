using HuntEngine.DataGen;
using HuntEngine.Matching;
using HuntEngine.Scanning;
using HuntEngine.Sinks;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Store;

/// <summary>"Scan once, hunt many": a converted store gives exactly the detections of the archive.</summary>
public sealed class ColumnarStoreTests
{
    [Theory]
    [InlineData(51, true, "arrow")]
    [InlineData(52, false, "arrow")]
    [InlineData(53, true, "arrow")]
    [InlineData(54, false, "parquet")]
    [InlineData(55, true, "parquet")]
    public void Scanning_a_store_gives_the_detections_of_the_archive(int seed, bool keepRaw, string formatName)
    {
        var format = HuntEngine.Cli.Cli.StoreFormats.Single(f => f.Name == formatName);
        var formats = HuntEngine.Cli.Cli.StoreFormats;
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(seed, 1_200_000, PlantRate: 0.03));
        var original = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 2 });
        var converted = HuntScanner.Run(new ScanOptions
        {
            Paths = [archive], Threads = 3, Prefilter = false,
            Store = new StoreOptions(store, keepRaw, RowsPerPart: 100) { Format = format }, // parts > workers, however blocks are shared out
        });
        Assert.True(Directory.GetFiles(store, "*" + format.Extension).Length > 2, "parts are bounded by RowsPerPart");
        Assert.Empty(Directory.GetFiles(store, "*.tmp"));

        var fromStore = HuntScanner.Run(new ScanOptions { Paths = [store], Threads = 2, StoreFormats = formats });
        Assert.NotEmpty(original.Detections);
        Assert.Equal(
            original.Detections.Select(d => keepRaw ? d : d with { Raw = null }),
            fromStore.Detections);
        Assert.Equal(converted.Summary.RecordsParsed, fromStore.Summary.RecordsParsed);
        Assert.Equal(converted.Summary.RecordsByKind, fromStore.Summary.RecordsByKind);

        // The same with a window: the store keeps the times.
        var window = new TimeWindow(DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), null);
        Assert.Equal(
            HuntScanner.Run(new ScanOptions { Paths = [archive], Window = window }).Detections.Select(d => keepRaw ? d : d with { Raw = null }),
            HuntScanner.Run(new ScanOptions { Paths = [store], Window = window, StoreFormats = formats }).Detections);
    }

    [Fact]
    public void An_arrow_file_that_is_not_a_store_is_reported()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "detections.arrow");
        ArrowFileSink.Write(path, []);
        var r = HuntScanner.Run(new ScanOptions { Paths = [path] });
        Assert.Contains("not a HuntEngine store", r.Summary.Files[0].Error);
    }

    /// <summary>Converting a store again is reported per part, not silently turned into an empty store that says its rows were stored.</summary>
    [Fact]
    public void Converting_a_store_reports_its_parts_and_writes_nothing()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        var again = Path.Combine(dir.Path, "again");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(59, 300_000, PlantRate: 0.05));
        HuntScanner.Run(new ScanOptions { Paths = [archive], Prefilter = false, Store = new StoreOptions(store, RowsPerPart: 100) }).Dispose();
        using var r = HuntScanner.Run(new ScanOptions { Paths = [store], Prefilter = false, Store = new StoreOptions(again) });
        Assert.NotEmpty(r.Summary.Files);
        Assert.All(r.Summary.Files, f => Assert.Contains("already a HuntEngine store part", f.Error));
        Assert.True(r.Summary.HadBadInput);
        Assert.Equal(0, r.Summary.RecordsParsed);
        Assert.Empty(Directory.Exists(again) ? Directory.GetFiles(again) : []);
    }

    [Fact]
    public void A_damaged_arrow_part_is_reported_by_batch_and_the_other_parts_are_hunted()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(56, 600_000, PlantRate: 0.05));
        HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 1, Prefilter = false, Store = new StoreOptions(store, RowsPerPart: 100) });
        var parts = Directory.GetFiles(store, "*.arrow").Order(StringComparer.Ordinal).ToArray();
        Assert.True(parts.Length >= 3);
        var intact = parts[2..].SelectMany(p => HuntScanner.Run(new ScanOptions { Paths = [p] }).Detections).ToList();
        Assert.NotEmpty(intact);

        // Garbage over the middle of the first part (its footer intact, so it opens); the second cut short.
        var first = File.ReadAllBytes(parts[0]);
        new Random(1).NextBytes(first.AsSpan(first.Length / 3, first.Length / 3));
        File.WriteAllBytes(parts[0], first);
        var second = File.ReadAllBytes(parts[1]);
        File.WriteAllBytes(parts[1], second[..(second.Length / 2)]);

        var r = HuntScanner.Run(new ScanOptions { Paths = [store], Threads = 2 });
        var files = r.Summary.Files.ToDictionary(f => f.Path);
        Assert.Contains("store part unreadable", files[parts[0]].Error);
        Assert.Contains("store part unreadable", files[parts[1]].Error);
        foreach (var other in parts[2..]) Assert.Null(files[other].Error);
        Assert.True(r.Summary.HadBadInput);
        // Every row of the intact parts is hunted: their detections are all there.
        Assert.All(intact, d => Assert.Contains(d, r.Detections));
    }

    [Fact]
    public void Convert_command_refuses_a_non_empty_output_folder()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "x"), "x");
        var err = new StringWriter();
        int code = HuntEngine.Cli.Cli.Run(["convert", RepoPaths.Root, "-o", dir.Path], new StringWriter(), err);
        Assert.Equal(2, code);
        Assert.Contains("not empty", err.ToString());
    }
}
