using HuntEngine.Compare;
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
            PageCache.Evict(path);
            Assert.True(PageCache.CachedFraction(path) < 0.1, "the file could not be evicted from the page cache");
            // As the framer asks: a range ahead, then the same range moved on by 1 MiB.
            mapped.Prefetch(0, 32 << 20);
            mapped.Prefetch(1 << 20, 32 << 20);
            Assert.Equal(33 * 8, mapped.AdvisedPieces); // 33 MiB in 128 KiB pieces, each once
            var deadline = DateTime.UtcNow.AddSeconds(30);
            double cached;
            while ((cached = PageCache.CachedFraction(path, 0, 33 << 20)) < 1 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.Equal(1.0, cached);
            Assert.True(PageCache.CachedFraction(path, 34 << 20, 6 << 20) < 0.5, "bytes past the range were read in too: the file was not evicted");
        }
        finally
        {
            mapped.Release();
            File.Delete(path);
        }
    }
}

/// <summary>
/// A range already in the page cache is not advised: on a hot archive those calls read nothing in
/// and cost the framer eight system calls per MiB. A range only partly cached is advised whole.
/// </summary>
public sealed class MappedFileCachedPrefetchTests
{
    [LinuxFact]
    public void A_cached_range_is_not_advised_and_a_partly_evicted_one_is()
    {
        string path = Path.Combine(AppContext.BaseDirectory, $"prefetch-hot-{Environment.ProcessId}.ndjson");
        var bytes = new byte[8 << 20];
        new Random(2).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        _ = File.ReadAllBytes(path); // every page cached
        using var handle = File.OpenHandle(path);
        var mapped = MappedFile.TryMap(handle, nowUtc: null)!;
        try
        {
            if (!mapped.CanTellCached)
            {
                // A kernel before 6.5 cannot say: every range is advised, as before.
                mapped.Prefetch(0, 4 << 20);
                Assert.Equal(32, mapped.AdvisedPieces);
                return;
            }
            Assert.Equal(1.0, PageCache.CachedFraction(path));
            mapped.Prefetch(0, 4 << 20);
            Assert.Equal(0, mapped.AdvisedPieces);

            PageCache.Evict(path);
            using (var read = File.OpenHandle(path)) RandomAccess.Read(read, new byte[4096], 4 << 20); // one page of the next range back
            Assert.True(PageCache.CachedFraction(path, 4 << 20, 4 << 20) < 0.5, "the file could not be evicted from the page cache");
            mapped.Prefetch(4 << 20, 4 << 20);
            Assert.Equal(32, mapped.AdvisedPieces);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            double cached;
            while ((cached = PageCache.CachedFraction(path, 4 << 20, 4 << 20)) < 1 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.Equal(1.0, cached);
        }
        finally
        {
            mapped.Release();
            File.Delete(path);
        }
    }
}

/// <summary>A fact about Linux system calls (madvise, posix_fadvise, mincore): skipped, visibly, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only: madvise, posix_fadvise and mincore";
    }
}
