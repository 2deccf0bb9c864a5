using System.Numerics;
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
internal sealed class ScanWorker : IDisposable
{
    private readonly RecordParser _parser;
    private readonly RecordNormalizer _normalizer;
    private readonly NormalizedBatch _batch = new();
    private readonly BatchMatcher? _matcher; // null in a converting scan: it writes the store and does not hunt (hunt the store for that)
    private readonly ScanContext _context;
    private RecordPrefilter? _prefilter;
    private int _prefilterTunedOn; // bytes of the sample the worker's prefilter was tuned to

    private readonly Sinks.StoreWriter? _store;

    public ScanWorker(ScanContext context, int index)
    {
        if (context.Options.Store is { } store) _store = new Sinks.StoreWriter(store, index);
        _context = context;
        AggregateEvents = new AggregateEventLog(context.Options.TempDirectory);
        Detections = new DetectionLog(context.Options.TempDirectory, context.Options.DetectionMemoryBytes / context.Options.Threads);
        _parser = new RecordParser(FieldPlan.Default, context.Options.MaxDepth);
        _normalizer = new RecordNormalizer(_parser, KindCatalog.Kinds);
        _matcher = _store is null ? new BatchMatcher(CompiledPatterns.Default, context.Options.Window) : null;
        _prefilter = context.Options.Prefilter ? RecordPrefilter.Default : null;
    }

    /// <summary>The detections this worker found (past its share of the memory budget, in a temporary file).</summary>
    public DetectionLog Detections { get; }
    /// <summary>The aggregate patterns' events this worker found (their rows in a temporary file until the bursts are found).</summary>
    public AggregateEventLog AggregateEvents { get; }
    public long[] RecordsByKind { get; } = new long[RecordKinds.Count];
    public MatchCounters Counters;

    /// <summary>Processes one block; the caller releases it.</summary>
    public void Process(RecordBlock block)
    {
        var file = _context.Files[block.FileIndex];
        _batch.Clear();
        _batch.Source = block.Memory;
        _parser.UseBlock(block.Memory);
        _normalizer.UsPortalTimestamps = block.UsPortalTimestamps;
        _counts = default;
        if (block.Stored is { } stored)
        {
            // A store part: the rows are normalized already.
            if (!ReadStored(block.FileIndex, file, stored)) return;
            Interlocked.Add(ref file.RecordsFramed, _batch.Count);
            Interlocked.Add(ref file.RecordsParsed, _batch.Count);
            int storedBefore = Detections.Count;
            _matcher?.Match(_batch, file.Path, Detections, AggregateEvents, ref Counters);
            _context.Options.Progress?.BlockProcessed(_batch.Count, Detections.Count - storedBefore);
            return;
        }
        if (_prefilter is not null && _prefilterTunedOn < TuningSampleBytes / 4 && block.Length > _prefilterTunedOn)
        {
            // The screen's fingerprints are picked from the first block this worker sees, and again
            // from a larger one while the sample is under 64 KiB (many small files).
            _prefilterTunedOn = Math.Min(block.Length, TuningSampleBytes);
            _prefilter = _prefilter.TunedTo(block.Memory.Span[.._prefilterTunedOn]);
        }
        var sweep = new ScreenSweep(); // one screen search across the block's records (ProcessRecord)
        var bytes = block.Memory.Span;
        foreach (ref readonly var f in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(block.Frames))
        {
            switch (f.Kind)
            {
                case FrameKind.LineChunk:
                    ProcessLines(bytes, file, f, ref sweep);
                    break;
                case FrameKind.Record:
                    ProcessRecord(bytes, file, f.Start, f.Length, f.Offset, ref sweep);
                    break;
                case FrameKind.Malformed:
                    _counts.Framed++;
                    _counts.Malformed++;
                    _context.ReportBad(file, f.Offset, FrameReasons.Describe(f.Reason), bytes.Slice(f.Start, f.Length), f.Length);
                    break;
                case FrameKind.Oversized:
                    _counts.Framed++;
                    _counts.Oversized++;
                    _context.ReportBad(file, f.Offset, $"{FrameReasons.Describe(f.Reason)} ({f.SkippedBytes} bytes, limit {_context.Options.MaxRecordBytes})", default, f.SkippedBytes);
                    break;
            }
        }
        Interlocked.Add(ref file.RecordsFramed, _counts.Framed);
        Interlocked.Add(ref file.RecordsParsed, _counts.Parsed);
        Interlocked.Add(ref file.RecordsCleared, _counts.Cleared);
        Interlocked.Add(ref file.Malformed, _counts.Malformed);
        Interlocked.Add(ref file.Oversized, _counts.Oversized);
        _store?.Append(_batch, file.Path);
        int before = Detections.Count;
        if (_batch.Count > 0) _matcher?.Match(_batch, file.Path, Detections, AggregateEvents, ref Counters);
        _context.Options.Progress?.BlockProcessed(_counts.Framed, Detections.Count - before);
    }

    /// <summary>Drops the worker's temporary files (its detections past the budget, the burst events) when its results are not taken.</summary>
    public void Dispose()
    {
        Detections.Dispose();
        AggregateEvents.Dispose();
    }

    /// <summary>Closes what the worker writes (store parts) and reads, once every block is done.</summary>
    public void Complete()
    {
        try
        {
            _store?.Dispose();
        }
        finally
        {
            foreach (var (_, reader) in _storeReaders) reader.Dispose();
            _storeReaders.Clear();
        }
    }

    // The store parts this worker has open, most recently used last. Several framers interleave
    // the batches of several parts, so one cached reader would be reopened at every switch.
    private readonly List<(int File, IStorePartReader Reader)> _storeReaders = new();
    private const int OpenPartsPerWorker = 8;

    private IStorePartReader StoreReader(int fileIndex, FileSummary file, StoredBatch stored)
    {
        int at = _storeReaders.FindIndex(r => r.File == fileIndex);
        if (at >= 0)
        {
            var hit = _storeReaders[at];
            _storeReaders.RemoveAt(at);
            _storeReaders.Add(hit);
            return hit.Reader;
        }
        if (_storeReaders.Count == OpenPartsPerWorker)
        {
            _storeReaders[0].Reader.Dispose();
            _storeReaders.RemoveAt(0);
        }
        var reader = stored.Format.OpenReader(File.OpenRead(file.Path)); // cached only once open
        _storeReaders.Add((fileIndex, reader));
        return reader;
    }

    /// <summary>Reads a store batch into the batch; a batch that cannot be read is reported on its file.</summary>
    private bool ReadStored(int fileIndex, FileSummary file, StoredBatch stored)
    {
        // Only the format library's reading is caught: a failure in the import below is an engine
        // bug and must stop the scan, never drop rows with a per-file error.
        Apache.Arrow.RecordBatch batch;
        try
        {
            batch = StoreReader(fileIndex, file, stored).Read(stored.Index);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever the format library throws on a damaged batch. Its rows are not counted: the
            // file's error says the part was not fully read.
            _batch.Clear();
            lock (file)
            {
                file.Error ??= $"store part unreadable: batch {stored.Index}: {e.Message}; its rows were not hunted";
                file.ErrorOffset ??= 0;
            }
            return false;
        }
        using (batch) StoreSchema.Import(batch, _batch, RecordsByKind);
        return true;
    }

    private const int TuningSampleBytes = 256 << 10;

    /// <summary>The records of a run of NDJSON lines, split here so that framing a huge file runs on every core.</summary>
    private void ProcessLines(ReadOnlySpan<byte> bytes, FileSummary file, in Frame f, ref ScreenSweep sweep)
    {
        var chunk = bytes.Slice(f.Start, f.Length);
        int pos = 0;
        while (NdjsonLines.Next(chunk, ref pos, _context.Options.MaxRecordBytes, out int start, out int length, out bool oversized))
        {
            if (oversized) Oversized(file, f.Offset + start, length);
            else ProcessRecord(bytes, file, f.Start + start, length, f.Offset + start, ref sweep);
        }
    }

    /// <summary>
    /// One record: cleared by the prefilter, or parsed and normalized into the batch. The block's
    /// records come in order, so one screen search covers a run of them and is repeated only past a
    /// record holding a hit (<see cref="ScreenSweep"/>): a record before the next hit holds no
    /// screen literal and is cleared as <see cref="RecordPrefilter.MayMatch"/> would clear it,
    /// without a test of its own.
    /// </summary>
    private static bool MayMatch(RecordPrefilter prefilter, ReadOnlySpan<byte> bytes, int start, int length, ref ScreenSweep sweep)
    {
        if (prefilter.HasScreen && sweep.Clears(prefilter, bytes, start, length)) return false;
        return prefilter.MayMatch(bytes.Slice(start, length));
    }

    /// <summary>A record over the limit (its <paramref name="length"/> without surrounding whitespace), reported as the framer reports one it skipped.</summary>
    private void Oversized(FileSummary file, long offset, long length)
    {
        _counts.Framed++;
        _counts.Oversized++;
        _context.ReportBad(file, offset, $"{FrameReasons.Describe(FrameReason.RecordTooLarge)} ({length} bytes, limit {_context.Options.MaxRecordBytes})", default, length);
    }

    /// <param name="bytes">The block's bytes (the parser was given the same block).</param>
    private void ProcessRecord(ReadOnlySpan<byte> bytes, FileSummary file, int start, int length, long offset, ref ScreenSweep sweep)
    {
        if (length > _context.Options.MaxRecordBytes)
        {
            // The framer skips records that do not fit its buffer; one that did fit is held to the same
            // limit here, so the outcome never depends on buffer sizes.
            Oversized(file, offset, length);
            return;
        }
        _counts.Framed++;
        var record = bytes.Slice(start, length);
        if (_prefilter is { } prefilter && !MayMatch(prefilter, bytes, start, length, ref sweep) && LooksWhole(record))
        {
            _counts.Cleared++;
            return;
        }
        var outcome = _parser.Parse(start, length);
        if (outcome == ParseOutcome.Ok)
        {
            var kind = _normalizer.Classify();
            _normalizer.AppendRow(_batch, kind, offset, start, length);
            RecordsByKind[(int)kind]++;
            _counts.Parsed++;
            return;
        }
        _counts.Malformed++;
        _context.ReportBad(file, offset, outcome switch
        {
            ParseOutcome.InvalidUtf8 => "invalid UTF-8",
            ParseOutcome.NotAnObject => "valid JSON but not an object",
            _ => "invalid JSON: " + _parser.LastError,
        }, record, length);
    }

    /// <summary>
    /// Whether a record the prefilter cleared may be cleared unparsed: it is valid UTF-8, spans from
    /// a <c>{</c> to a <c>}</c>, and cannot nest deeper than <c>--max-depth</c> (it has no more
    /// brackets than that). A record cut short, one that is not an object (an array element
    /// <c>5</c>), one with invalid UTF-8, or one that may nest too deep fails this and is parsed, so
    /// it is reported as malformed exactly as <c>--validate</c> reports it. Only a record that looks
    /// whole but is broken inside is still cleared without being counted (README, Bad input).
    /// </summary>
    private bool LooksWhole(ReadOnlySpan<byte> record) => LooksWhole(record, _context.Options.MaxDepth);

    internal static bool LooksWhole(ReadOnlySpan<byte> record, int maxDepth)
    {
        record = record.Trim(" \t\r\n"u8);
        if (record.Length < 2 || record[0] != (byte)'{' || record[^1] != (byte)'}') return false;
        // One pass, 64 bytes at a time, for both tests: the brackets are counted (a record of at most
        // 2 × max-depth bytes cannot nest deeper, so its count is skipped) and the bytes' high bits
        // gathered, so an all-ASCII record, valid UTF-8 by definition, needs no second pass.
        bool count = record.Length > 2 * maxDepth;
        int brackets = 0, i = 0, tail = 0;
        ulong high = 0; // bit per byte of a 64-byte block: set where any block had a byte >= 0x80
        ref byte start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(record);
        for (; i + 64 <= record.Length; i += 64)
        {
            ref byte at = ref System.Runtime.CompilerServices.Unsafe.Add(ref start, i);
            high |= ByteMask64.Of(ref at, 0x80, ByteTest.HighBit);
            if (count) brackets += BitOperations.PopCount(ByteMask64.Of(ref at, (byte)'{', ByteTest.EqualIgnoringBit5));
        }
        if (i < record.Length && record.Length >= 64)
        {
            // The last partial block: the final 64 bytes again, their bits for bytes already counted shifted out.
            ref byte last = ref System.Runtime.CompilerServices.Unsafe.Add(ref start, record.Length - 64);
            int seen = 64 - (record.Length - i);
            high |= ByteMask64.Of(ref last, 0x80, ByteTest.HighBit);
            if (count) brackets += BitOperations.PopCount(ByteMask64.Of(ref last, (byte)'{', ByteTest.EqualIgnoringBit5) >> seen);
        }
        else
        {
            for (; i < record.Length; i++)
            {
                byte b = record[i];
                tail |= b;
                if (b is (byte)'{' or (byte)'[') brackets++;
            }
        }
        if (count && brackets > maxDepth) return false;
        return (high == 0 && tail < 0x80) || System.Text.Unicode.Utf8.IsValid(record);
    }

    private struct BlockCounts
    {
        public long Framed, Parsed, Cleared, Malformed, Oversized;
    }

    private BlockCounts _counts;
}

/// <summary>What every worker and framer of one scan shares: the options and the per-file accounting.</summary>
internal sealed class ScanContext(ScanOptions options, FileSummary[] files)
{
    public ScanOptions Options { get; } = options;
    public FileSummary[] Files { get; } = files;

    /// <summary>Keeps the first bad records of a file by offset (rare, so a lock is fine here) and writes every one to the rejects file.</summary>
    public void ReportBad(FileSummary file, long offset, string reason, ReadOnlySpan<byte> bytes, long size)
    {
        Options.Rejects?.Write(file.Path, offset, reason, bytes, size);
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
