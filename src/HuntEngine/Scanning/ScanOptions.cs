using HuntEngine.Framing;
using HuntEngine.Matching;

namespace HuntEngine.Scanning;

/// <summary>What to scan and how. Changed with <c>with</c>; validated by <see cref="HuntScanner"/> before any data is read.</summary>
public sealed record ScanOptions
{
    public required IReadOnlyList<string> Paths { get; init; }
    /// <summary>Restricts detections to [From, To); records with no time are then excluded and counted.</summary>
    public TimeWindow? Window { get; init; }
    /// <summary>
    /// Threads, each framing files and processing blocks with its own parser, batch and matcher
    /// (<see cref="HuntScanner"/>). One: the whole scan runs on the calling thread.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>A record larger than this is reported and skipped without being loaded.</summary>
    public int MaxRecordBytes { get; init; } = FramingLimits.Default.MaxRecordBytes;
    /// <summary>Deepest JSON nesting a record may have.</summary>
    public int MaxDepth { get; init; } = FramingLimits.Default.MaxDepth;
    /// <summary>Bytes per unit of work handed to a worker.</summary>
    public int BlockBytes { get; init; } = FramingLimits.Default.BlockBytes;
    /// <summary>
    /// Clear records that cannot match before parsing them (<see cref="Matching.RecordPrefilter"/>).
    /// Off (<c>--validate</c>): every record is parsed, so kinds and malformed counts are complete.
    /// Detections are the same either way.
    /// </summary>
    public bool Prefilter { get; init; } = true;
    /// <summary>
    /// Map plain files into memory and frame them in place, instead of reading them into buffers
    /// (<see cref="Sources.MappedFile"/>): files from 1 MiB not written in the last minute. Off
    /// (<c>--no-mmap</c>) for files that may shrink while they are scanned: a mapped file that
    /// shrinks kills the process. Detections are the same either way.
    /// </summary>
    public bool MemoryMap { get; init; } = true;
    /// <summary>Tests: map every plain file that is not empty, however small or recently written.</summary>
    internal bool MapEveryFile { get; init; }
    /// <summary>
    /// Which compressed files are read ahead on a thread of their own, and how far (tests: every one,
    /// in small steps). Null: <see cref="Sources.ReadAheadSettings.Default"/>, or none with one thread.
    /// </summary>
    internal Sources.ReadAheadSettings? ReadAhead { get; init; }
    /// <summary>Bomb guard: most bytes one compressed file may decompress to.</summary>
    public long MaxDecompressedBytes { get; init; } = Sources.DecompressionLimits.Default.MaxDecompressedBytes;
    /// <summary>Bomb guard: most decompressed bytes per compressed byte (checked past 64 MiB).</summary>
    public double MaxRatio { get; init; } = Sources.DecompressionLimits.Default.MaxRatio;
    /// <summary>After this many bad records in one file, the rest of that file is not read (it is reported).</summary>
    public long MaxErrorsPerFile { get; init; } = long.MaxValue; // no limit: spec §5, the scan goes on with the next record
    /// <summary>Where to write every rejected record (null: nowhere; the summary still has the first ones).</summary>
    public Sinks.RejectsFile? Rejects { get; init; }
    /// <summary>Store part formats an input may be in (Arrow IPC built in; the CLI adds Parquet).</summary>
    public IReadOnlyList<Batches.StoreFormat> StoreFormats { get; init; } = [Batches.StoreFormat.Arrow];
    /// <summary>
    /// When set, every parsed record's columns are written to a columnar store (<c>hunt convert</c>)
    /// and nothing is hunted: the result has no detections (hunt the store for them).
    /// </summary>
    public Sinks.StoreOptions? Store { get; init; }
    /// <summary>Live counters for a progress display (null: none). Updated per block, lock-free; see <see cref="ScanProgress"/>.</summary>
    public ScanProgress? Progress { get; init; }
    /// <summary>Where the burst pattern's events, and detections past <see cref="DetectionMemoryBytes"/>, wait until every file is read (an unlinked temporary file per worker).</summary>
    public string TempDirectory { get; init; } = Path.GetTempPath();
    /// <summary>How much memory the detections may take (estimated, shared out among the workers); past it their rows go to a temporary file until the output is written.</summary>
    public long DetectionMemoryBytes { get; init; } = 128L << 20;
    /// <summary>How many malformed records per file are kept with offset and reason in the summary.</summary>
    public int MalformedSamplesPerFile { get; init; } = 10;
}
