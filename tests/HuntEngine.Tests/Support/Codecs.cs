using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace HuntEngine.Tests.Support;

public enum Codec { None, Gzip, Lz4, Zstd }

/// <summary>Compresses test inputs, optionally as several concatenated members/frames split at arbitrary byte positions.</summary>
internal static class Codecs
{
    public static readonly Codec[] All = [Codec.None, Codec.Gzip, Codec.Lz4, Codec.Zstd];

    public static byte[] Compress(byte[] data, Codec codec, int members = 1)
    {
        if (codec == Codec.None) return data;
        using var output = new MemoryStream();
        int step = Math.Max(1, data.Length / members);
        for (int start = 0; start < data.Length || start == 0; start += step)
        {
            int len = members == 1 || start + 2 * step > data.Length ? data.Length - start : step;
            using (var s = Open(output, codec)) s.Write(data, start, len);
            if (start + len >= data.Length) break;
        }
        return output.ToArray();
    }

    private static Stream Open(Stream output, Codec codec) => codec switch
    {
        Codec.Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
        Codec.Lz4 => LZ4Stream.Encode(output, leaveOpen: true),
        Codec.Zstd => new CompressionStream(output, 3, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(codec)),
    };
}
