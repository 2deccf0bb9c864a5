using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace HuntEngine.Compare;

/// <summary>
/// The page cache seen from user space (Linux): evicting a file, and how much of it is cached. For
/// `--cold` runs here, and compiled into the tests too (the prefetch test evicts a file).
/// </summary>
internal static class PageCache
{
    /// <summary>
    /// Drops the file's pages (those of [<paramref name="offset"/>, +<paramref name="length"/>);
    /// 0: to the end) from the page cache: <c>fsync</c> (so none is dirty), then
    /// <c>posix_fadvise(POSIX_FADV_DONTNEED)</c>.
    /// </summary>
    public static void Evict(string path, long offset = 0, long length = 0)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("evicting a file from the page cache: Linux only (posix_fadvise)");
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        int fd = (int)f.SafeFileHandle.DangerousGetHandle();
        _ = fsync(fd);
        int err = posix_fadvise(fd, offset, length, 4 /* POSIX_FADV_DONTNEED */);
        if (err != 0) throw new IOException($"posix_fadvise failed (errno {err}) on {path}");
    }

    /// <summary>The share of the pages that [<paramref name="offset"/>, +<paramref name="length"/>) of the file touches that are in the page cache (the whole file by default), by <c>mincore</c> over a read-only mapping of its own.</summary>
    public static unsafe double CachedFraction(string path, long offset = 0, long length = -1)
    {
        if (length < 0) length = new FileInfo(path).Length - offset;
        if (length <= 0) return 0;
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            // mincore takes whole pages: from the page the range starts in (the view is mapped from there).
            long page = Environment.SystemPageSize;
            long first = (long)(start + view.PointerOffset) & ~(page - 1);
            long end = (long)(start + view.PointerOffset) + length;
            long pages = (end - first + page - 1) / page;
            var vec = new byte[pages];
            fixed (byte* v = vec)
            {
                if (mincore((nint)first, (nuint)(end - first), v) != 0)
                    throw new IOException($"mincore failed on {path}: cannot tell what of it is in the page cache");
            }
            return vec.Count(b => (b & 1) != 0) / (double)pages;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    [DllImport("libc")] private static extern int fsync(int fd);
    [DllImport("libc")] private static extern int posix_fadvise(int fd, long offset, long length, int advice);
    [DllImport("libc")] private static extern unsafe int mincore(nint start, nuint length, byte* vec);
}
