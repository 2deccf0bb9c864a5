using HuntEngine.Scanning;
using HuntEngine.Sources;
using HuntEngine.Tests.Framing;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Sources;

/// <summary>
/// The read-ahead pipe under a compressed file: the decoder must get exactly the file's bytes from
/// where it starts, in whatever sizes it asks, with the offset it reached; a read error after the
/// bytes before it; and the reader thread must stay within its bound and stop when disposed.
/// </summary>
public sealed class ReadAheadFileTests
{
    [Fact]
    public void Gives_the_files_bytes_in_any_read_sizes_with_the_offset_reached()
    {
        var rng = new Random(20261207);
        foreach (int size in new[] { 0, 1, 4095, 4096, 4097, 3 * 4096 + 17, 200_000, 1 << 20 })
        {
            var data = new byte[size];
            rng.NextBytes(data);
            int start = size == 0 ? 0 : rng.Next(Math.Min(size, 5000));
            // Small reads and a small bound, so the reader thread pauses and resumes many times.
            using var file = new ReadAheadFile((into, offset) => ReadFrom(data, into, offset), start, readSize: 4096, aheadBytes: 16384);
            var got = new List<byte>();
            var buffer = new byte[3 * 4096 + 5];
            while (true)
            {
                int want = rng.Next(4) switch { 0 => 1, 1 => rng.Next(1, 8), 2 => rng.Next(1, 4096), _ => buffer.Length };
                int n = file.Read(buffer, 0, want);
                if (n == 0) break;
                // As much as asked for, as a file read gives, unless the file ends first.
                Assert.Equal(Math.Min(want, size - start - got.Count), n);
                got.AddRange(buffer.AsSpan(0, n).ToArray());
                Assert.Equal(start + got.Count, file.Position);
            }
            Assert.Equal(data.AsSpan(start).ToArray(), got.ToArray());
            Assert.Equal(0, file.Read(buffer, 0, buffer.Length)); // the end stays the end
            Assert.Equal(size, file.Position);
        }
    }

    [Fact]
    public void A_read_error_reaches_the_decoder_after_the_bytes_before_it()
    {
        var data = new byte[100_000];
        new Random(5).NextBytes(data);
        const int failAt = 70_000;
        using var file = new ReadAheadFile((into, offset) =>
        {
            if (offset >= failAt) throw new IOException("Input/output error (injected)");
            return ReadFrom(data, into[..(int)Math.Min(into.Length, failAt - offset)], offset);
        }, 0, readSize: 4096, aheadBytes: 16384);
        var got = new MemoryStream();
        var buffer = new byte[1000];
        var error = Assert.Throws<IOException>(() =>
        {
            int n;
            while ((n = file.Read(buffer, 0, buffer.Length)) > 0) got.Write(buffer, 0, n);
        });
        Assert.Contains("injected", error.Message);
        Assert.Equal(data.AsSpan(0, failAt).ToArray(), got.ToArray());
        Assert.Equal(failAt, file.Position);
    }

    [Fact]
    public void Reads_ahead_only_to_its_bound_and_stops_when_disposed()
    {
        const int readSize = 4096, ahead = 65536;
        var data = new byte[4 << 20];
        var file = new ReadAheadFile((into, offset) => ReadFrom(data, into, offset), 0, readSize, ahead);
        // Nothing is decoded: the reader thread fills the pipe to its bound, then waits.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (file.ReadAhead < ahead && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.True(file.ReadAhead >= ahead, $"the reader thread read {file.ReadAhead} bytes ahead, never reaching its bound");
        Thread.Sleep(200);
        Assert.InRange(file.ReadAhead, ahead, ahead + readSize);
        Assert.True(file.Reading);

        // Decoding some of it lets the reader go on, still within the bound of what is not decoded.
        var buffer = new byte[ahead];
        int taken = 0;
        while (taken < ahead) taken += file.Read(buffer, 0, ahead - taken);
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (file.ReadAhead < 2 * ahead && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Thread.Sleep(200);
        Assert.InRange(file.ReadAhead, 2 * ahead - readSize, 2 * ahead + readSize);

        // A read larger than the bound gets the bound (the reader thread pauses there), not a hang.
        Assert.Equal(ahead, file.Read(new byte[4 * ahead], 0, 4 * ahead));

        // Disposed while it waits at its bound: the reader thread ends, and the stream is closed.
        file.Dispose();
        Assert.False(file.Reading);
        Assert.Throws<ObjectDisposedException>(() => file.Read(buffer, 0, 1));
        file.Dispose(); // twice is harmless
    }

    [Fact]
    public void Disposing_before_the_end_stops_a_reader_thread_that_is_reading()
    {
        var data = new byte[1 << 20];
        using var started = new ManualResetEventSlim();
        var file = new ReadAheadFile((into, offset) =>
        {
            started.Set();
            Thread.Sleep(20); // a slow disk
            return ReadFrom(data, into, offset);
        }, 0, readSize: 4096, aheadBytes: 1 << 20);
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        file.Dispose();
        Assert.False(file.Reading);
        Assert.True(file.ReadAhead < data.Length);
    }

    /// <summary>Every compressed file piped, in small reads, pausing once 256 KiB wait: above the 128 KiB a decoder asks for at most.</summary>
    private static readonly ReadAheadSettings EveryFile = new(MinFileBytes: 0, ReadSize: 4096, AheadBytes: 256 << 10);
    private static readonly ReadAheadSettings NoFile = ReadAheadSettings.Default with { MinFileBytes = long.MaxValue };

    [Fact]
    public void Compressed_files_scan_exactly_alike_read_ahead_and_read_by_their_decoder()
    {
        // Generated files in every layout, compressed as one or several members, some cut short,
        // followed by garbage or over the decompression limit: every detection, count, bad record,
        // byte count and file error must be the same whether the decoder reads the file or the
        // read-ahead pipe. A quarter are 1-4 MiB before compression, and several of those are more
        // than the test pipe holds, so its reader thread can fill it and wait.
        var rng = new Random(20261207);
        int damaged = 0, overBound = 0;
        for (int round = 0; round < 80; round++)
        {
            var plain = MappedFramingTests.Content(rng, out string layout, big: round % 4 == 0);
            var codec = new[] { Codec.Gzip, Codec.Lz4, Codec.Zstd }[rng.Next(3)];
            var bytes = Codecs.Compress(plain, codec, members: rng.Next(1, 4));
            string damage = rng.Next(8) switch
            {
                0 => "cut",
                1 => "garbage",
                2 => "limit",
                _ => "none",
            };
            if (damage == "cut") bytes = bytes[..rng.Next(1, bytes.Length)];
            if (damage == "garbage") bytes = [.. bytes, .. "not a compressed member"u8];
            long limit = damage == "limit" ? rng.Next(1, plain.Length) : long.MaxValue;
            if (damage != "none") damaged++;
            if (bytes.Length > EveryFile.AheadBytes) overBound++;
            int block = new[] { 4096, 65536, 4 << 20 }[rng.Next(3)];
            var files = new Dictionary<string, byte[]> { ["input.bin"] = bytes };
            ScanOptions Options(ScanOptions o) => o with { BlockBytes = block, MaxDecompressedBytes = limit, MalformedSamplesPerFile = 100_000 };
            using var direct = EngineProbe.ScanFiles(files, o => Options(o) with { ReadAhead = NoFile });
            using var piped = EngineProbe.ScanFiles(files, o => Options(o) with { ReadAhead = EveryFile });
            Assert.Equal(codec.ToString().ToLowerInvariant(), piped.Summary.Files[0].Compression);
            string expected = MappedFramingTests.Describe(direct), actual = MappedFramingTests.Describe(piped);
            Assert.True(expected == actual, $"round {round}: {layout} {codec} {damage}, {bytes.Length} bytes:\n{expected}\n---\n{actual}");
        }
        Assert.True(damaged > 15 && overBound > 5, $"{damaged} damaged files, {overBound} larger than the pipe holds");
    }

    [Theory]
    [InlineData(Codec.Gzip)]
    [InlineData(Codec.Lz4)]
    [InlineData(Codec.Zstd)]
    public void The_ratio_guard_stops_a_bomb_at_the_same_place_read_ahead_or_not(Codec codec)
    {
        // 80 MiB of blank lines compress over 100:1; the guard looks once past 64 MiB decoded and
        // names the compressed bytes the decoder took, which must not depend on the read-ahead.
        var plain = new byte[80 << 20];
        plain.AsSpan().Fill((byte)'\n');
        var files = new Dictionary<string, byte[]> { ["bomb.bin"] = Codecs.Compress(plain, codec) };
        using var direct = EngineProbe.ScanFiles(files, o => o with { MaxRatio = 100, ReadAhead = NoFile });
        using var piped = EngineProbe.ScanFiles(files, o => o with { MaxRatio = 100, ReadAhead = EveryFile });
        Assert.Contains("bomb guard", piped.Summary.Files[0].Error);
        Assert.Equal(MappedFramingTests.Describe(direct), MappedFramingTests.Describe(piped));
    }

    private static int ReadFrom(byte[] data, Span<byte> into, long offset)
    {
        if (offset >= data.Length) return 0;
        int n = (int)Math.Min(into.Length, data.Length - offset);
        data.AsSpan((int)offset, n).CopyTo(into);
        return n;
    }
}

/// <summary>
/// A scan interrupted while a compressed file is read ahead stops, and leaves no reader thread
/// behind. Alone (not beside tests that pipe files of their own), so the threads counted are its own.
/// </summary>
[Collection(HuntEngine.Tests.BadInput.MemorySensitiveCollection.Name)]
public sealed class ReadAheadInterruptionTests
{
    [LinuxFact]
    public void An_interrupted_scan_of_a_piped_file_stops_and_leaves_no_reader_thread()
    {
        // About 200 MB of records as gzip, so the scan is still decoding when it is interrupted.
        var chunk = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', HuntEngine.DataGen.CorpusGenerator
            .Records(new HuntEngine.DataGen.GeneratorOptions(9, 4_000_000)).Select(r => System.Text.Encoding.UTF8.GetString(r.Json))) + "\n");
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "big.ndjson.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
            for (long n = 0; n < 200_000_000; n += chunk.Length) gz.Write(chunk);

        using var cancel = new CancellationTokenSource();
        var progress = new ScanProgress();
        // Interrupted once the first bytes were framed: well before the file's end.
        var watcher = ScanInterruption.CancelOnceFramed(progress, cancel);
        using var result = HuntScanner.Run(new ScanOptions
        {
            Paths = [path],
            Threads = 1,
            BlockBytes = 64 << 10,
            Progress = progress,
            ReadAhead = new ReadAheadSettings(MinFileBytes: 0, ReadSize: 1 << 20, AheadBytes: 8 << 20),
        }, cancel.Token);
        watcher.Join();
        Assert.True(result.Summary.Interrupted);
        Assert.True(result.Summary.DecompressedBytes < 150_000_000, $"{result.Summary.DecompressedBytes} bytes decoded before the interruption took");
        Assert.Equal(0, ReaderThreadsOnceEnded());
    }

    /// <summary>
    /// <see cref="ReaderThreads"/> after giving an ended thread time to leave /proc: Thread.Join
    /// returns once the managed thread is done, a moment before the OS thread has exited (a leaked
    /// reader never leaves, so 5 s tells the two apart).
    /// </summary>
    private static int ReaderThreadsOnceEnded()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        int n;
        while ((n = ReaderThreads()) > 0 && waited.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
        return n;
    }

    /// <summary>Threads of this process named as <see cref="ReadAheadFile"/> names its reader.</summary>
    private static int ReaderThreads() =>
        Directory.GetDirectories("/proc/self/task").Count(t =>
        {
            try { return File.ReadAllText(Path.Combine(t, "comm")).Trim() == "hunt-read-ahead"; }
            catch (IOException) { return false; } // the thread ended while it was listed
        });
}
