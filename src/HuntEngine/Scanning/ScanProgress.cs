namespace HuntEngine.Scanning;

/// <summary>
/// Live counters of a running scan, for a progress display (<see cref="ScanOptions.Progress"/>).
/// The engine updates them once per block or per file, never per record, and lock-free: each
/// file's read position has a single writer (its framer) and is stored with a plain volatile
/// write; records and detections are added with one <see cref="Interlocked"/> add per block. A
/// reader on another thread takes a <see cref="Snapshot"/> whenever it likes (a few times a
/// second); the figures may lag by a block, never run ahead.
/// </summary>
public sealed class ScanProgress
{
    private long[] _lengths = [];
    private long[] _positions = [];
    private long _records;
    private long _detections;
    private int _filesDone;
    private volatile bool _started;

    /// <summary>What a reader sees at one moment.</summary>
    /// <param name="BytesDone">Bytes of the input files read so far, as stored on disk (compressed bytes of a compressed file).</param>
    /// <param name="BytesTotal">The input files' sizes on disk, known when the scan starts.</param>
    /// <param name="RecordsFramed">Records framed and processed by the workers.</param>
    /// <param name="Detections">Single-record detections found so far (bursts are found at the end).</param>
    public readonly record struct Snapshot(long BytesDone, long BytesTotal, int FilesDone, int FilesTotal, long RecordsFramed, long Detections);

    /// <summary>False until the scan has listed its input files.</summary>
    public bool Started => _started;

    public Snapshot Read()
    {
        if (!_started) return default;
        var lengths = _lengths;
        var positions = _positions;
        long done = 0, total = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            total += lengths[i];
            // A file may grow while it is read; never show more than was listed.
            done += Math.Min(Volatile.Read(ref positions[i]), lengths[i]);
        }
        return new Snapshot(done, total, Volatile.Read(ref _filesDone), lengths.Length, Interlocked.Read(ref _records), Interlocked.Read(ref _detections));
    }

    /// <summary>Called once by the scanner when the input files are listed, before any is read.</summary>
    internal void Start(IReadOnlyList<long> fileLengths)
    {
        _lengths = fileLengths.ToArray();
        _positions = new long[_lengths.Length];
        _started = true;
    }

    /// <summary>By the framer of file <paramref name="index"/>, per block: how far into the file (on disk) it has read.</summary>
    internal void FileRead(int index, long position) => Volatile.Write(ref _positions[index], position);

    /// <summary>When file <paramref name="index"/> is finished (or was skipped, or failed): all of it counts as done.</summary>
    internal void FileDone(int index)
    {
        Volatile.Write(ref _positions[index], _lengths[index]);
        Interlocked.Increment(ref _filesDone);
    }

    /// <summary>By a worker, per block.</summary>
    internal void BlockProcessed(long records, int detections)
    {
        if (records != 0) Interlocked.Add(ref _records, records);
        if (detections != 0) Interlocked.Add(ref _detections, detections);
    }
}
