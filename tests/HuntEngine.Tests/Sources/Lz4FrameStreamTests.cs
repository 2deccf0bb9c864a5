using System.Buffers.Binary;
using System.Text;
using HuntEngine.Sources;
using HuntEngine.Tests.BadInput;
using HuntEngine.Tests.Support;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using K4os.Hash.xxHash;

namespace HuntEngine.Tests.Sources;

/// <summary>
/// The engine's LZ4 frame reader against K4os' <c>LZ4Stream</c> (the reference it replaced) and
/// against the bytes that were compressed: every frame option a writer may set, several frames and
/// skippable frames in one file, any read sizes; and damage (cuts, flipped bytes, header fields the
/// format forbids), where it must fail where the reference fails and return the same bytes first.
/// </summary>
public sealed class Lz4FrameStreamTests
{
    private static readonly Lazy<byte[]> Text = new(() =>
    {
        // Real-shaped records, with a stretch of random bytes that LZ4 cannot shrink (stored blocks).
        var (ndjson, _) = GeneratedRecords.Ndjson(GeneratedRecords.Pool.Select(r => r.Json));
        var random = new byte[300_000];
        new Random(7).NextBytes(random);
        var all = new List<byte>();
        while (all.Count < 11 << 20)
        {
            all.AddRange(ndjson);
            if (all.Count < 5 << 20) all.AddRange(random);
        }
        return all.ToArray();
    });

    /// <summary>One frame of <paramref name="data"/>; with a content size, K4os' writer (which cannot write one) writes the frame and the size is put into its header after.</summary>
    private static byte[] Encode(ReadOnlySpan<byte> data, LZ4EncoderSettings settings)
    {
        long? size = settings.ContentLength;
        settings.ContentLength = null;
        var output = new MemoryStream();
        using (var encoder = LZ4Stream.Encode(output, settings, leaveOpen: true)) encoder.Write(data);
        settings.ContentLength = size;
        var frame = output.ToArray();
        if (size is not { } declared) return frame;
        Assert.Equal(0, frame[4] & 0x09); // no content size or dictionary yet: the descriptor is FLG, BD
        var descriptor = new byte[10];
        descriptor[0] = (byte)(frame[4] | 0x08);
        descriptor[1] = frame[5];
        BinaryPrimitives.WriteInt64LittleEndian(descriptor.AsSpan(2), declared);
        return [.. frame.AsSpan(0, 4), .. descriptor, (byte)(XXH32.DigestOf(descriptor) >> 8), .. frame.AsSpan(7)];
    }

    /// <summary>Reads <paramref name="decoded"/> to its end or its first error, in read sizes from <paramref name="rng"/> (none: 64 KiB, what the engine asks for).</summary>
    private static (byte[] Bytes, Exception? Error) ReadAll(Stream decoded, Random? rng = null)
    {
        var output = new MemoryStream();
        var buffer = new byte[9 << 20];
        try
        {
            while (true)
            {
                int want = rng is null ? 64 << 10 : rng.Next(4) switch { 0 => rng.Next(1, 100), 1 => rng.Next(1, 70_000), 2 => 64 << 10, _ => buffer.Length };
                int n = decoded.Read(buffer, 0, want);
                if (n == 0) break;
                Assert.InRange(n, 1, want);
                output.Write(buffer, 0, n);
            }
            return (output.ToArray(), null);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            return (output.ToArray(), e);
        }
        finally
        {
            decoded.Dispose();
        }
    }

    private static (byte[] Bytes, Exception? Error) Ours(byte[] file, Random? rng = null) => ReadAll(new Lz4FrameStream(new MemoryStream(file)), rng);

    private static (byte[] Bytes, Exception? Error) Reference(byte[] file) => ReadAll(LZ4Stream.Decode(new MemoryStream(file)));

    public static TheoryData<int, bool, bool, bool, bool> Options()
    {
        var data = new TheoryData<int, bool, bool, bool, bool>();
        foreach (int blockSize in new[] { 64 << 10, 256 << 10, 1 << 20, 4 << 20 })
            foreach (bool chained in new[] { true, false })
                foreach (bool contentChecksum in new[] { true, false })
                    foreach (bool blockChecksum in new[] { true, false })
                        foreach (bool contentLength in new[] { true, false })
                            data.Add(blockSize, chained, contentChecksum, blockChecksum, contentLength);
        return data;
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void Decodes_every_frame_option_as_the_reference_does_in_any_read_sizes(int blockSize, bool chained, bool contentChecksum, bool blockChecksum, bool contentLength)
    {
        var rng = new Random(HashCode.Combine(blockSize, chained, contentChecksum, blockChecksum, contentLength) & 0x7FFFFFFF);
        // Lengths at and around block boundaries, the empty frame, and several blocks.
        foreach (int length in new[] { 0, 1, blockSize - 1, blockSize, blockSize + 1, Math.Min(Text.Value.Length, 2 * blockSize + rng.Next(blockSize)) })
        {
            var data = Text.Value.AsSpan(rng.Next(Text.Value.Length - length + 1), length).ToArray();
            var settings = new LZ4EncoderSettings
            {
                BlockSize = blockSize,
                ChainBlocks = chained,
                ContentChecksum = contentChecksum,
                BlockChecksum = blockChecksum,
                ContentLength = contentLength ? length : null,
                CompressionLevel = rng.Next(4) == 0 ? LZ4Level.L09_HC : LZ4Level.L00_FAST,
            };
            var file = Encode(data, settings);
            string ctx = $"{length} bytes, {settings.CompressionLevel}";
            var (engineReads, error) = Ours(file);
            Assert.Null(error);
            Assert.True(data.AsSpan().SequenceEqual(engineReads), ctx);
            var (anyReads, error2) = Ours(file, rng);
            Assert.Null(error2);
            Assert.True(data.AsSpan().SequenceEqual(anyReads), $"{ctx}, random read sizes");
            var (reference, referenceError) = Reference(file);
            Assert.Null(referenceError);
            Assert.True(reference.AsSpan().SequenceEqual(engineReads), ctx);
        }
    }

    [Fact]
    public void Concatenated_and_skippable_frames_are_one_stream()
    {
        var rng = new Random(1207);
        for (int round = 0; round < 12; round++)
        {
            var expected = new MemoryStream();
            var file = new MemoryStream();
            bool skippable = false;
            int frames = rng.Next(1, 5);
            for (int f = 0; f < frames; f++)
            {
                if (rng.Next(3) == 0)
                {
                    // A skippable frame (magic 0x184D2A5?, a 4-byte size, that many bytes): metadata a reader passes over.
                    var skip = new byte[rng.Next(0, 70_000)];
                    rng.NextBytes(skip);
                    var head = new byte[8];
                    BinaryPrimitives.WriteUInt32LittleEndian(head, 0x184D2A50u | (uint)rng.Next(16));
                    BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), (uint)skip.Length);
                    file.Write(head);
                    file.Write(skip);
                    skippable = true;
                }
                int length = rng.Next(0, 400_000);
                var data = Text.Value.AsSpan(rng.Next(Text.Value.Length - length), length);
                expected.Write(data);
                file.Write(Encode(data, new LZ4EncoderSettings
                {
                    BlockSize = rng.Next(2) == 0 ? 64 << 10 : 256 << 10,
                    ChainBlocks = rng.Next(2) == 0,
                    ContentChecksum = rng.Next(2) == 0,
                    BlockChecksum = rng.Next(2) == 0,
                }));
            }
            var (bytes, error) = Ours(file.ToArray(), rng);
            Assert.Null(error);
            Assert.True(expected.ToArray().AsSpan().SequenceEqual(bytes), $"round {round}");
            if (!skippable)
            {
                // The reference reads concatenated frames too (it does not know skippable ones).
                var (reference, referenceError) = Reference(file.ToArray());
                Assert.Null(referenceError);
                Assert.True(reference.AsSpan().SequenceEqual(bytes), $"round {round}");
            }
        }
    }

    /// <summary>Small files of several frames, with and without checksums, chained and independent, for the damage tests.</summary>
    private static IEnumerable<(string Name, byte[] Data, byte[] File, long[] FrameEnds)> SmallFiles()
    {
        var rng = new Random(5);
        foreach (bool checksums in new[] { true, false })
            foreach (bool chained in new[] { true, false })
            {
                var data = new MemoryStream();
                var file = new MemoryStream();
                var ends = new List<long> { 0 };
                for (int f = 0; f < 3; f++)
                {
                    int length = 60_000 + rng.Next(100_000);
                    var part = Text.Value.AsSpan(rng.Next(Text.Value.Length - length), length);
                    data.Write(part);
                    file.Write(Encode(part, new LZ4EncoderSettings { BlockSize = 64 << 10, ChainBlocks = chained, ContentChecksum = checksums, BlockChecksum = checksums }));
                    ends.Add(file.Length);
                }
                yield return ($"checksums {checksums}, chained {chained}", data.ToArray(), file.ToArray(), ends.ToArray());
            }
    }

    [Fact]
    public void A_cut_file_fails_unless_cut_between_frames_and_gives_the_references_bytes_first()
    {
        foreach (var (name, data, file, frameEnds) in SmallFiles())
        {
            for (int cut = 0; cut < file.Length; cut += cut < 64 ? 1 : 97)
            {
                var cutFile = file[..cut];
                var (bytes, error) = Ours(cutFile);
                var (reference, referenceError) = Reference(cutFile);
                string ctx = $"{name}, cut at {cut} of {file.Length}";
                // Cut between frames: what is left is whole frames, read without error.
                bool between = frameEnds.Contains(cut);
                Assert.True(between == (error is null), $"{ctx}: {error?.Message ?? "no error"}");
                if (error is not null)
                {
                    Assert.IsType<InvalidDataException>(error);
                    Assert.Contains("at compressed byte", error.Message, StringComparison.Ordinal);
                }
                // Only the data's own bytes come out, at least as many as the reference gives (it holds back a
                // decoded block until it has read the next block's header), and the same failure.
                Assert.True(data.AsSpan().StartsWith(bytes), ctx);
                Assert.True(bytes.AsSpan().StartsWith(reference), $"{ctx}: the reference gave {reference.Length} bytes, ours {bytes.Length}");
                Assert.Equal(referenceError is null, error is null);
            }
        }
    }

    [Fact]
    public void A_flipped_byte_fails_the_stream_where_checksums_can_see_it_and_never_gives_bytes_the_reference_does_not()
    {
        var rng = new Random(11);
        foreach (var (name, data, file, _) in SmallFiles())
        {
            bool checksums = name.Contains("checksums True", StringComparison.Ordinal);
            for (int at = 0; at < file.Length; at += at < 32 ? 1 : 1 + rng.Next(150))
            {
                var damaged = (byte[])file.Clone();
                damaged[at] ^= (byte)(1 << rng.Next(8));
                var (bytes, error) = Ours(damaged);
                var (reference, referenceError) = Reference(damaged);
                string ctx = $"{name}, bit flipped at {at}: ours {error?.Message ?? "no error"}; reference {referenceError?.Message ?? "no error"}";
                // Every byte is under a checksum (header, block or content), so the damage is seen. Wrong bytes
                // may still come out first: the block checksum covers a block's data, not the "stored" bit of
                // its size word, and the content checksum is checked at the frame's end.
                if (checksums) Assert.True(error is not null, ctx);
                // Without checksums a flip in a literal decodes to a wrong byte unseen, by either reader.
                // Either way both readers fail alike, and ours gives the reference's bytes and maybe the
                // block it held back (see the cut test); where neither fails, exactly the same bytes.
                // Ours is stricter in one way: a block may not decode to more than the frame's block size (the
                // reference lets it run 8 bytes over), so where only ours fails, the reference gave wrong bytes.
                if (referenceError is not null) Assert.True(error is not null, ctx);
                if (error is not null && referenceError is null)
                {
                    Assert.False(data.AsSpan().SequenceEqual(reference), $"{ctx}: ours failed where the reference decoded the data intact");
                    Assert.True(reference.AsSpan().StartsWith(bytes), ctx);
                    continue;
                }
                Assert.True(bytes.AsSpan().StartsWith(reference), $"{ctx}: {reference.Length} bytes against {bytes.Length}");
                if (error is null) Assert.Equal(reference.Length, bytes.Length);
            }
        }
    }

    private static byte[] Frame(byte flg, byte bd, ReadOnlySpan<byte> extra, ReadOnlySpan<byte> blocks, bool fixHeaderChecksum = true)
    {
        var descriptor = new byte[2 + extra.Length];
        descriptor[0] = flg;
        descriptor[1] = bd;
        extra.CopyTo(descriptor.AsSpan(2));
        var ms = new MemoryStream();
        ms.Write([0x04, 0x22, 0x4d, 0x18]);
        ms.Write(descriptor);
        byte hc = (byte)(XXH32.DigestOf(descriptor) >> 8);
        ms.WriteByte(fixHeaderChecksum ? hc : (byte)(hc ^ 1));
        ms.Write(blocks);
        return ms.ToArray();
    }

    /// <summary>One stored block holding <paramref name="text"/>, then the end mark.</summary>
    private static byte[] StoredBlock(ReadOnlySpan<byte> text)
    {
        var ms = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, 0x80000000u | (uint)text.Length);
        ms.Write(word);
        ms.Write(text);
        ms.Write([0, 0, 0, 0]);
        return ms.ToArray();
    }

    [Fact]
    public void Header_fields_the_format_forbids_or_this_reader_cannot_honour_fail_with_what_is_wrong()
    {
        var text = "{\"Operation\":\"MessageSent\"}\n"u8.ToArray();
        var blocks = StoredBlock(text);
        Span<byte> size = stackalloc byte[8];

        // The well-formed frame these are made from reads.
        Assert.Equal(text, Ours(Frame(0x60, 0x40, [], blocks)).Bytes);

        byte[] none = [];
        var cases = new List<(string What, byte[] File, string Message, byte[] Before)>
        {
            ("header checksum", Frame(0x60, 0x40, [], blocks, fixHeaderChecksum: false), "header checksum", none),
            ("version 0", Frame(0x20, 0x40, [], blocks), "version 0", none),
            ("version 2", Frame(0xA0, 0x40, [], blocks), "version 2", none),
            ("reserved FLG bit", Frame(0x62, 0x40, [], blocks), "reserved bits", none),
            ("reserved BD bit", Frame(0x60, 0xC0, [], blocks), "reserved bits", none),
            ("block size code 3", Frame(0x60, 0x30, [], blocks), "block size code 3", none),
            ("a dictionary", Frame(0x61, 0x40, [1, 2, 3, 4], blocks), "dictionary 04030201", none),
        };
        // A declared size the blocks overrun fails before the block is returned; one they fall short of, at the end mark.
        BinaryPrimitives.WriteInt64LittleEndian(size, text.Length + 1);
        cases.Add(("declared size too large", Frame(0x68, 0x40, size, blocks), $"declares {text.Length + 1}", text));
        BinaryPrimitives.WriteInt64LittleEndian(size, text.Length - 1);
        cases.Add(("declared size too small", Frame(0x68, 0x40, size, blocks), $"more than the {text.Length - 1} bytes", none));
        // A block larger than the frame's block size (64 KiB here).
        var big = new byte[(64 << 10) + 1];
        cases.Add(("oversized block", Frame(0x60, 0x40, [], StoredBlock(big)), "at most 65536", none));
        // What follows a good frame: a legacy frame, another format, a few stray bytes, a cut skippable frame.
        var good = Frame(0x60, 0x40, [], blocks);
        cases.Add(("legacy frame after", [.. good, 0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0], "legacy", text));
        cases.Add(("gzip after", [.. good, 0x1f, 0x8b, 8, 0, 0, 0], "not an LZ4 frame (magic 00088b1f)", text));
        cases.Add(("3 stray bytes", [.. good, 0x04, 0x22, 0x4d], "3 bytes after the last frame", text));
        cases.Add(("cut skippable frame", [.. good, 0x50, 0x2a, 0x4d, 0x18, 100, 0, 0, 0, 1, 2], "skippable frame", text));

        foreach (var (what, file, message, before) in cases)
        {
            var (bytes, error) = Ours(file);
            Assert.True(error is InvalidDataException, $"{what}: {error?.ToString() ?? "no error"}");
            Assert.Contains(message, error!.Message, StringComparison.Ordinal);
            Assert.Contains("at compressed byte", error.Message, StringComparison.Ordinal);
            Assert.Equal(before, bytes);
        }
    }

    [Fact]
    public void Declared_sizes_are_read_as_lz4_reads_them_and_an_empty_block_is_no_damage()
    {
        var text = "{\"Operation\":\"MessageSent\"}\n"u8.ToArray();
        Span<byte> size = stackalloc byte[8];
        // 0 declares nothing (lz4's reference decoder reads it as unknown).
        BinaryPrimitives.WriteUInt64LittleEndian(size, 0);
        var (bytes, error) = Ours(Frame(0x68, 0x40, size, StoredBlock(text)));
        Assert.Null(error);
        Assert.Equal(text, bytes);
        // A size past 2^63 is still a size, and these blocks do not make it.
        BinaryPrimitives.WriteUInt64LittleEndian(size, (1UL << 63) + 5);
        (_, error) = Ours(Frame(0x68, 0x40, size, StoredBlock(text)));
        Assert.Contains("declares 9223372036854775813", Assert.IsType<InvalidDataException>(error).Message, StringComparison.Ordinal);
        // A compressed block of the one token 0 decodes to nothing; lz4 accepts it between other blocks.
        byte[] blocks = [1, 0, 0, 0, 0, .. StoredBlock(text)];
        (bytes, error) = Ours(Frame(0x60, 0x40, [], blocks));
        Assert.Null(error);
        Assert.Equal(text, bytes);
    }

    [Fact]
    public void A_file_that_starts_with_skippable_frames_is_lz4_when_an_lz4_frame_follows_them()
    {
        var (ndjson, _) = GeneratedRecords.Ndjson(GeneratedRecords.Pool.Take(40).Select(r => r.Json));
        var plain = Hit.Of(BadInputScan.Files(new Dictionary<string, byte[]> { ["a.json"] = ndjson }).Detections);
        byte[] skippable = [0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7, 0x5F, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
        var r = BadInputScan.Files(new Dictionary<string, byte[]> { ["a.bin"] = [.. skippable, .. Encode(ndjson, new LZ4EncoderSettings())] });
        var f = r.Summary.Files[0];
        Assert.Equal("lz4", f.Compression);
        Assert.Null(f.Error);
        Assert.Equal(plain, Hit.Of(r.Detections));
        // Before a zstd frame (as pzstd writes), or anything else, it is still zstd.
        var z = BadInputScan.Files(new Dictionary<string, byte[]> { ["z.bin"] = [.. skippable, .. Codecs.Compress(ndjson, Codec.Zstd)] });
        Assert.Equal("zstd", z.Summary.Files[0].Compression);
        Assert.Equal(plain, Hit.Of(z.Detections));
    }

    [Fact]
    public void A_declared_content_size_that_matches_and_an_empty_frame_read_without_error()
    {
        var text = Encoding.UTF8.GetBytes("{\"Operation\":\"Consent to application.\"}\n");
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(size, text.Length);
        var file = Frame(0x68, 0x70, size, StoredBlock(text));
        var (bytes, error) = Ours([.. Frame(0x60, 0x40, [], [0, 0, 0, 0]), .. file]);
        Assert.Null(error);
        Assert.Equal(text, bytes);
    }

    [Fact]
    public void An_engine_scan_of_lz4_written_with_any_options_finds_what_the_plain_file_holds()
    {
        var (ndjson, _) = GeneratedRecords.Ndjson(GeneratedRecords.Pool.Select(r => r.Json));
        var plain = Hit.Of(BadInputScan.Files(new Dictionary<string, byte[]> { ["a.json"] = ndjson }).Detections);
        Assert.True(plain.Count >= 5);
        var skippable = new byte[] { 0x5A, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9 };
        foreach (var settings in new Func<int, LZ4EncoderSettings>[]
        {
            _ => new LZ4EncoderSettings(),
            length => new LZ4EncoderSettings { BlockSize = 4 << 20, ChainBlocks = false, ContentChecksum = true, BlockChecksum = true, ContentLength = length },
            _ => new LZ4EncoderSettings { BlockSize = 64 << 10, ChainBlocks = false, CompressionLevel = LZ4Level.L12_MAX },
        })
        {
            // Split in two frames inside a record, a skippable frame between them.
            int half = ndjson.Length / 2 + 3;
            byte[] file = [.. Encode(ndjson.AsSpan(0, half), settings(half)), .. skippable, .. Encode(ndjson.AsSpan(half), settings(ndjson.Length - half))];
            var r = BadInputScan.Files(new Dictionary<string, byte[]> { ["a.json.lz4"] = file });
            var f = r.Summary.Files[0];
            Assert.Null(f.Error);
            Assert.Equal(ndjson.Length, f.DecompressedBytes);
            Assert.Equal(file.Length, f.CompressedBytes);
            Assert.Equal(plain, Hit.Of(r.Detections));
        }
    }
}
