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
                Assert.InRange(n, 1, want);
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
        int readsAfterDispose = 0;
        bool disposed = false;
        var file = new ReadAheadFile((into, offset) =>
        {
            if (Volatile.Read(ref disposed)) Interlocked.Increment(ref readsAfterDispose);
            return ReadFrom(data, into, offset);
        }, 0, readSize, ahead);
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

        file.Dispose();
        Volatile.Write(ref disposed, true);
        Assert.False(file.Reading);
        Thread.Sleep(50);
        Assert.Equal(0, Volatile.Read(ref readsAfterDispose));
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

    [Fact]
    public void Compressed_files_scan_exactly_alike_read_ahead_and_read_by_their_decoder()
    {
        // Generated files in every layout, compressed as one or several members, some cut short
        // or followed by garbage: every detection, count, bad record, byte count and file error
        // must be the same whether the decoder reads the file or the read-ahead pipe.
        var rng = new Random(20261207);
        int damaged = 0;
        for (int round = 0; round < 80; round++)
        {
            var plain = MappedFramingTests.Content(rng, out string layout, big: round % 8 == 0);
            var codec = new[] { Codec.Gzip, Codec.Lz4, Codec.Zstd }[rng.Next(3)];
            var bytes = Codecs.Compress(plain, codec, members: rng.Next(1, 4));
            string damage = rng.Next(6) switch
            {
                0 => "cut",
                1 => "garbage",
                _ => "none",
            };
            if (damage == "cut") bytes = bytes[..rng.Next(1, bytes.Length)];
            if (damage == "garbage") bytes = [.. bytes, .. "not a compressed member"u8];
            if (damage != "none") damaged++;
            int block = new[] { 4096, 65536, 4 << 20 }[rng.Next(3)];
            var files = new Dictionary<string, byte[]> { ["input.bin"] = bytes };
            using var direct = EngineProbe.ScanFiles(files, o => o with { BlockBytes = block, ReadAheadMinBytes = long.MaxValue, MalformedSamplesPerFile = 100_000 });
            using var readAhead = EngineProbe.ScanFiles(files, o => o with { BlockBytes = block, ReadAheadMinBytes = 0, MalformedSamplesPerFile = 100_000 });
            Assert.Equal(bytes.Length > 0 ? codec.ToString().ToLowerInvariant() : "none", readAhead.Summary.Files[0].Compression);
            Assert.True(MappedFramingTests.Describe(direct) == MappedFramingTests.Describe(readAhead),
                $"round {round}: {layout} {codec} {damage}, {plain.Length} bytes:\n{MappedFramingTests.Describe(direct)}\n---\n{MappedFramingTests.Describe(readAhead)}");
        }
        Assert.True(damaged > 15, $"{damaged} damaged files");
    }

    private static int ReadFrom(byte[] data, Span<byte> into, long offset)
    {
        if (offset >= data.Length) return 0;
        int n = (int)Math.Min(into.Length, data.Length - offset);
        data.AsSpan((int)offset, n).CopyTo(into);
        return n;
    }
}
