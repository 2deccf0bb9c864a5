using System.IO.Compression;
using ZstdSharp;

namespace HuntEngine.Sources;

/// <summary>Compression of an input file, told from its first bytes (spec §1), never from its name.</summary>
public enum CompressionKind : byte
{
    None,
    Gzip,
    Lz4,
    Zstd,
}

internal static class CompressionSniffer
{
    /// <summary>
    /// The compression of <paramref name="file"/>, read from its first bytes without moving its
    /// position. Skippable frames (magic 0x184D2A50..5F) are shared by zstd and LZ4: the file is
    /// what the first frame after them is (zstd if that is neither, as pzstd writes them).
    /// </summary>
    public static CompressionKind Sniff(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        Span<byte> head = stackalloc byte[8];
        int n = RandomAccess.Read(file, head, 0);
        var kind = Sniff(head[..n]);
        long at = 0;
        for (int skipped = 0; kind == CompressionKind.Zstd && n == 8 && IsSkippableFrame(head) && skipped < 16; skipped++)
        {
            at += 8 + System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            n = RandomAccess.Read(file, head, at);
            if (n >= 4 && Sniff(head[..n]) == CompressionKind.Lz4) return CompressionKind.Lz4;
        }
        return kind;
    }

    private static bool IsSkippableFrame(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && (head[0] & 0xF0) == 0x50 && head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18;

    public static CompressionKind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b])) return CompressionKind.Gzip;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x04, 0x22, 0x4d, 0x18])) return CompressionKind.Lz4;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd])) return CompressionKind.Zstd;
        // A skippable frame (magic 0x184D2A50..5F, little-endian) first: pzstd starts its files with
        // one; the decoder skips it and reads the frames after it. (From a file, Sniff(file) looks past it.)
        if (IsSkippableFrame(head)) return CompressionKind.Zstd;
        return CompressionKind.None;
    }

    /// <summary>
    /// Wraps <paramref name="raw"/> in the decoder for <paramref name="kind"/>. Every decoder here reads
    /// concatenated members/frames as one stream (checked by the container tests).
    /// </summary>
    public static Stream Decode(Stream raw, CompressionKind kind) => kind switch
    {
        CompressionKind.Gzip => new GzipDecodeStream(raw),
        CompressionKind.Lz4 => new Lz4FrameStream(raw),
        CompressionKind.Zstd => new DecompressionStream(raw, leaveOpen: false),
        _ => raw,
    };
}
