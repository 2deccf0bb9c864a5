using HuntEngine.Batches;
using HuntEngine.Framing;
using HuntEngine.Matching;
using HuntEngine.Parsing;

namespace HuntEngine.Scanning;

/// <summary>
/// One worker's pipeline over blocks: parse → normalize into a batch → match. Owns its parser,
/// batch and matcher, and keeps its results and counts privately so the hot path takes no locks;
/// <see cref="HuntScanner"/> merges them when all blocks are done.
/// </summary>
internal sealed class ScanWorker
{
    private readonly RecordParser _parser;
    private readonly RecordNormalizer _normalizer;
    private readonly NormalizedBatch _batch = new();
    private readonly BatchMatcher _matcher;
    private readonly ScanContext _context;
    private readonly RecordPrefilter? _prefilter;
    private char[] _prefilterScratch = new char[4096];

    public ScanWorker(ScanContext context)
    {
        _context = context;
        _parser = new RecordParser(FieldPlan.Default, context.Options.MaxDepth);
        _normalizer = new RecordNormalizer(_parser, KindCatalog.Kinds);
        _matcher = new BatchMatcher(CompiledPatterns.Default, context.Options.Window);
        _prefilter = context.Options.Prefilter ? RecordPrefilter.Default : null;
    }

    public List<Detection> Detections { get; } = new();
    public List<Detection> AggregateEvents { get; } = new();
    public long[] RecordsByKind { get; } = new long[RecordKinds.Count];
    public MatchCounters Counters;

    /// <summary>Processes one block; the caller releases it.</summary>
    public void Process(RecordBlock block)
    {
        var file = _context.Files[block.FileIndex];
        _batch.Clear();
        _batch.Source = block.Buffer;
        _batch.FileIndex = block.FileIndex;
        _normalizer.UsPortalTimestamps = block.UsPortalTimestamps;
        long parsed = 0, cleared = 0, malformed = 0, oversized = 0;
        foreach (ref readonly var f in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(block.Frames))
        {
            switch (f.Kind)
            {
                case FrameKind.Record:
                    if (_prefilter is not null && !_prefilter.MayMatch(block.Buffer.AsSpan(f.Start, f.Length), ref _prefilterScratch))
                    {
                        cleared++;
                        break;
                    }
                    var outcome = _parser.Parse(block.Buffer, f.Start, f.Length);
                    if (outcome == ParseOutcome.Ok)
                    {
                        var kind = _normalizer.Classify();
                        _normalizer.AppendRow(_batch, kind, f.Offset, f.Start, f.Length);
                        RecordsByKind[(int)kind]++;
                        parsed++;
                    }
                    else
                    {
                        malformed++;
                        _context.ReportBad(file, f.Offset, outcome switch
                        {
                            ParseOutcome.InvalidUtf8 => "invalid UTF-8",
                            ParseOutcome.NotAnObject => "valid JSON but not an object",
                            _ => "invalid JSON: " + _parser.LastError,
                        });
                    }
                    break;
                case FrameKind.Malformed:
                    malformed++;
                    _context.ReportBad(file, f.Offset, FrameReasons.Describe(f.Reason));
                    break;
                case FrameKind.Oversized:
                    oversized++;
                    _context.ReportBad(file, f.Offset, $"{FrameReasons.Describe(f.Reason)} ({f.SkippedBytes} bytes, limit {_context.Options.MaxRecordBytes})");
                    break;
            }
        }
        Interlocked.Add(ref file.RecordsFramed, block.Frames.Count);
        Interlocked.Add(ref file.RecordsParsed, parsed);
        Interlocked.Add(ref file.RecordsCleared, cleared);
        Interlocked.Add(ref file.Malformed, malformed);
        Interlocked.Add(ref file.Oversized, oversized);
        if (_batch.Count > 0) _matcher.Match(_batch, file.Path, Detections, AggregateEvents, ref Counters);
    }
}

/// <summary>What every worker and framer of one scan shares: the options and the per-file accounting.</summary>
internal sealed class ScanContext(ScanOptions options, FileSummary[] files)
{
    public ScanOptions Options { get; } = options;
    public FileSummary[] Files { get; } = files;

    /// <summary>Keeps the first bad records of a file by offset (rare, so a lock is fine here).</summary>
    public void ReportBad(FileSummary file, long offset, string reason)
    {
        lock (file.Samples)
        {
            var samples = file.Samples;
            if (samples.Count >= Options.MalformedSamplesPerFile && offset >= samples[^1].Offset) return;
            int at = samples.FindIndex(s => s.Offset > offset);
            samples.Insert(at < 0 ? samples.Count : at, new BadRecord(file.Path, offset, reason));
            if (samples.Count > Options.MalformedSamplesPerFile) samples.RemoveAt(samples.Count - 1);
        }
    }
}
