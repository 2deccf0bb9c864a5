using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HuntEngine.Sources;

/// <summary>
/// A plain file mapped into memory whole and read-only. The framer frames it in place and hands
/// ranges of it to the workers, so no byte is copied out of the page cache: mapped, a 2-thread hunt
/// of 1 GiB took a tenth less CPU than with <c>read()</c> into the blocks (doc/decisions.md). The mapping lives until the framer and
/// every block over it are done. The pages of a finished block are unmapped from the process
/// (<c>MADV_DONTNEED</c>; the page cache keeps them), so resident memory is bounded by the blocks
/// in flight, not by the file's size.
/// <para>
/// A mapped file that shrinks under the scan kills the process (SIGBUS; the runtime cannot turn it
/// into an exception), where a read would report it on the file and go on. So
/// <see cref="MayMap"/> leaves out files written in the last minute (a live log rotated with
/// copytruncate is written all the time), and <c>--no-mmap</c> reads every file.
/// </para>
/// </summary>
internal sealed unsafe class MappedFile
{
    /// <summary>Smaller files are read: a mapping costs two system calls and a page fault per 64 KiB.</summary>
    public const long MinimumBytes = 1 << 20;

    /// <summary>Files written more recently than this before the scan opens them are read, not mapped.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromMinutes(1);

    private readonly SafeFileHandle _file; // the framer's: valid while it frames (see LengthNow)
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;
    private long _prefetchedEnd; // how far Prefetch has asked for (the framer's thread only)
    private int _users = 1; // the framer's, plus one per block not yet released

    private MappedFile(SafeFileHandle file, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* start, long length)
    {
        _file = file;
        _map = map;
        _view = view;
        _start = start;
        Length = length;
    }

    public long Length { get; }

    /// <summary>Whether a file of this size, last written then, is mapped rather than read.</summary>
    public static bool MayMap(long length, DateTime lastWriteUtc, DateTime nowUtc) =>
        length >= MinimumBytes && nowUtc - lastWriteUtc >= QuietPeriod && Environment.Is64BitProcess;

    /// <summary>
    /// Maps the open file whole when <see cref="MayMap"/> allows it at <paramref name="nowUtc"/>
    /// (null: whatever its size and age, for tests); null when it may not or cannot be mapped (the
    /// caller reads it instead, and the read reports whatever is wrong with the file).
    /// </summary>
    public static MappedFile? TryMap(SafeFileHandle file, DateTime? nowUtc)
    {
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = RandomAccess.GetLength(file);
            if (length <= 0 || nowUtc is { } now && !MayMap(length, File.GetLastWriteTimeUtc(file), now)) return null;
            map = MemoryMappedFile.CreateFromFile(file, null, length, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            start += view.PointerOffset;
            return new MappedFile(file, map, view, start, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            view?.Dispose();
            map?.Dispose();
            return null;
        }
    }

    /// <summary>The bytes at <paramref name="offset"/>; valid while the caller holds a use of the mapping.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length) => new(_start + offset, length);

    /// <summary>
    /// A range for a block: its bytes are [<paramref name="offset"/>, +<paramref name="length"/>);
    /// when released, the pages of [offset, <paramref name="ownedEnd"/>) leave the process (the
    /// bytes after <paramref name="ownedEnd"/> belong to the next block too).
    /// </summary>
    public MappedRange Range(long offset, int length, long ownedEnd)
    {
        Interlocked.Increment(ref _users);
        return new MappedRange(this, offset, length, ownedEnd);
    }

    /// <summary>
    /// How much of the mapping the file still backs, checked before the framer goes on to new bytes:
    /// a file that shrank is framed to its new end, as reads would frame it (and its summary then
    /// says it shrank), which leaves only the blocks already handed out exposed to a truncation.
    /// </summary>
    public long LengthNow()
    {
        try
        {
            return Math.Min(Length, RandomAccess.GetLength(_file));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Asks the kernel to start reading these bytes in (a cold page cache), without waiting. Only
    /// the part not asked for before is advised (the framer asks blocks ahead at every read step;
    /// advising each page again at each step cost a 2-thread hot 1 GiB scan 0.04 CPU-s), in pieces
    /// of <see cref="PrefetchPiece"/>: one call reads in at most the device's read-ahead size
    /// (<c>read_ahead_kb</c>, 128 KiB by default), so a larger piece would be read only in part and
    /// not asked for again. A piece already in the page cache is not advised: advising hot pages
    /// is eight system calls per MiB that read nothing in (see <see cref="AdviseMissing"/>).
    /// </summary>
    public void Prefetch(long offset, long length)
    {
        long end = offset + length;
        long from = Math.Max(offset, _prefetchedEnd);
        _prefetchedEnd = Math.Max(_prefetchedEnd, end);
        if (from < end) AdviseMissing(from, end);
    }

    /// <summary>
    /// Advises the pieces of [<paramref name="from"/>, <paramref name="end"/>) that are not wholly
    /// in the page cache: a range wholly cached costs one <c>cachestat</c>, one with nothing cached
    /// (or where the kernel cannot tell) is advised whole, and one partly cached is halved at a
    /// piece boundary until each part is one or the other.
    /// </summary>
    private void AdviseMissing(long from, long end)
    {
        long page = Environment.SystemPageSize;
        long pages = (end + page - 1) / page - from / page;
        long cached = CachedPages(from, end - from);
        if (cached >= pages) return;
        if (cached > 0 && end - from > PrefetchPiece)
        {
            long mid = from + Math.Max(1, (end - from) / 2 / PrefetchPiece) * PrefetchPiece;
            AdviseMissing(from, mid);
            AdviseMissing(mid, end);
            return;
        }
        for (; from < end; from += PrefetchPiece)
        {
            Advise(_start + from, Math.Min(PrefetchPiece, end - from), Advice.WillNeed);
            AdvisedPieces++;
        }
    }

    /// <summary>How many pieces <see cref="Prefetch"/> advised (tests see that a cached range is not advised).</summary>
    internal int AdvisedPieces { get; private set; }

    /// <summary>
    /// How many pages of the file's bytes [<paramref name="offset"/>, +<paramref name="length"/>)
    /// are in the page cache now, by <c>cachestat</c> (Linux 6.5); -1 when the kernel cannot tell:
    /// an older one, or one that will not say for a file the process could not write to (kernels
    /// patched since early 2025: <c>EPERM</c>). <c>mincore</c> was not used: for such a file it
    /// reports every page cached, so a cold archive owned by someone else would never be prefetched.
    /// </summary>
    private long CachedPages(long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || s_noCachestat || _cachestatDenied) return -1;
        var range = new CachestatRange((ulong)offset, (ulong)length);
        Cachestat stat;
        bool added = false;
        long result;
        try
        {
            _file.DangerousAddRef(ref added);
            result = syscall(CachestatSyscall, _file.DangerousGetHandle(), &range, &stat, 0);
        }
        finally
        {
            if (added) _file.DangerousRelease();
        }
        if (result == 0) return (long)stat.NrCache;
        // ENOSYS: no such call here, never again; anything else (EPERM): not for this file.
        if (Marshal.GetLastPInvokeError() == ENOSYS) s_noCachestat = true;
        else _cachestatDenied = true;
        return -1;
    }

    /// <summary>Whether <see cref="CachedPages"/> can tell for this file (tests: a kernel before 6.5 cannot).</summary>
    internal bool CanTellCached => CachedPages(0, 1) >= 0;

    private static bool s_noCachestat;
    private bool _cachestatDenied;
    private const long CachestatSyscall = 451; // the same number on every Linux architecture (a call added after 5.1)
    private const int ENOSYS = 38;

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct CachestatRange(ulong Offset, ulong Length);

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Cachestat
    {
        public readonly ulong NrCache, NrDirty, NrWriteback, NrEvicted, NrRecentlyEvicted;
    }

    /// <summary>The most one <see cref="Prefetch"/> call asks for at once.</summary>
    private const int PrefetchPiece = 128 << 10;

    /// <summary>Unmaps the pages of [start, end) from the process; the page cache keeps them, and a later touch maps them again.</summary>
    public void DropPages(long start, long end)
    {
        if (end > start) Advise(_start + start, end - start, Advice.DontNeed);
    }

    /// <summary>Gives back one use (the framer's, or a block's); the last one unmaps the file.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    internal byte* Start => _start;

    private enum Advice
    {
        WillNeed = 3,
        DontNeed = 4,
    }

    /// <summary>
    /// madvise over the whole pages the range touches (the start must be page-aligned; pages shared
    /// with a neighbouring block are dropped too, and fault back in if it still reads them). Advice
    /// only: failure changes nothing the scan reads. Linux only: elsewhere the pages stay mapped
    /// until the file is done, and resident memory may grow up to the file's size.
    /// </summary>
    private static void Advise(byte* start, long length, Advice advice)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        long Page = Environment.SystemPageSize;
        long first = (long)start & ~(Page - 1);
        long end = ((long)start + length + Page - 1) & ~(Page - 1);
        _ = madvise((nint)first, (nuint)(end - first), (int)advice);
    }

    [DllImport("libc", SetLastError = false)]
#pragma warning disable SYSLIB1054 // a plain call, nothing to marshal
    private static extern int madvise(nint address, nuint length, int advice);

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, nint fd, CachestatRange* range, Cachestat* stat, uint flags);
#pragma warning restore SYSLIB1054
}

/// <summary>
/// A block's range of a <see cref="MappedFile"/>, as <see cref="Memory{T}"/> so every stage reads
/// it as it reads a pooled array.
/// </summary>
internal sealed unsafe class MappedRange : MemoryManager<byte>
{
    private readonly MappedFile _file;
    private readonly long _offset;
    private readonly int _length;
    private readonly long _ownedEnd;

    internal MappedRange(MappedFile file, long offset, int length, long ownedEnd)
    {
        _file = file;
        _offset = offset;
        _length = length;
        _ownedEnd = ownedEnd;
    }

    public override Span<byte> GetSpan() => new(_file.Start + _offset, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_file.Start + _offset + elementIndex);

    public override void Unpin()
    {
    }

    /// <summary>The block is done: its own pages leave the process, and its use of the mapping ends.</summary>
    public void Release()
    {
        _file.DropPages(_offset, _ownedEnd);
        _file.Release();
    }

    protected override void Dispose(bool disposing)
    {
    }
}
