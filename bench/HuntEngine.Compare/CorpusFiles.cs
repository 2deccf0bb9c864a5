using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using HuntEngine.DataGen;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace HuntEngine.Compare;

/// <summary>One corpus file every tool reads: its compression and the decompressed bytes it holds.</summary>
internal sealed record CorpusFile(string Path, Compression Compression, long DecompressedBytes, long DiskBytes);

/// <summary>The files of one mix: the plain NDJSON file, its compressed copies, and the detections planted in it.</summary>
/// <param name="Created">The files this run wrote (not reused from an earlier --keep run): deleted at the end unless --keep.</param>
internal sealed record Corpus(Mix Mix, CorpusFile Plain, IReadOnlyList<CorpusFile> Compressed, IReadOnlyDictionary<string, long> PlantedByType, IReadOnlyList<string> Created);

/// <summary>
/// Generates the corpora with <see cref="CorpusGenerator.WriteFile"/> (one big plain NDJSON file per
/// mix) and compresses copies of that same file, so every copy decompresses to identical bytes.
/// Files already in the work folder from an earlier run with the same options are reused.
/// </summary>
internal static class CorpusFiles
{
    public static string MixName(Mix mix) => mix == Mix.Typical ? "typical" : "teams-heavy";

    /// <summary>
    /// Identifies the generator build (its module version id, which deterministic builds derive from
    /// the code; the generator's project keeps the commit out of it), so a corpus kept with --keep is
    /// regenerated after the generator changes, and only then.
    /// </summary>
    public static string GeneratorVersion { get; } = typeof(CorpusGenerator).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8];

    public static Corpus Prepare(string directory, Mix mix, ComparisonOptions options, TextWriter log)
    {
        string stem = System.IO.Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{MixName(mix)}-{options.SizeBytes}-s{options.Seed}-g{GeneratorVersion}"));
        string plain = stem + ".ndjson";
        string truthPath = stem + ".truth.json";
        Dictionary<string, long> planted;
        var created = new List<string>();
        if (File.Exists(plain) && File.Exists(truthPath))
        {
            log.WriteLine($"  reusing {plain}");
            planted = JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(truthPath)) ?? [];
        }
        else
        {
            log.WriteLine($"  generating {plain} ({options.SizeText}, seed {options.Seed}, {MixName(mix)} mix)");
            var truth = CorpusGenerator.WriteFile(plain, Container.Ndjson, Compression.None,
                new GeneratorOptions(options.Seed, options.SizeBytes, mix), System.IO.Path.GetFileName(plain));
            planted = truth.GroupBy(t => t.DetectionType).ToDictionary(g => g.Key, g => (long)g.Count());
            File.WriteAllText(truthPath, JsonSerializer.Serialize(planted));
            created.Add(plain);
            created.Add(truthPath);
        }
        long bytes = new FileInfo(plain).Length;
        // The corpus stands for an archive: hunt maps plain files only when they were not written in
        // the last minute (a live log may shrink under a mapping), and the runs start sooner than that.
        File.SetLastWriteTimeUtc(plain, DateTime.UtcNow.AddHours(-1));
        var compressed = new List<CorpusFile>();
        if (options.Compressed)
        {
            Compression[] kinds = [Compression.Gzip, Compression.Lz4, Compression.Zstd];
            var paths = kinds.Select(k => plain + Suffix(k)).ToArray();
            Parallel.For(0, kinds.Length, i =>
            {
                if (File.Exists(paths[i])) return;
                lock (log)
                {
                    log.WriteLine($"  compressing {paths[i]}");
                    created.Add(paths[i]);
                }
                CompressCopy(plain, paths[i] + ".part", kinds[i]);
                File.Move(paths[i] + ".part", paths[i], overwrite: true);
            });
            for (int i = 0; i < kinds.Length; i++) compressed.Add(new CorpusFile(paths[i], kinds[i], bytes, new FileInfo(paths[i]).Length));
        }
        return new Corpus(mix, new CorpusFile(plain, Compression.None, bytes, bytes), compressed, planted, created);
    }

    public static string Suffix(Compression c) => c switch
    {
        Compression.Gzip => ".gz",
        Compression.Lz4 => ".lz4",
        Compression.Zstd => ".zst",
        _ => "",
    };

    public static string Name(Compression c) => c switch
    {
        Compression.Gzip => "gzip",
        Compression.Lz4 => "lz4",
        Compression.Zstd => "zstd",
        _ => "plain",
    };

    /// <summary>Each library's default level: what an exporter writing these archives would most likely use.</summary>
    private static void CompressCopy(string source, string target, Compression kind)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using Stream encoder = kind switch
        {
            Compression.Gzip => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            Compression.Lz4 => LZ4Stream.Encode(output, leaveOpen: true),
            Compression.Zstd => new CompressionStream(output, level: 3, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a compression"),
        };
        input.CopyTo(encoder, 1 << 20);
    }
}
