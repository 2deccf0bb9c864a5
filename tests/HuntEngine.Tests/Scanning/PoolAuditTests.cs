using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;
using Xunit.Abstractions;

namespace HuntEngine.Tests.Scanning;

[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class PoolAuditTests(ITestOutputHelper log)
{
    private static string GoodFile() => string.Join("\n",
        CorpusGenerator.Records(new GeneratorOptions(5, 200_000, PlantRate: 0.05, Adversarial: false))
            .Select(r => Encoding.UTF8.GetString(r.Json))) + "\n";

    public static IEnumerable<object[]> Inputs() =>
        from kind in new[] { "ndjson", "array", "wrapper", "pretty", "csv", "ual", "ndjson-oversized", "array-oversized", "csv-oversized", "pretty-oversized", "wrapper-oversized" }
        from codec in new[] { "None", "Gzip", "Lz4", "Zstd" }
        from mapped in new[] { false, true }
        where !mapped || codec == "None"
        select new object[] { kind, codec, mapped };

    internal static byte[] Bad(string kind)
    {
        var sb = new StringBuilder();
        string big = new string('x', 1500);
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
            case "array":
                sb.Append('[');
                for (int i = 0; i < 3000; i++) sb.Append(i).Append(",\n");
                sb.Append("{}]\n");
                break;
            case "array-oversized":
                sb.Append('[');
                for (int i = 0; i < 300; i++) sb.Append("{\"big\":\"").Append(big).Append("\"},\n");
                sb.Append("{}]\n");
                break;
            case "wrapper":
                sb.Append("{\"value\":[");
                for (int i = 0; i < 3000; i++) sb.Append(i).Append(",\n");
                sb.Append("{}]}\n");
                break;
            case "wrapper-oversized":
                sb.Append("{\"value\":[");
                for (int i = 0; i < 300; i++) sb.Append("{\"big\":\"").Append(big).Append("\"},\n");
                sb.Append("{}]}\n");
                break;
            case "pretty":
                for (int i = 0; i < 1000; i++) sb.Append("{\n  \"a\": ").Append(i).Append(",\n  \"b\": [\n}\n");
                break;
            case "pretty-oversized":
                for (int i = 0; i < 300; i++)
                {
                    sb.Append("{\n  \"a\": ").Append(i).Append(",\n");
                    for (int k = 0; k < 30; k++) sb.Append("  \"b").Append(k).Append("\": \"").Append(big, 0, 60).Append("\",\n");
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

    private static List<Detection> Named(ScanResult r) => r.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }).ToList();

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Audit(string kind, string codec, bool mapped)
    {
        using var alone = new TempDir();
        using var after = new TempDir();
        string good = GoodFile();
        File.WriteAllText(Path.Combine(alone.Path, "b-good.ndjson"), good);
        File.WriteAllBytes(Path.Combine(after.Path, "a-bad.bin"), Encode(Bad(kind), codec));
        File.WriteAllText(Path.Combine(after.Path, "b-good.ndjson"), good);
        ScanOptions Options(string p) => new()
        {
            Paths = [p], Threads = 1, BlockBytes = 4096, MaxRecordBytes = 1024, MaxErrorsPerFile = 5,
            MemoryMap = mapped, MapEveryFile = mapped,
        };
        using var expected = HuntScanner.Run(Options(alone.Path));
        ScanResult r;
        List<(int, int, int)> twice;
        List<(int, int)> outstanding;
        using (var t = new PoolTracker())
        {
            r = HuntScanner.Run(Options(after.Path));
            twice = t.ReturnedTwice;
            outstanding = t.Outstanding;
        }
        using (r)
        {
            var bad = r.Summary.Files[0];
            log.WriteLine($"{kind} {codec} mapped={mapped}: error={bad.Error} malformed={bad.Malformed} oversized={bad.Oversized} container={bad.Container}");
            log.WriteLine($"twice: {string.Join(", ", twice)}; outstanding: {string.Join(", ", outstanding)}");
            if (kind != "pretty-oversized") Assert.Contains("more than 5 bad records", bad.Error);
            var e = expected.Summary.Files.Single();
            var g = r.Summary.Files[1];
            Assert.Equal((e.RecordsFramed, e.RecordsParsed, e.Malformed, e.Error), (g.RecordsFramed, g.RecordsParsed, g.Malformed, g.Error));
            Assert.Equal(Named(expected), Named(r));
            Assert.Empty(twice);
            Assert.Empty(outstanding);
        }
    }
}
