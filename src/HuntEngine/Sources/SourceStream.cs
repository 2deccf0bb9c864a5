using System.IO.Compression;

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

    /// <summary>
    /// After the decoded stream returned its end: an error when the compressed stream was cut short
    /// in a way its decoder does not report itself (a gzip member without its end).
    /// </summary>
    public string? TruncationAfterEnd()
    {
        if (Decoded is GZipStream gz && GzipEndCheck.EndedCleanly(gz) == false)
            return "gzip stream truncated: the last member ends before its trailer";
        return null;
    }

    /// <summary>How many decoded bytes to ask for per read: small for compressed streams, so a decoder that fails mid-read loses little.</summary>
    public int ReadSize => Compression == CompressionKind.None ? 1 << 20 : 64 << 10;

    public void Dispose()
    {
        Decoded.Dispose();
        _file.Dispose();
    }
}
