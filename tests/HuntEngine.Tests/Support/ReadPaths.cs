using HuntEngine.Scanning;

namespace HuntEngine.Tests.Support;

/// <summary>
/// The ways the same bytes reach the framer, for tests that a result does not depend on them:
/// memory-mapped, read (1 MiB reads), and decompressed (about 64 KiB of decoded bytes at a time).
/// </summary>
internal static class ReadPaths
{
    /// <param name="name">The file's name without a compression suffix (a.json, a.csv).</param>
    /// <param name="codecs">The compressions to add besides the plain file, mapped and read.</param>
    public static (string Name, byte[] Content, Func<ScanOptions, ScanOptions> Mode)[] Of(string name, byte[] bytes, params Codec[] codecs) =>
    [
        (name, bytes, o => o with { MapEveryFile = true }),
        (name, bytes, o => o with { MemoryMap = false }),
        .. codecs.Select(c => (name + c switch { Codec.Gzip => ".gz", Codec.Lz4 => ".lz4", Codec.Zstd => ".zst", _ => "" }, Codecs.Compress(bytes, c), (Func<ScanOptions, ScanOptions>)(o => o))),
    ];
}
