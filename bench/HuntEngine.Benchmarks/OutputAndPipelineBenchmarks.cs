using BenchmarkDotNet.Attributes;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Sinks;

namespace HuntEngine.Benchmarks;

/// <summary>Arrow write: ArrowFileSink.Write of N detections (real ones, from a planted corpus) to a reused MemoryStream. MB/s is of the Arrow file written.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("ArrowWrite")]
public class WriteDetectionsArrow
{
    private static readonly Dictionary<int, (List<Detection> Detections, long Bytes)> Cache = new();
    private List<Detection> _detections = [];
    private readonly MemoryStream _stream = new();

    [Params(1_000, 10_000)]
    public int Detections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _detections = Load(Detections).Detections;
        _stream.Capacity = (int)Load(Detections).Bytes + (1 << 20);
    }

    [Benchmark]
    public long WriteArrowFile()
    {
        _stream.SetLength(0);
        ArrowFileSink.Write(_stream, _detections, OutputCompression.None);
        return _stream.Length;
    }

    public static long BytesPerOperation(IReadOnlyDictionary<string, object> p) => Load((int)p[nameof(Detections)]).Bytes;

    public static long RecordsPerOperation(IReadOnlyDictionary<string, object> p) => (int)p[nameof(Detections)];

    /// <summary>
    /// Detections as the scanner makes them: a small corpus where half the records are planted, scanned
    /// in process, then repeated (with distinct offsets) up to <paramref name="count"/>.
    /// </summary>
    private static (List<Detection> Detections, long Bytes) Load(int count)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(count, out var hit)) return hit;
            string path = Path.Combine(Path.GetTempPath(), "huntengine-bench", $"planted-{BenchCorpus.Seed}-g{BenchCorpus.GeneratorVersion}.ndjson");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path))
            {
                string part = $"{path}.{Environment.ProcessId}.part";
                CorpusGenerator.WriteFile(part, Container.Ndjson, Compression.None, new GeneratorOptions(BenchCorpus.Seed, 2 << 20, Mix.Typical, PlantRate: 0.5), "planted.ndjson");
                File.Move(part, path, overwrite: true);
            }
            var found = HuntScanner.Run(new ScanOptions { Paths = [path], Threads = 1 }).Detections;
            var detections = Enumerable.Range(0, count).Select(i => found[i % found.Count] with { SourceOffset = i }).ToList();
            using var measure = new MemoryStream();
            ArrowFileSink.Write(measure, detections, OutputCompression.None);
            var entry = (detections, measure.Length);
            Cache[count] = entry;
            return entry;
        }
    }
}

/// <summary>The whole in-process pipeline: HuntScanner.Run over the corpus file (page cache hot), 1 and 2 worker threads, with and without the prefilter (<c>hunt --no-prefilter</c>); no output file.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Pipeline")]
public class HuntFile : CorpusBenchmark
{
    private string _path = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(true, false)]
    public bool Prefilter { get; set; }

    [GlobalSetup]
    public void Setup() => _path = BenchCorpus.PathOf(Mix);

    [Benchmark]
    public int ScanFileInProcess() => HuntScanner.Run(new ScanOptions { Paths = [_path], Threads = Threads, Prefilter = Prefilter }).Detections.Count;
}
