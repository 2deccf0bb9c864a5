using System.Security.Cryptography;
using HuntEngine.DataGen;
using HuntEngine.Tests.Reference;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Aggregates;

/// <summary>
/// The generator's ground truth against the reference hunter (the slow, plain reading of the spec):
/// every planted record fires what the generator says, no near-miss fires, the CSV exports and the
/// Log Analytics rows are read as their kinds, and the GuestInviteBurst scenarios give the bursts the
/// generator computed with the spec's greedy scan. This is the semantic check the generator's own
/// <c>--verify</c> leaves to the test project.
/// </summary>
public sealed class GeneratedArchiveTests
{
    /// <summary>The true bursts every archive plants: 6, 7, 6 across three files, 12, 6 + 6 (the greedy scan goes on), 6 from a null address.</summary>
    private static readonly int[] PlantedBurstSizes = [6, 6, 6, 6, 6, 7, 12];

    private static List<(string, long, string)> Truth(string archive, IEnumerable<PlantedDetection> truth) =>
        truth.Select(t => (Path.Combine(archive, t.RelativePath.Replace('/', Path.DirectorySeparatorChar)), t.Offset, t.DetectionType)).OrderBy(x => x).ToList();

    public static TheoryData<int, Mix, bool> Archives() => new()
    {
        { 41, Mix.Typical, true },
        { 42, Mix.TeamsHeavy, true },
        { 43, Mix.Typical, false },
    };

    [Theory]
    [MemberData(nameof(Archives))]
    public void Ground_truth_equals_the_reference_hunter(int seed, Mix mix, bool adversarial)
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive");
        var truth = CorpusGenerator.WriteArchive(archive, new GeneratorOptions(seed, 2_000_000, mix, PlantRate: 0.03, Adversarial: adversarial));

        var reference = ReferenceHunter.Scan([archive]);
        Assert.Empty(reference.Malformed);
        Assert.Empty(reference.FileErrors);
        Assert.Equal(Truth(archive, truth), reference.Detections.Select(d => (d.SourceFile, d.SourceOffset, d.DetectionType)).OrderBy(x => x).ToList());

        // Every record kind of spec §2 and §7.2 occurs, from JSON files and from CSV exports alike.
        foreach (string kind in new[] { "UAL", "AzureMonitorSignIn", "AzureMonitorAudit", "GraphSignIn", "GraphAudit", "LaOfficeActivity", "LaSigninLogs", "LaAuditLogs", "MdeNetworkStreaming", "MdeNetworkHunting", "LaCommonSecurityLog", "Unknown" })
            Assert.True(reference.RecordsByKind.GetValueOrDefault(kind) > 0, $"no {kind} record");
        var csvKinds = reference.Records.Where(r => r.SourceFile.Contains($"{Path.DirectorySeparatorChar}csv{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(r => r.Row.Kind).ToHashSet();
        Assert.Superset(new HashSet<string> { "UAL", "LaOfficeActivity", "LaSigninLogs", "LaAuditLogs", "LaCommonSecurityLog", "MdeNetworkHunting" }, csvKinds);

        // Each detection type is planted in the CSV exports too.
        var csvTypes = truth.Where(t => t.RelativePath.StartsWith("csv/", StringComparison.Ordinal)).Select(t => t.DetectionType).ToHashSet();
        Assert.Superset(new HashSet<string> { DetectionTypes.TeamsItImpersonation, DetectionTypes.SuspiciousOAuthGrant, DetectionTypes.RiskyGuestSignin, DetectionTypes.CloudStorageExfil }, csvTypes);

        var bursts = reference.Detections.Where(d => d.DetectionType == DetectionTypes.GuestInviteBurst).ToList();
        Assert.Equal(PlantedBurstSizes, bursts.Select(b => b.EventCount).Order().ToArray());
    }

    [Fact]
    public void A_planted_burst_spans_three_files_one_of_them_a_csv_export()
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive");
        CorpusGenerator.WriteArchive(archive, new GeneratorOptions(44, 1_500_000, PlantRate: 0.01));
        var reference = ReferenceHunter.Scan([archive]);
        var events = reference.Records.Where(r => ReferenceHunter.IsGuestInviteEvent(r.Row)).ToList();

        var files = reference.Detections.Where(d => d.DetectionType == DetectionTypes.GuestInviteBurst)
            .Select(b => events.Where(e => e.Row.Username == b.Username && e.Row.SourceIp == b.SourceIp
                    && e.Row.EventTimeMs >= b.EventTimeMs && e.Row.EventTimeMs <= b.WindowEndMs)
                .Select(e => e.SourceFile).Distinct().ToList())
            .ToList();
        Assert.Contains(files, f => f.Count == 3 && f.Any(p => p.EndsWith(".csv.lz4", StringComparison.Ordinal)));
        Assert.Contains(reference.Detections, d => d.DetectionType == DetectionTypes.GuestInviteBurst && d.SourceIp is null);
    }

    [Fact]
    public void The_engine_finds_the_planted_bursts_for_any_threads_and_blocks()
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive");
        var truth = CorpusGenerator.WriteArchive(archive, new GeneratorOptions(47, 1_200_000, PlantRate: 0.02));
        var expected = ReferenceHunter.Scan([archive]).Detections.Where(d => d.DetectionType == DetectionTypes.GuestInviteBurst).ToList();
        Assert.Equal(PlantedBurstSizes.Length, expected.Count);
        Assert.Equal(Truth(archive, truth.Where(t => t.DetectionType == DetectionTypes.GuestInviteBurst)),
            expected.Select(d => (d.SourceFile, d.SourceOffset, d.DetectionType)).OrderBy(x => x).ToList());
        foreach (var (threads, block) in new[] { (1, 4 << 20), (4, 4096), (8, 777) })
        {
            var engine = HuntEngine.Scanning.HuntScanner.Run(new HuntEngine.Scanning.ScanOptions { Paths = [archive], Threads = threads, BlockBytes = block });
            Assert.Equal(expected, engine.Detections.Where(d => d.DetectionType == DetectionTypes.GuestInviteBurst).ToList());
        }
    }

    [Theory]
    [InlineData(Container.UalCsvPowerShell, Compression.None)]
    [InlineData(Container.UalCsvPurview, Compression.Gzip)]
    [InlineData(Container.SentinelCsvOfficeActivity, Compression.Zstd)]
    [InlineData(Container.SentinelCsvSigninLogs, Compression.None)]
    [InlineData(Container.SentinelCsvAuditLogs, Compression.Lz4)]
    [InlineData(Container.SentinelCsvCommonSecurityLog, Compression.None)]
    [InlineData(Container.SentinelCsvDeviceNetworkEvents, Compression.Gzip)]
    public void Each_csv_export_alone_matches_the_reference(Container container, Compression compression)
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "export.csv");
        var truth = CorpusGenerator.WriteFile(path, container, compression, new GeneratorOptions(45, 400_000, PlantRate: 0.05), "export.csv");
        var reference = ReferenceHunter.Scan([path]);
        Assert.Empty(reference.Malformed);
        Assert.True(reference.Records.Count > 50);
        Assert.NotEmpty(truth);
        Assert.Equal(truth.Select(t => (path, t.Offset, t.DetectionType)).OrderBy(x => x).ToList(),
            reference.Detections.Select(d => (d.SourceFile, d.SourceOffset, d.DetectionType)).OrderBy(x => x).ToList());
        // A CSV record's offset is its row's first byte, never a '{'.
        byte[] data = ReferenceHunter.Decompress(File.ReadAllBytes(path), path, []);
        Assert.All(truth, t => Assert.True(data[t.Offset - 1] == (byte)'\n' && data[t.Offset] != (byte)'{'));
    }

    [Fact]
    public void The_same_seed_writes_the_same_bytes()
    {
        using var dir = new TempDir();
        var options = new GeneratorOptions(46, 600_000, PlantRate: 0.02);
        var a = CorpusGenerator.WriteArchive(Path.Combine(dir.Path, "a"), options);
        var b = CorpusGenerator.WriteArchive(Path.Combine(dir.Path, "b"), options);
        Assert.Equal(a, b);
        Assert.Equal(Digests(Path.Combine(dir.Path, "a")), Digests(Path.Combine(dir.Path, "b")));
    }

    private static List<(string, string)> Digests(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(root, f), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))).ToList();
}
