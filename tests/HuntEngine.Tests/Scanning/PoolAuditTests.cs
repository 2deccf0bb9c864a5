using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;
using Xunit.Abstractions;

namespace HuntEngine.Tests.Scanning;

[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class PoolAuditTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> Inputs() =>
        from kind in new[] { "ndjson", "array", "wrapper", "pretty", "csv", "ual", "ndjson-oversized", "array-oversized", "csv-oversized", "pretty-oversized", "wrapper-oversized" }
        from codec in new[] { "None", "Gzip", "Lz4", "Zstd" }
        from mapped in new[] { false, true }
        where !mapped || codec == "None"
        select new object[] { kind, codec, mapped };

    internal static byte[] Bad(string kind)
    {
        var sb = new StringBuilder();
        string big = new string('x', 5000); // past the tests' 4 KiB record limit
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
            case "array" or "array-oversized" or "wrapper" or "wrapper-oversized":
                // Elements that are not objects (a bad record each), or objects over the record limit.
                bool wrapper = kind.StartsWith("wrapper", StringComparison.Ordinal);
                sb.Append(wrapper ? "{\"value\":[" : "[");
                if (kind.EndsWith("oversized", StringComparison.Ordinal))
                    for (int i = 0; i < 300; i++) sb.Append("{\"big\":\"").Append(big).Append("\"},\n");
                else
                    for (int i = 0; i < 3000; i++) sb.Append(i).Append(",\n");
                sb.Append(wrapper ? "{}]}\n" : "{}]\n");
                break;
            case "pretty":
                for (int i = 0; i < 1000; i++) sb.Append("{\n  \"a\": ").Append(i).Append(",\n  \"b\": [\n}\n");
                break;
            case "pretty-oversized":
                for (int i = 0; i < 300; i++)
                {
                    sb.Append("{\n  \"a\": ").Append(i).Append(",\n");
                    for (int k = 0; k < 80; k++) sb.Append("  \"b").Append(k).Append("\": \"").Append(big, 0, 60).Append("\",\n");
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

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Audit(string kind, string codec, bool mapped) =>
        GoodAfterBad.Check("a-bad.bin", Encode(Bad(kind), codec), p => new ScanOptions
        {
            Paths = [p], Threads = 1, BlockBytes = 4096, MaxRecordBytes = 4096, MaxErrorsPerFile = 5,
            MemoryMap = mapped, MapEveryFile = mapped,
        }, allThreads: false, checkBad: bad =>
        {
            log.WriteLine($"{kind} {codec} mapped={mapped}: error={bad.Error} malformed={bad.Malformed} oversized={bad.Oversized} container={bad.Container}");
            if (kind != "pretty-oversized") Assert.Contains("more than 5 bad records", bad.Error);
        });
}
