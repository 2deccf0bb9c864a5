using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Scanning;

/// <summary>
/// Threads hand blocks to each other only when one runs out of files, so which thread processes a
/// block depends on the number of threads, the files and the timing. None of it may change the
/// result: every thread count must give what one thread gives, to the bad record.
/// </summary>
public sealed class ThreadCountTests
{
    [Fact]
    public void Every_thread_count_gives_what_one_thread_gives()
    {
        var records = CorpusGenerator.Records(new GeneratorOptions(23, 900_000, PlantRate: 0.03, Adversarial: true))
            .Select(r => Encoding.UTF8.GetString(r.Json)).ToList();
        int third = records.Count / 3;
        string Lines(IEnumerable<string> rs) => string.Join("\n", rs) + "\n";
        var damaged = new List<string>();
        for (int i = 0; i < third; i++)
        {
            damaged.Add(records[i]);
            if (i % 97 == 0) damaged.Add(i % 2 == 0 ? "{\"Operation\":\"MessageSent\",\"broken" : "[1,2,3]");
        }
        var files = new Dictionary<string, byte[]>
        {
            // One file large enough for every thread to share it block by block.
            ["big.ndjson"] = Encoding.UTF8.GetBytes(Lines(records)),
            ["damaged.ndjson"] = Encoding.UTF8.GetBytes(Lines(damaged)),
            ["a.ndjson.gz"] = Codecs.Compress(Encoding.UTF8.GetBytes(Lines(records.Take(third))), Codec.Gzip, members: 2),
            ["b.json.lz4"] = Codecs.Compress(Encoding.UTF8.GetBytes("[" + string.Join(",\n", records.Skip(third).Take(third)) + "]"), Codec.Lz4),
            ["c.json.zst"] = Codecs.Compress(Encoding.UTF8.GetBytes("{\"value\":[" + string.Join(",", records.Skip(2 * third)) + "]}"), Codec.Zstd),
        };
        // Many small files, so threads run out of files at different moments.
        for (int i = 0; i < 30; i++) files[$"small{i:D2}.ndjson"] = Encoding.UTF8.GetBytes(Lines(records.Skip(i * 40).Take(40)));

        using var dir = new TempDir();
        foreach (var (name, content) in files) File.WriteAllBytes(Path.Combine(dir.Path, name), content);
        ScanResult Scan(int threads) => HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = threads, BlockBytes = 4096, MapEveryFile = true });
        using var one = Scan(1);
        Assert.NotEmpty(one.Detections);
        Assert.True(one.Summary.Malformed > 0);
        foreach (int threads in new[] { 2, 3, 5, 8 })
        {
            using var many = Scan(threads);
            Assert.Equal(one.Detections, many.Detections);
            Assert.Equal(one.Summary.RecordsByKind, many.Summary.RecordsByKind);
            Assert.Equal(Accounting(one.Summary), Accounting(many.Summary));
        }
    }

    /// <summary>Per file, everything counted about it.</summary>
    private static List<string> Accounting(ScanSummary s) =>
        s.Files.Select(f => string.Join("|",
            f.Path, f.Container, f.Compression, f.RecordsFramed, f.RecordsParsed, f.RecordsCleared, f.Malformed, f.Oversized,
            f.DecompressedBytes, f.DecompressedBytesConsumed, f.CompressedBytes, f.Error, f.ErrorOffset,
            string.Join(";", f.MalformedSamples.Select(b => $"{b.Offset}:{b.Reason}")))).ToList();
}
