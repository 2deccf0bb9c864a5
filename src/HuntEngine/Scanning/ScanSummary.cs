namespace HuntEngine.Scanning;

/// <summary>A malformed (or oversized) record: where it is and why it was rejected.</summary>
public sealed record BadRecord(string File, long Offset, string Reason);

/// <summary>What one input file gave.</summary>
public sealed class FileSummary
{
    public required string Path { get; init; }
    public string Compression { get; set; } = "none";
    public string Container { get; set; } = "";
    public long CompressedBytes { get; set; }
    public long DecompressedBytes { get; set; }
    /// <summary>The file was mapped into memory and framed in place, not read (<see cref="ScanOptions.MemoryMap"/>).</summary>
    public bool MemoryMapped { get; set; }
    public long RecordsFramed;
    public long RecordsParsed;
    /// <summary>Records the prefilter showed cannot match; not parsed (so not in the kind counts, and not validated).</summary>
    public long RecordsCleared;
    public long Malformed;
    public long Oversized;
    /// <summary>Decompressed bytes the framer accounted for (records, bad records, whitespace); equals <see cref="DecompressedBytes"/> for a file read whole.</summary>
    public long DecompressedBytesConsumed { get; set; }
    /// <summary>Why the file could not be read to its end (a damaged stream, an unsupported file), with the decompressed offset reached.</summary>
    public string? Error { get; set; }
    public long? ErrorOffset { get; set; }
    internal readonly List<BadRecord> Samples = new();
    public IReadOnlyList<BadRecord> MalformedSamples => Samples;
}

/// <summary>
/// The scan's wall time in three parts that add up to <see cref="ScanSummary.Elapsed"/>:
/// <paramref name="Start"/> until the workers exist (the compiled tables are built; with threads,
/// files are already being framed), <paramref name="Scan"/> until the last worker is done, <paramref name="Finish"/> merging the
/// workers' results (bursts, sort, counts).
/// </summary>
public readonly record struct ScanPhases(TimeSpan Start, TimeSpan Scan, TimeSpan Finish);

/// <summary>The whole scan's accounting (spec §4): the terminal summary and the JSON summary are both written from it.</summary>
public sealed class ScanSummary
{
    public required IReadOnlyList<FileSummary> Files { get; init; }
    public required IReadOnlyDictionary<string, long> RecordsByKind { get; init; }
    public required IReadOnlyDictionary<string, long> DetectionsByType { get; init; }
    /// <summary>Whether the scan had a time window (<c>--from</c>, <c>--to</c>, <c>--last</c>).</summary>
    public bool Windowed { get; init; }
    public long RecordsOutsideWindow { get; init; }
    public long RecordsWithoutTimeInWindow { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>Where <see cref="Elapsed"/> went: the parts that run once per scan against the part that scales with the input.</summary>
    public ScanPhases Phases { get; init; }
    public long PeakWorkingSetBytes { get; init; }
    public int Threads { get; init; }
    /// <summary>The scan was stopped (Ctrl-C, SIGTERM) before it finished: the counts are of what was scanned.</summary>
    public bool Interrupted { get; init; }

    public long CompressedBytes => Files.Sum(f => f.CompressedBytes);
    public long DecompressedBytes => Files.Sum(f => f.DecompressedBytes);
    public long RecordsFramed => Files.Sum(f => f.RecordsFramed);
    public long RecordsParsed => Files.Sum(f => f.RecordsParsed);
    public long RecordsCleared => Files.Sum(f => f.RecordsCleared);
    public long Malformed => Files.Sum(f => f.Malformed);
    public long Oversized => Files.Sum(f => f.Oversized);
    public int FailedFiles => Files.Count(f => f.Error is not null);
    public long Detections => DetectionsByType.Values.Sum();

    /// <summary>True when some input could not be read whole: malformed or oversized records, failed files.</summary>
    public bool HadBadInput => Malformed > 0 || Oversized > 0 || FailedFiles > 0;

    /// <summary>The first bad records, in file order then offset order.</summary>
    public IEnumerable<BadRecord> FirstBadRecords(int count) => Files.SelectMany(f => f.MalformedSamples).Take(count);

    public double MegabytesPerSecond(long bytes) => Elapsed.TotalSeconds > 0 ? bytes / 1e6 / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// What a scan found, in output order. When the detections outgrew <see cref="ScanOptions.DetectionMemoryBytes"/>
/// some are read back from temporary files as they are enumerated: dispose the result once they are written.
/// </summary>
public sealed record ScanResult(IReadOnlyList<Detection> Detections, ScanSummary Summary) : IDisposable
{
    public void Dispose() => (Detections as IDisposable)?.Dispose();
}
