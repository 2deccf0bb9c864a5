using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Parsing;
using HuntEngine.Scanning;
using HuntEngine.Tests.Reference;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Differential;

/// <summary>
/// The engine against the deliberately simple reference (JsonDocument + the rules written plainly)
/// and against the generator's ground truth, on generated archives with adversarial records, under
/// different thread counts and block sizes. Every record's columns are compared, not only the
/// detections.
/// </summary>
public sealed class DifferentialTests
{
    public static TheoryData<int, Mix> Seeds() => new() { { 11, Mix.Typical }, { 12, Mix.TeamsHeavy }, { 13, Mix.Typical } };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_archive_engine_equals_reference_and_ground_truth(int seed, Mix mix)
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "archive");
        var truth = CorpusGenerator.WriteArchive(archive, new GeneratorOptions(seed, 1_500_000, mix, PlantRate: 0.03, Adversarial: true));

        var reference = ReferenceHunter.Scan([archive]);
        Assert.Empty(reference.Malformed);
        var wide = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 2 });
        var narrow = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 3, BlockBytes = 8192 });
        var full = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 2, Prefilter = false });
        // One thread frames and processes each block in turn on the caller's thread.
        var one = HuntScanner.Run(new ScanOptions { Paths = [archive], Threads = 1, BlockBytes = 8192 });

        Assert.Equal(reference.Detections, wide.Detections);
        Assert.Equal(reference.Detections, narrow.Detections);
        Assert.Equal(reference.Detections, full.Detections);
        Assert.Equal(reference.Detections, one.Detections);
        Assert.Equal(wide.Summary.RecordsByKind, one.Summary.RecordsByKind);
        Assert.Equal((wide.Summary.RecordsFramed, wide.Summary.RecordsParsed, wide.Summary.RecordsCleared),
            (one.Summary.RecordsFramed, one.Summary.RecordsParsed, one.Summary.RecordsCleared));
        Assert.True(wide.Summary.RecordsCleared > 0);
        Assert.Equal(0, full.Summary.RecordsCleared);
        Assert.Equal(wide.Summary.RecordsFramed, wide.Summary.RecordsParsed + wide.Summary.RecordsCleared);
        Assert.Equal(
            truth.Select(t => (Path.Combine(archive, t.RelativePath.Replace('/', Path.DirectorySeparatorChar)), t.Offset, t.DetectionType)).OrderBy(x => x).ToList(),
            wide.Detections.Select(d => (d.SourceFile, d.SourceOffset, d.DetectionType)).OrderBy(x => x).ToList());
        Assert.True(truth.Count > 20);
        Assert.Equal(reference.Records.Count, full.Summary.RecordsParsed);
        Assert.False(wide.Summary.HadBadInput);
        foreach (var (kind, count) in reference.RecordsByKind)
            Assert.Equal(count, full.Summary.RecordsByKind[ReferenceKinds.EngineName(kind)]);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Every_record_normalizes_like_the_reference_even_disguised(int seed)
    {
        var disguise = new JsonDisguise(new Random(seed));
        int compared = 0, detections = 0;
        foreach (var (json, expected) in CorpusGenerator.Records(new GeneratorOptions(seed, 1_000_000, PlantRate: 0.06)))
        {
            string text = Encoding.UTF8.GetString(json);
            foreach (var variant in new[] { text, disguise.Rewrite(text) })
            {
                var mine = EngineProbe.Normalize(variant);
                var theirs = ReferenceHunter.Normalize(variant);
                Assert.Equal(theirs.Kind, ReferenceKinds.Label(mine.Kind));
                Assert.Equal(theirs.EventTimeMs, mine[Column.EventTime]);
                Assert.Equal(theirs.Username, mine[Column.Username]);
                Assert.Equal(theirs.SourceIp, mine[Column.SourceIp]);
                Assert.Equal(theirs.EventName, mine[Column.EventName]);
                Assert.Equal(theirs.LogSourceType, mine[Column.LogSourceType]);
                Assert.Equal(theirs.AppName, mine[Column.AppName]);
                Assert.Equal(theirs.AppDisplayName, mine[Column.AppDisplayName]);
                Assert.Equal(theirs.UserType, mine[Column.UserType]);
                Assert.Equal(theirs.RiskLevel, mine[Column.RiskLevel]);
                Assert.Equal(theirs.TargetUser, mine[Column.TargetUser]);
                Assert.Equal(theirs.RemoteHost, mine[Column.RemoteHost]);
                Assert.Equal(theirs.ProcessName, mine[Column.ProcessName]);
                Assert.Equal(theirs.SentBytes, mine[Column.SentBytes]);
                Assert.Equal(theirs.DeviceName, mine[Column.DeviceName]);
                Assert.Equal(ReferenceHunter.SingleRecordLabel(theirs), EngineProbe.Detect(variant));
                Assert.Equal(expected, EngineProbe.Detect(variant));
                compared++;
            }
            if (expected is not null) detections++;
        }
        Assert.True(compared > 500 && detections > 10, $"{compared} records, {detections} planted");
    }

    [Fact]
    public void Disguised_archive_in_every_container_gives_the_same_detections()
    {
        // The same records, disguised, written as NDJSON, array and wrapper, compressed, scanned whole and in tiny blocks.
        var disguise = new JsonDisguise(new Random(5), escapeRate: 0.3, decoyRate: 0.2);
        var records = CorpusGenerator.Records(new GeneratorOptions(31, 400_000, PlantRate: 0.05))
            .Select(r => (Text: disguise.Rewrite(Encoding.UTF8.GetString(r.Json)), r.ExpectedDetection)).ToList();
        var expected = records.Where(r => r.ExpectedDetection is not null).Select(r => (r.Text, r.ExpectedDetection!)).OrderBy(x => x).ToList();
        Assert.NotEmpty(expected);
        var files = new Dictionary<string, byte[]>
        {
            ["a.ndjson.zst"] = Codecs.Compress(Encoding.UTF8.GetBytes(string.Join("\n", records.Select(r => r.Text))), Codec.Zstd, members: 4),
            ["b.json.gz"] = Codecs.Compress(Encoding.UTF8.GetBytes("[\n" + string.Join(",\n", records.Select(r => r.Text)) + "\n]"), Codec.Gzip, members: 3),
            ["c.json.lz4"] = Codecs.Compress(Encoding.UTF8.GetBytes("{\"value\":[" + string.Join(",", records.Select(r => r.Text)) + "]}"), Codec.Lz4, members: 2),
        };
        foreach (var (block, prefilter, threads) in new[] { (4 << 20, true, 3), (1000, true, 3), (4 << 20, false, 3), (1000, true, 1) })
        {
            var result = EngineProbe.ScanFiles(files, o => o with { BlockBytes = block, Threads = threads, Prefilter = prefilter });
            Assert.Equal(0, result.Summary.Malformed);
            foreach (var name in files.Keys)
            {
                var got = result.Detections.Where(d => d.SourceFile.EndsWith(name, StringComparison.Ordinal))
                    .Select(d => (d.Raw!, d.DetectionType)).OrderBy(x => x).ToList();
                Assert.Equal(expected, got);
            }
        }
    }
}
