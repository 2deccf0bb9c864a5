using System.IO.Compression;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace HuntEngine.DataGen;

/// <summary>
/// The write side of one corpus file: counts decompressed bytes (so ground-truth offsets are
/// exact by construction) and compresses them. When asked, it ends the current gzip member /
/// LZ4 frame / zstd frame at an arbitrary decompressed byte and starts another, so member
/// boundaries fall inside records, as detection-spec §1 requires readers to handle.
/// </summary>
internal sealed class DecompressedSink : IDisposable
{
    private const int ChunkBytes = 256 * 1024;

    private readonly Stream _file;
    private readonly Compression _compression;
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private int _chunkLength;
    private Stream _encoder;
    private long _flushed;
    private long _splitAt;

    /// <param name="splitAt">Decompressed offset at which a second member/frame starts; <c>-1</c> for a single one.</param>
    public DecompressedSink(Stream file, Compression compression, long splitAt)
    {
        _file = file;
        _compression = compression;
        _splitAt = compression == Compression.None ? -1 : splitAt;
        _encoder = OpenEncoder();
    }

    /// <summary>Decompressed bytes written so far: the offset the next byte will have.</summary>
    public long Position => _flushed + _chunkLength;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_splitAt >= 0 && Position + bytes.Length > _splitAt)
            {
                int head = (int)(_splitAt - Position);
                Append(bytes[..head]);
                bytes = bytes[head..];
                StartNextMember();
                continue;
            }

            Append(bytes);
            return;
        }
    }

    public void Write(byte value)
    {
        Span<byte> one = [value];
        Write(one);
    }

    public void Dispose()
    {
        FlushChunk();
        _encoder.Dispose();
        _file.Dispose();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int take = Math.Min(bytes.Length, ChunkBytes - _chunkLength);
            bytes[..take].CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += take;
            bytes = bytes[take..];
            if (_chunkLength == ChunkBytes) FlushChunk();
        }
    }

    private void FlushChunk()
    {
        if (_chunkLength == 0) return;
        _encoder.Write(_chunk, 0, _chunkLength);
        _flushed += _chunkLength;
        _chunkLength = 0;
    }

    private void StartNextMember()
    {
        FlushChunk();
        _encoder.Dispose(); // ends the member / frame; the file stays open (leaveOpen)
        _encoder = OpenEncoder();
        _splitAt = -1;
    }

    private Stream OpenEncoder() => _compression switch
    {
        Compression.None => new NonClosingStream(_file),
        Compression.Gzip => new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true),
        Compression.Lz4 => LZ4Stream.Encode(_file, LZ4Level.L00_FAST, extraMemory: 0, leaveOpen: true),
        Compression.Zstd => new CompressionStream(_file, level: 1, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(_compression), _compression, "unknown compression"),
    };

    /// <summary>Lets plain files share the member logic: disposing it leaves the file open.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
