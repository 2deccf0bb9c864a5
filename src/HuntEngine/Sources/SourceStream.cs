using System.IO.Compression;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HuntEngine.Sources;

/// <summary>Per-file limits on decompression (the bomb guard).</summary>
public readonly record struct DecompressionLimits(long MaxDecompressedBytes, double MaxRatio)
{
    /// <summary>
    /// 256 GiB per file, and no ratio limit: a scan streams, so a bomb costs time, not memory, and
    /// logs of one repeated event compress past any ratio a guard would pick (zstd, 700,000 identical
    /// UAL lines: 10,000:1), which the spec says must be read (--max-ratio sets one).
    /// </summary>
    public static DecompressionLimits Default => new(256L << 30, double.PositiveInfinity);
}

/// <summary>
/// An opened input: the raw file and the decompressed stream over it. Compression is sniffed from
/// the first bytes (spec §1), so a gzip file named <c>.json</c> or a plain file named <c>.gz</c> is
/// read for what it is. A FIFO, socket or device is refused before it is read (opening it
/// non-blocking, so a FIFO without a writer cannot hang the scan).
/// </summary>
internal sealed class SourceStream : IDisposable
{
    private readonly FileStream _file;
    private readonly ReadAheadFile? _readAhead;

    private SourceStream(FileStream file, ReadAheadFile? readAhead, Stream decoded, CompressionKind compression)
    {
        _file = file;
        _readAhead = readAhead;
        Decoded = decoded;
        Compression = compression;
    }

    public Stream Decoded { get; }
    public CompressionKind Compression { get; }

    /// <summary>
    /// Bytes of the file the decoder has taken so far (the compressed size once the stream is
    /// drained); the whole file once the zero padding after a gzip stream was found and skipped.
    /// </summary>
    public long CompressedBytesRead => _paddedLength ?? _readAhead?.Position ?? _file.Position;

    // The file's length, once nothing but zero bytes follows the gzip stream: padding to a tape or
    // disk block, which gzip ("trailing zero bytes ignored") and Python's gzip module skip; so does hunt.
    private long? _paddedLength;

    /// <summary>
    /// The file mapped into memory, when it is plain (not compressed), mapping is
    /// <paramref name="allowed"/> and the file may be mapped (<see cref="MappedFile.MayMap"/>; every
    /// file that is not empty with <paramref name="everyFile"/>). Null when it is read instead, and
    /// then the kernel is told it is read front to back. Nothing was read from the stream but the
    /// sniffed bytes, which the stream was rewound over.
    /// </summary>
    public MappedFile? TryMap(bool allowed, DateTime nowUtc, bool everyFile = false)
    {
        if (Compression != CompressionKind.None) return null; // told in Open, before its read-ahead starts
        var mapped = allowed ? MappedFile.TryMap(_file.SafeFileHandle, everyFile ? null : nowUtc) : null;
        if (mapped is null) AdviseSequentialReads(_file);
        return mapped;
    }

    /// <summary>A mapped file is read after all, from <paramref name="offset"/> on (a CSV sniffed from the mapping).</summary>
    public void ReadOnFrom(long offset)
    {
        _file.Position = offset;
        AdviseSequentialReads(_file);
    }

    /// <summary>
    /// Tells the kernel the file will be read front to back, so it reads further ahead
    /// (<c>POSIX_FADV_SEQUENTIAL</c>, what <see cref="FileOptions.SequentialScan"/> sets and the
    /// <c>open</c> below bypasses): a 1 GiB plain file evicted from the page cache hunted with
    /// <c>--no-mmap</c> in 1.46 and 1.71 s without it, 0.51 and 0.50 s with it (two sets, medians of
    /// 5). Not for a mapped file: its window is prefetched (<see cref="MappedFile.Prefetch"/>), and
    /// the hint made that slower in two sets of three (0.62 → 0.77 s, 0.81 → 0.86 s).
    /// </summary>
    private static void AdviseSequentialReads(FileStream file)
    {
        // 64-bit only: the offsets are off_t (a long there); no file is mapped on 32-bit either.
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess)
            _ = Native.posix_fadvise(file.SafeFileHandle, 0, 0, 2 /* POSIX_FADV_SEQUENTIAL */);
    }

    /// <summary>Opens <paramref name="path"/>; a large compressed file is read ahead (<see cref="ReadAheadFile"/>, <paramref name="readAhead"/>: by default <see cref="ReadAheadSettings.Default"/>).</summary>
    /// <exception cref="IOException">The file cannot be opened, or is not a regular file.</exception>
    public static SourceStream Open(string path, DecompressionLimits limits, ReadAheadSettings? readAhead = null)
    {
        var settings = readAhead ?? ReadAheadSettings.Default;
        var file = OpenRegularFile(path);
        ReadAheadFile? piped = null;
        try
        {
            var kind = CompressionSniffer.Sniff(file.SafeFileHandle);
            if (kind == CompressionKind.None) return new SourceStream(file, null, file, kind);
            // A large compressed file is read ahead on its own thread, through a pipe, while it
            // decodes; either way it is read front to back, which the kernel is told first.
            AdviseSequentialReads(file);
            Stream compressed = file;
            if (file.Length >= settings.MinFileBytes) compressed = piped = new ReadAheadFile(file.SafeFileHandle, start: 0, settings);
            var decoded = new BombGuardStream(CompressionSniffer.Decode(compressed, kind), compressed, limits);
            return new SourceStream(file, piped, decoded, kind);
        }
        catch
        {
            piped?.Dispose();
            file.Dispose();
            throw;
        }
    }

    public static SourceStream Open(string path) => Open(path, DecompressionLimits.Default);

    private static FileStream OpenRegularFile(string path)
    {
        if (!OperatingSystem.IsLinux())
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        const int ReadOnly = 0, NonBlocking = 0x800, CloseOnExec = 0x80000;
        int fd = Native.open(path, ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 => new FileNotFoundException($"no such file (it vanished after it was listed?): {path}"),
                13 => new UnauthorizedAccessException($"permission denied: {path}"),
                40 => new IOException($"symbolic link loop: {path}"),
                _ => new IOException($"cannot open (errno {errno}): {path}"),
            };
        }
        var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1 << 16);
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new IOException("not a regular file (a FIFO, socket or device): not read");
        }
        return stream;
    }

    /// <summary>
    /// After the decoded stream returned its end: an error when the compressed stream was cut short
    /// in a way its decoder does not report itself (a gzip member without its end).
    /// </summary>
    public string? TruncationAfterEnd()
    {
        var inner = Decoded is BombGuardStream g ? g.Inner : Decoded;
        if (inner is GzipDecodeStream { Inner: var gz })
        {
            // Unknown is said, not taken as clean: a runtime (or a trimmed build) without the inflater's
            // private state would otherwise read every cut gzip file as whole.
            const string Unverified = "the end of the gzip stream could not be verified (this runtime hides the inflater state hunt reads to tell a cut file from a whole one): the records before it were scanned";
            switch (GzipEndCheck.EndedCleanly(gz))
            {
                case false: return "gzip stream truncated: the last member ends before its trailer";
                case null: return Unverified;
            }
            switch (GzipEndCheck.UnusedInputAfterEnd(gz))
            {
                case > 0 and var n when OnlyZerosFrom(CompressedBytesRead - n):
                    _paddedLength = RandomAccess.GetLength(_file.SafeFileHandle);
                    break;
                case > 0 and var n:
                    // n is what the decoder holds unread; the file may go on past it.
                    long after = RandomAccess.GetLength(_file.SafeFileHandle) - (CompressedBytesRead - n);
                    return $"data after the end of the last gzip member ({after} bytes that are not a gzip member)";
                case null: return Unverified;
            }
        }
        return null;
    }

    /// <summary>Whether every byte of the file from <paramref name="offset"/> to its end is zero (read by position: the stream is not moved).</summary>
    private bool OnlyZerosFrom(long offset)
    {
        var handle = _file.SafeFileHandle;
        long length = RandomAccess.GetLength(handle);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (offset < length)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset)), offset);
                if (n <= 0) return false; // the file shrank: not padding
                if (buffer.AsSpan(0, n).ContainsAnyExcept((byte)0)) return false;
                offset += n;
            }
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// What a decoder's exception says the damage is. .NET's gzip decoder reports every zlib data
    /// error, a CRC-32 or length trailer that does not match included, as "compressed using an
    /// unsupported compression method", which would send a responder looking for the wrong thing.
    /// </summary>
    public string DescribeDamage(Exception error) =>
        Compression == CompressionKind.Gzip && error is InvalidDataException && error.Message.Contains("unsupported compression method", StringComparison.Ordinal)
            ? $"zlib data error: corrupt deflate data, or a CRC-32 or length trailer that does not match the bytes decoded (.NET: \"{error.Message}\")"
            : error.Message;

    /// <summary>How many decoded bytes to ask for per read: small for compressed streams, so a decoder that fails mid-read loses little.</summary>
    public int ReadSize => Compression == CompressionKind.None ? 1 << 20 : 64 << 10;

    public void Dispose()
    {
        try
        {
            Decoded.Dispose();
        }
        finally
        {
            _readAhead?.Dispose(); // its reader thread is joined before the file closes
            _file.Dispose();
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
#pragma warning disable CA2101, SYSLIB1054 // a file name is bytes on Linux; UTF-8 marshalling below
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
#pragma warning restore CA2101, SYSLIB1054
        [DllImport("libc")]
#pragma warning disable SYSLIB1054 // the SafeFileHandle is held for the call
        public static extern int posix_fadvise(SafeFileHandle fd, long offset, long length, int advice);
#pragma warning restore SYSLIB1054
    }
}

/// <summary>
/// Stops a decompression bomb: fails the stream (as a damaged stream, so what came before is still
/// scanned) once it decompressed more than the limit, or more than the ratio allows.
/// </summary>
internal sealed class BombGuardStream(Stream inner, Stream compressed, DecompressionLimits limits) : ForwardStream
{
    private const long RatioCheckAfter = 64L << 20;
    private long _produced;

    public Stream Inner => inner;

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _produced += n;
        if (_produced > limits.MaxDecompressedBytes)
            throw new InvalidDataException($"decompression limit: more than {limits.MaxDecompressedBytes} bytes from one file (--max-decompressed-bytes)");
        if (_produced > RatioCheckAfter && compressed.Position > 0 && _produced > limits.MaxRatio * compressed.Position)
            throw new InvalidDataException($"decompression bomb guard: {_produced} bytes from {compressed.Position} compressed (ratio over {limits.MaxRatio}:1, --max-ratio)");
        return n;
    }

    public override long Position { get => _produced; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
