using BenchmarkDotNet.Attributes;
using HuntEngine.Batches;
using HuntEngine.DataGen;
using HuntEngine.Framing;
using HuntEngine.Matching;
using HuntEngine.Parsing;

namespace HuntEngine.Benchmarks;

/// <summary>Shared by the stage benchmarks that read the whole corpus: MB/s and records/s are per corpus.</summary>
public abstract class CorpusBenchmark
{
    [Params(Mix.Typical, Mix.TeamsHeavy)]
    public Mix Mix { get; set; }

    public static long BytesPerOperation(IReadOnlyDictionary<string, object> p) => BenchCorpus.Bytes((Mix)p[nameof(Mix)]).Length;

    public static long RecordsPerOperation(IReadOnlyDictionary<string, object> p) => BenchCorpus.Records((Mix)p[nameof(Mix)]);
}

/// <summary>
/// Framing: JsonStreamFramer over a MemoryStream of the corpus, counting the frames it emits. For
/// NDJSON the framer only cuts at the last newline of each read (one LineChunk frame per read) and
/// the workers split lines, so that splitting is measured in <see cref="ParseAndNormalizeRecords"/>.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Framing")]
public class FrameRecords : CorpusBenchmark
{
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup() => _bytes = BenchCorpus.Bytes(Mix);

    [Benchmark]
    public long FrameNdjsonFromMemory()
    {
        long frames = 0;
        BenchCorpus.Frame(_bytes, block =>
        {
            frames += block.Frames.Count;
            block.Release();
        });
        return frames;
    }
}

/// <summary>Parse + normalize: for every record of pre-framed blocks (line chunks split as the worker splits them), RecordParser.Parse, then RecordNormalizer.Classify/AppendRow into a NormalizedBatch cleared per block.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Parsing")]
public class ParseAndNormalizeRecords : CorpusBenchmark
{
    private List<RecordBlock>? _blocks;
    private RecordParser _parser = null!;
    private RecordNormalizer _normalizer = null!;
    private readonly NormalizedBatch _batch = new();

    [GlobalSetup]
    public void Setup()
    {
        _blocks = BenchCorpus.FramedBlocks(Mix);
        _parser = new RecordParser(FieldPlan.Default, FramingLimits.Default.MaxDepth);
        _normalizer = new RecordNormalizer(_parser, KindCatalog.Kinds);
        ParseNormalizeEveryRecord(); // grow the batch and arena once, as a long scan would
    }

    [GlobalCleanup]
    public void Cleanup() => BenchCorpus.Release(_blocks);

    [Benchmark]
    public long ParseNormalizeEveryRecord()
    {
        long rows = 0;
        foreach (var block in _blocks!)
            rows += Normalize(block, _parser, _normalizer, _batch);
        return rows;
    }

    /// <summary>What ScanWorker.Process does before matching: the batch is cleared per block.</summary>
    internal static int Normalize(RecordBlock block, RecordParser parser, RecordNormalizer normalizer, NormalizedBatch batch)
    {
        batch.Clear();
        batch.Source = block.Memory;
        parser.UseBlock(block.Memory);
        var records = new BlockRecords(block);
        while (records.Next(out int start, out int length, out long offset))
        {
            if (parser.Parse(start, length) != ParseOutcome.Ok) continue;
            var kind = normalizer.Classify();
            normalizer.AppendRow(batch, kind, offset, start, length);
        }
        return batch.Count;
    }
}

/// <summary>Match: BatchMatcher.Match (the §3 and §7 patterns and the burst events) over pre-built normalized batches, one per block.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Matching")]
public class MatchBatches : CorpusBenchmark
{
    private List<RecordBlock>? _blocks;
    private readonly List<NormalizedBatch> _batches = new();
    private readonly BatchMatcher _matcher = new(CompiledPatterns.Default, window: null);

    [GlobalSetup]
    public void Setup()
    {
        _blocks = BenchCorpus.FramedBlocks(Mix);
        var parser = new RecordParser(FieldPlan.Default, FramingLimits.Default.MaxDepth);
        var normalizer = new RecordNormalizer(parser, KindCatalog.Kinds);
        foreach (var block in _blocks)
        {
            var batch = new NormalizedBatch();
            ParseAndNormalizeRecords.Normalize(block, parser, normalizer, batch);
            _batches.Add(batch);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => BenchCorpus.Release(_blocks);

    [Benchmark]
    public int MatchAllPatterns()
    {
        // The burst pattern's events go to a temporary file, as in a scan; the detections stay in memory (within the budget).
        using var detections = new DetectionLog(Path.GetTempPath(), long.MaxValue);
        using var events = new AggregateEventLog(Path.GetTempPath());
        var counters = default(MatchCounters);
        foreach (var batch in _batches) _matcher.Match(batch, "bench.ndjson", detections, events, ref counters);
        return detections.Count;
    }
}

/// <summary>
/// Prefilter: RecordPrefilter.Default.MayMatch over the raw bytes of every record (the test the
/// worker runs before parsing), and the prefilter followed by parse + normalize of the records it
/// lets through, to compare with <see cref="ParseAndNormalizeRecords"/> (which parses all).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Prefilter")]
public class PrefilterRecords : CorpusBenchmark
{
    private List<RecordBlock>? _blocks;
    private RecordParser _parser = null!;
    private RecordNormalizer _normalizer = null!;
    private readonly NormalizedBatch _batch = new();
    private RecordPrefilter _prefilter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _blocks = BenchCorpus.FramedBlocks(Mix);
        _parser = new RecordParser(FieldPlan.Default, FramingLimits.Default.MaxDepth);
        _normalizer = new RecordNormalizer(_parser, KindCatalog.Kinds);
        // Tuned to the first block, as each scan worker tunes its own.
        _prefilter = RecordPrefilter.Default.TunedTo(_blocks[0].Memory.Span.Slice(0, Math.Min(_blocks[0].Length, 256 << 10)));
        PrefilterThenParseSurvivors();
    }

    [GlobalCleanup]
    public void Cleanup() => BenchCorpus.Release(_blocks);

    /// <summary>Returns how many records may match (the rest are cleared without parsing).</summary>
    [Benchmark]
    public long PrefilterEveryRecord()
    {
        long pass = 0;
        foreach (var block in _blocks!)
        {
            var records = new BlockRecords(block);
            while (records.Next(out int start, out int length, out _))
                if (_prefilter.MayMatch(block.Memory.Span.Slice(start, length))) pass++;
        }
        return pass;
    }

    /// <summary>
    /// What the worker does with a run of NDJSON lines: one screen search across the block, repeated
    /// only past a record with a hit (<see cref="ScreenSweep"/>), and the full test on those records.
    /// (Here every record of the block is swept, including <c>Record</c> frames, which the worker
    /// screens one at a time; the NDJSON corpus has none.)
    /// </summary>
    [Benchmark]
    public long SweepBlocksThenTestHits()
    {
        long pass = 0;
        foreach (var block in _blocks!)
        {
            var sweep = new ScreenSweep();
            var records = new BlockRecords(block);
            while (records.Next(out int start, out int length, out _))
                if (!sweep.Clears(_prefilter, block.Memory.Span.Slice(0, block.Length), start, length) && _prefilter.MayMatch(block.Memory.Span.Slice(start, length))) pass++;
        }
        return pass;
    }

    [Benchmark]
    public long PrefilterThenParseSurvivors()
    {
        long rows = 0;
        foreach (var block in _blocks!)
        {
            _batch.Clear();
            _batch.Source = block.Memory;
            _parser.UseBlock(block.Memory);
            var records = new BlockRecords(block);
            while (records.Next(out int start, out int length, out long offset))
            {
                if (!_prefilter.MayMatch(block.Memory.Span.Slice(start, length))) continue;
                if (_parser.Parse(start, length) != ParseOutcome.Ok) continue;
                _normalizer.AppendRow(_batch, _normalizer.Classify(), offset, start, length);
            }
            rows += _batch.Count;
        }
        return rows;
    }
}
