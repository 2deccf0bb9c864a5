using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;

namespace HuntEngine.Tests.Support;

/// <summary>
/// A clean file scanned after a bad one (over the error limit, damaged, cut) must give exactly what
/// it gives alone, and every pooled array the scan takes must go back once: a buffer returned twice
/// is shared by two later files, which is how a bad file used to corrupt the next one.
/// </summary>
internal static class GoodAfterBad
{
    public const string GoodName = "b-good.ndjson";

    /// <summary>Clean generated NDJSON with detections planted in it.</summary>
    public static string GoodFile(int seed = 5, int bytes = 200_000) => string.Join("\n",
        CorpusGenerator.Records(new GeneratorOptions(seed, bytes, PlantRate: 0.05, Adversarial: false))
            .Select(r => Encoding.UTF8.GetString(r.Json))) + "\n";

    /// <summary>The detections with their file's name only (the scans read different folders).</summary>
    public static List<Detection> Named(ScanResult r) => r.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }).ToList();

    /// <summary>
    /// Scans the good file alone, then <paramref name="runs"/> times after <paramref name="badName"/>
    /// (named to sort first), with the options <paramref name="options"/> makes for a folder; checks
    /// the good file's counts and detections and the pool, and hands the bad file's summary to
    /// <paramref name="checkBad"/>. <paramref name="allThreads"/>: watch the engine's threads too.
    /// Unless <paramref name="badMayDetect"/> (a damaged copy of a good file), every detection must
    /// come from the good file: a bad file that yields one has read bytes that are not its own.
    /// </summary>
    public static void Check(string badName, byte[] bad, Func<string, ScanOptions> options, bool allThreads, int runs = 1,
        Action<FileSummary>? checkBad = null, int goodBytes = 200_000, bool badMayDetect = false)
    {
        using var alone = new TempDir();
        using var after = new TempDir();
        string good = GoodFile(bytes: goodBytes);
        File.WriteAllText(Path.Combine(alone.Path, GoodName), good);
        File.WriteAllBytes(Path.Combine(after.Path, badName), bad);
        File.WriteAllText(Path.Combine(after.Path, GoodName), good);

        using var expected = HuntScanner.Run(options(alone.Path));
        var e = expected.Summary.Files.Single();
        Assert.Equal(0, e.Malformed);
        Assert.NotEmpty(expected.Detections);
        for (int run = 0; run < runs; run++)
        {
            ScanResult scanned;
            List<(int, int, int)> twice;
            List<(int, int)> outstanding;
            using (var pool = new PoolTracker(allThreads))
            {
                scanned = HuntScanner.Run(options(after.Path));
                twice = pool.ReturnedTwice;
                outstanding = pool.Outstanding;
            }
            using var r = scanned;
            Assert.Empty(twice);
            Assert.Empty(outstanding);
            checkBad?.Invoke(r.Summary.Files[0]);
            var g = r.Summary.Files[1];
            Assert.Equal((e.RecordsFramed, e.RecordsParsed, e.Malformed, e.Error), (g.RecordsFramed, g.RecordsParsed, g.Malformed, g.Error));
            Assert.Equal(Named(expected), Named(r).Where(d => !badMayDetect || d.SourceFile == GoodName).ToList());
        }
    }
}
