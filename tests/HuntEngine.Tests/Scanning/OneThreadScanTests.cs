using System.IO.Compression;
using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Scanning;
using HuntEngine.Tests.Sources;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Scanning;

/// <summary>
/// <c>--threads 1</c> is one thread: no worker or read-ahead thread beside the caller's, and the
/// same result as with threads. Alone (not beside other scans), so the threads seen are this scan's.
/// What it watches is the engine's named threads (<c>hunt-*</c>); work queued to the runtime's
/// thread pool would not show here (the one-thread path queues none: HuntScanner builds the tables
/// in turn when there is one thread).
/// </summary>
[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class OneThreadScanTests
{
    [LinuxFact]
    public void One_thread_starts_no_scan_thread_of_its_own_and_finds_what_threads_find()
    {
        using var dir = new TempDir();
        var records = CorpusGenerator.Records(new GeneratorOptions(17, 3_000_000, PlantRate: 0.02))
            .Select(r => Encoding.UTF8.GetString(r.Json)).ToList();
        string lines = string.Join("\n", records) + "\n";
        // A mapped plain file, and a gzip file large enough on disk to be read ahead with threads:
        // its records carry random text, which gzip cannot shrink below the read-ahead threshold.
        File.WriteAllText(Path.Combine(dir.Path, "plain.ndjson"), lines);
        var random = new Random(3);
        using (var gz = new GZipStream(File.Create(Path.Combine(dir.Path, "big.ndjson.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(lines));
            var noise = new byte[3000];
            for (int i = 0; i < 4000; i++)
            {
                random.NextBytes(noise);
                gz.Write(Encoding.UTF8.GetBytes($$"""{"Padding":"{{Convert.ToBase64String(noise)}}"}""" + "\n"));
            }
        }
        Assert.True(new FileInfo(Path.Combine(dir.Path, "big.ndjson.gz")).Length >= HuntEngine.Sources.ReadAheadSettings.Default.MinFileBytes);

        var (one, seenOne) = ScanWatchingThreads(new ScanOptions { Paths = [dir.Path], Threads = 1, MapEveryFile = true });
        var (two, seenTwo) = ScanWatchingThreads(new ScanOptions { Paths = [dir.Path], Threads = 2, MapEveryFile = true });
        using (one)
        using (two)
        {
            Assert.Empty(seenOne);
            // The watcher does see the threads of a scan that has them.
            Assert.Contains("hunt-worker", seenTwo);
            Assert.Contains("hunt-read-ahead", seenTwo);

            Assert.NotEmpty(one.Detections);
            Assert.Equal(two.Detections, one.Detections);
            Assert.All(one.Summary.Files, f => Assert.Null(f.Error));
            Assert.True(one.Summary.Files.Single(f => f.Path.EndsWith("plain.ndjson", StringComparison.Ordinal)).MemoryMapped);
            Assert.Equal(
                two.Summary.Files.Select(f => (f.Path, f.RecordsFramed, f.RecordsParsed, f.RecordsCleared, f.DecompressedBytes, f.CompressedBytes)),
                one.Summary.Files.Select(f => (f.Path, f.RecordsFramed, f.RecordsParsed, f.RecordsCleared, f.DecompressedBytes, f.CompressedBytes)));
            Assert.Equal(1, one.Summary.Threads);
        }
    }

    [Fact]
    public void An_interrupted_one_thread_scan_stops_early_and_says_so()
    {
        using var dir = new TempDir();
        string lines = string.Join("\n", CorpusGenerator.Records(new GeneratorOptions(4, 2_000_000)).Select(r => Encoding.UTF8.GetString(r.Json))) + "\n";
        for (int i = 0; i < 20; i++) File.WriteAllText(Path.Combine(dir.Path, $"part{i:D2}.ndjson"), lines);
        using var cancel = new CancellationTokenSource();
        var progress = new ScanProgress();
        var watcher = ScanInterruption.CancelOnceFramed(progress, cancel);
        using var result = HuntScanner.Run(new ScanOptions { Paths = [dir.Path], Threads = 1, BlockBytes = 64 << 10, Progress = progress }, cancel.Token);
        watcher.Join();
        Assert.True(result.Summary.Interrupted);
        Assert.True(result.Summary.DecompressedBytes < 10L * lines.Length, $"{result.Summary.DecompressedBytes} of {20L * lines.Length} bytes read before the interruption took");
    }

    /// <summary>Runs the scan while another thread lists, as fast as it can, the names of this process's threads that start with "hunt-".</summary>
    private static (ScanResult Result, HashSet<string> Seen) ScanWatchingThreads(ScanOptions options)
    {
        var seen = new HashSet<string>();
        using var done = new ManualResetEventSlim();
        var watcher = new Thread(() =>
        {
            while (!done.IsSet)
                foreach (var task in Directory.GetDirectories("/proc/self/task"))
                {
                    try
                    {
                        string name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                        if (name.StartsWith("hunt-", StringComparison.Ordinal)) seen.Add(name);
                    }
                    catch (IOException)
                    {
                        // the thread ended while it was listed
                    }
                }
        });
        watcher.Start();
        try
        {
            return (HuntScanner.Run(options), seen);
        }
        finally
        {
            done.Set();
            watcher.Join();
        }
    }
}
