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
    public static CompressionKind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b])) return CompressionKind.Gzip;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x04, 0x22, 0x4d, 0x18])) return CompressionKind.Lz4;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd])) return CompressionKind.Zstd;
        // A zstd skippable frame (magic 0x184D2A50..5F, little-endian) first: pzstd starts its
        // files with one; the decoder skips it and reads the frames after it.
        if (head.Length >= 4 && (head[0] & 0xF0) == 0x50 && head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18) return CompressionKind.Zstd;
        return CompressionKind.None;
    }

    /// <summary>
    /// Wraps <paramref name="raw"/> in the decoder for <paramref name="kind"/>. Every decoder here reads
    /// concatenated members/frames as one stream (checked by the container tests).
    /// </summary>
    public static Stream Decode(Stream raw, CompressionKind kind) => kind switch
    {
        CompressionKind.Gzip => new GZipStream(raw, CompressionMode.Decompress, leaveOpen: false),
        CompressionKind.Lz4 => new Lz4FrameStream(raw),
        CompressionKind.Zstd => new DecompressionStream(raw, leaveOpen: false),
        _ => raw,
    };
}
