using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using HuntEngine.Sources;
using ZstdSharp;

namespace HuntEngine.Compare;

/// <summary>
/// The hidden <c>decompress-worker</c> command: decompresses a file to /dev/null with the decoder
/// and read sizes the engine uses (src/HuntEngine/Sources: a 64 KiB sequential FileStream, then
/// GZipStream, the engine's own LZ4 frame reader (its source file is compiled in here) or ZstdSharp
/// DecompressionStream, read 64 KiB at a time). It is the floor for hunt on a compressed file: hunt
/// cannot be faster than its decoder alone. With <c>k4os</c>, LZ4 is decoded by K4os'
/// LZ4Stream.Decode instead: the stock decoder, shown beside it for comparison.
/// </summary>
internal static class DecompressWorker
{
    public static int Run(string path, bool k4osLz4 = false)
    {
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            Options = FileOptions.SequentialScan,
            BufferSize = 1 << 16,
        });
        Span<byte> head = stackalloc byte[4];
        int n = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        file.Seek(0, SeekOrigin.Begin);
        head = head[..n];
        using Stream decoded = head switch
        {
            [0x1f, 0x8b, ..] => new GZipStream(file, CompressionMode.Decompress, leaveOpen: true),
            [0x04, 0x22, 0x4d, 0x18] when k4osLz4 => LZ4Stream.Decode(file, extraMemory: 0, leaveOpen: true),
            [0x04, 0x22, 0x4d, 0x18] => new Lz4FrameStream(file),
            [0x28, 0xb5, 0x2f, 0xfd] => new DecompressionStream(file, leaveOpen: true),
            _ => file,
        };
        using var sink = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
        var buffer = new byte[64 << 10];
        long total = 0;
        int read;
        while ((read = decoded.Read(buffer, 0, buffer.Length)) > 0)
        {
            sink.Write(buffer, 0, read);
            total += read;
        }
        Console.WriteLine(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }
}
