namespace HuntEngine.Sources;

/// <summary>
/// A stream read once from start to end, the shape of every stage between a file and a framer
/// (read-ahead, decoders, the bomb guard): only <see cref="Read(Span{byte})"/> is its own; it
/// cannot seek or be written, and its length is unknown until its end.
/// </summary>
internal abstract class ForwardStream : Stream
{
    public abstract override int Read(Span<byte> buffer);
    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public sealed override bool CanSeek => false;
    public sealed override bool CanWrite => false;
    public sealed override long Length => throw new NotSupportedException();
    /// <summary>Bytes handed out so far where a stage counts them; not settable.</summary>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public sealed override void Flush() { }
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public sealed override void SetLength(long value) => throw new NotSupportedException();
    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
