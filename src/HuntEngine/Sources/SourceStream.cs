namespace HuntEngine.Sources;

/// <summary>
/// An opened input: the raw file and the decompressed stream over it. Compression is sniffed from
/// the first bytes (spec §1), so a gzip file named <c>.json</c> or a plain file named <c>.gz</c> is
/// read for what it is.
/// </summary>
internal sealed class SourceStream : IDisposable
{
    private readonly FileStream _file;

    private SourceStream(FileStream file, Stream decoded, CompressionKind compression)
    {
        _file = file;
        Decoded = decoded;
        Compression = compression;
    }

    public Stream Decoded { get; }
    public CompressionKind Compression { get; }

    /// <summary>Bytes read from the file so far (the compressed size once the stream is drained).</summary>
    public long CompressedBytesRead => _file.CanSeek ? _file.Position : 0;

    public static SourceStream Open(string path)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan,
            BufferSize = 1 << 16,
        });
        try
        {
            Span<byte> head = stackalloc byte[4];
            int n = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            file.Seek(0, SeekOrigin.Begin);
            var kind = CompressionSniffer.Sniff(head[..n]);
            return new SourceStream(file, CompressionSniffer.Decode(file, kind), kind);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Decoded.Dispose();
        _file.Dispose();
    }
}
