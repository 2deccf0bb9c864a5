using HuntEngine.Compare;
using HuntEngine.Sources;

namespace HuntEngine.Tests.Sources;

/// <summary>
/// Prefetching a mapped file must bring in every byte it asks for: one <c>madvise(WILLNEED)</c>
/// reads in only up to the device's read-ahead size, so a large range asked for in one call (and
/// then taken as done) is read only in part. And what is already cached is not advised again.
/// </summary>
public sealed class MappedFilePrefetchTests
{
    [LinuxFact]
    public void A_prefetched_range_of_an_evicted_file_comes_into_the_page_cache_whole()
    {
        string path = WriteFile("prefetch", 40 << 20, seed: 1);
        using var handle = File.OpenHandle(path);
        var mapped = MappedFile.TryMap(handle, nowUtc: null)!;
        try
        {
            PageCache.Evict(path);
            Assert.True(PageCache.CachedFraction(path) < 0.1, "the file could not be evicted from the page cache");
            // As the framer asks: a range ahead, then the same range moved on by 1 MiB.
            mapped.Prefetch(0, 32 << 20);
            mapped.Prefetch(1 << 20, 32 << 20);
            Assert.InRange(WhenCached(path, 0, 33 << 20), 0.99, 1.0); // see WhenCached
            Assert.True(PageCache.CachedFraction(path, 34 << 20, 6 << 20) < 0.5, "bytes past the range were read in too: the file was not evicted");
        }
        finally
        {
            mapped.Release();
            File.Delete(path);
        }
    }

    private const int Piece = 128 << 10;

    /// <summary>
    /// Only the pieces of a prefetched range that are not wholly in the page cache are advised: on a
    /// hot archive the others' calls read nothing in and cost the framer eight system calls per MiB.
    /// </summary>
    [LinuxFact]
    public void Only_the_pieces_not_wholly_cached_are_advised()
    {
        string path = WriteFile("prefetch-hot", 16 << 20, seed: 2);
        _ = File.ReadAllBytes(path); // every page cached
        using var handle = File.OpenHandle(path);
        var mapped = MappedFile.TryMap(handle, nowUtc: null)!;
        try
        {
            if (!mapped.CanTellCached)
            {
                // A kernel before 6.5 cannot say: every piece is advised, as before.
                mapped.Prefetch(0, 4 << 20);
                Assert.Equal(32, mapped.AdvisedPieces);
                return;
            }
            // Nothing to advise, unless this VM's page-out took a page meanwhile (see WhenCached).
            int gone = PiecesNotWhollyCached(path, 0, 4 << 20);
            Assert.InRange(gone, 0, 2);
            mapped.Prefetch(0, 4 << 20);
            Assert.Equal(gone, mapped.AdvisedPieces);

            // 2 MiB gone from the middle of the next range (whole, however large the page cache's
            // folios): the pieces not wholly cached, and only those, are advised. The range starts
            // off a piece boundary, as the framer's do.
            long next = (4 << 20) + 1000;
            PageCache.Evict(path, 6 << 20, 2 << 20);
            int missing = PiecesNotWhollyCached(path, next, next + (4 << 20));
            Assert.InRange(missing, 16, 31); // some pieces gone, others still there
            mapped.Prefetch(next, 4 << 20);
            Assert.Equal(gone + missing, mapped.AdvisedPieces);
            Assert.InRange(WhenCached(path, 0, next + (4 << 20)), 0.99, 1.0);

            // Nothing cached: every piece, as without the check (what is new to this call is
            // [8 MiB + 1000, 16 MiB): 64 pieces, the last one short).
            PageCache.Evict(path);
            Assert.Equal(64, PiecesNotWhollyCached(path, next + (4 << 20), 16 << 20));
            mapped.Prefetch(0, 16 << 20);
            Assert.Equal(gone + missing + 64, mapped.AdvisedPieces);
        }
        finally
        {
            mapped.Release();
            File.Delete(path);
        }
    }

    private static int PiecesNotWhollyCached(string path, long from, long end)
    {
        int count = 0;
        for (long p = from; p < end; p += Piece)
            if (PageCache.CachedFraction(path, p, Math.Min(Piece, end - p)) < 1) count++;
        return count;
    }

    /// <summary>A file of random bytes beside the test binaries, not in the temp folder, which may be tmpfs (whose pages cannot be evicted).</summary>
    private static string WriteFile(string name, int length, int seed)
    {
        string path = Path.Combine(AppContext.BaseDirectory, $"{name}-{Environment.ProcessId}.ndjson");
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// The share of the range cached once the kernel's read-ahead had up to 30 s to bring it in. A
    /// few pages may be gone again by then: this project's VM runs a DAMON page-out scheme that
    /// takes pages of the page cache it judges idle (bench/README.md), and once took 4 of 8,448
    /// here. A read-ahead that stopped short (the fault this guards against) leaves most of it out.
    /// </summary>
    private static double WhenCached(string path, long offset, long length)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        double cached;
        while ((cached = PageCache.CachedFraction(path, offset, length)) < 1 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        return cached;
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
