using System.Runtime.InteropServices;
using HuntEngine.Sources;

namespace HuntEngine.Tests.Sources;

/// <summary>
/// Prefetching a mapped file must bring in every byte it asks for: one <c>madvise(WILLNEED)</c>
/// reads in only up to the device's read-ahead size, so a large range asked for in one call (and
/// then taken as done) is read only in part.
/// </summary>
public sealed class MappedFilePrefetchTests
{
    [LinuxFact]
    public void A_prefetched_range_of_an_evicted_file_comes_into_the_page_cache_whole()
    {
        // Beside the test binaries, not in the temp folder, which may be tmpfs (whose pages cannot be evicted).
        string path = Path.Combine(AppContext.BaseDirectory, $"prefetch-{Environment.ProcessId}.ndjson");
        var bytes = new byte[40 << 20];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        using var handle = File.OpenHandle(path);
        var mapped = MappedFile.TryMap(handle, nowUtc: null)!;
        try
        {
            Evict(handle);
            Assert.True(CachedFraction(path, 0, 40 << 20) < 0.1, "the file could not be evicted from the page cache");
            // As the framer asks: a range ahead, then the same range moved on by 1 MiB.
            mapped.Prefetch(0, 32 << 20);
            mapped.Prefetch(1 << 20, 32 << 20);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            double cached;
            while ((cached = CachedFraction(path, 0, 33 << 20)) < 1 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.Equal(1.0, cached);
            Assert.True(CachedFraction(path, 34 << 20, 6 << 20) < 0.5, "bytes past the range were read in too: the file was not evicted");
        }
        finally
        {
            mapped.Release();
            File.Delete(path);
        }
    }

    private static void Evict(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        int fd = (int)handle.DangerousGetHandle();
        Assert.Equal(0, fsync(fd));
        Assert.Equal(0, posix_fadvise(fd, 0, 0, 4 /* POSIX_FADV_DONTNEED */));
    }

    /// <summary>The share of [offset, offset + length) in the page cache, by <c>mincore</c> over a mapping of its own.</summary>
    private static unsafe double CachedFraction(string path, long offset, long length)
    {
        using var map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(offset, length, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            start += view.PointerOffset;
            long pages = (length + Environment.SystemPageSize - 1) / Environment.SystemPageSize;
            var vec = new byte[pages];
            fixed (byte* v = vec) Assert.Equal(0, mincore((nint)start, (nuint)length, v));
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

/// <summary>A fact about Linux system calls (madvise, posix_fadvise, mincore): skipped, visibly, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only: madvise, posix_fadvise and mincore";
    }
}
