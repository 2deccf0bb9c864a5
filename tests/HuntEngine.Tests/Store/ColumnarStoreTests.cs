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
    [InlineData(51, true)]
    [InlineData(52, false)]
    [InlineData(53, true)]
    public void Scanning_a_store_gives_the_detections_of_the_archive(int seed, bool keepRaw)
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var store = Path.Combine(dir.Path, "store");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(seed, 1_200_000, PlantRate: 0.03));
        var original = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 2 });
        var converted = HuntScanner.Run(new ScanOptions
        {
            Paths = [archive], Threads = 3, Prefilter = false,
            Store = new StoreOptions(store, keepRaw, RowsPerPart: 1000),
        });
        Assert.True(Directory.GetFiles(store, "*.arrow").Length > 2, "parts are bounded by RowsPerPart");
        Assert.Empty(Directory.GetFiles(store, "*.tmp"));

        var fromStore = HuntScanner.Run(new ScanOptions { Paths = [store], Threads = 2 });
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
            HuntScanner.Run(new ScanOptions { Paths = [store], Window = window }).Detections);
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
