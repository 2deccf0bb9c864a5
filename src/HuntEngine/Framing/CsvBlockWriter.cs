using System.Buffers;

namespace HuntEngine.Framing;

/// <summary>
/// The output side of <see cref="CsvFramer"/>: CSV rows become records whose JSON text is written
/// here (a copied <c>AuditData</c> cell, or a row object from <see cref="System.Text.Json.Utf8JsonWriter"/>,
/// which writes through <see cref="IBufferWriter{T}"/>). Records are appended to a pooled block;
/// a full block goes out to the workers and a record in progress moves to the next one, so a
/// record's bytes are always contiguous in one block. Every block is marked as CSV so the US
/// portal timestamps are read (spec §2).
/// </summary>
internal sealed class CsvBlockWriter : IBufferWriter<byte>
{
    private readonly int _fileIndex;
    private readonly int _blockBytes;
    private readonly Action<RecordBlock> _emit;
    private byte[] _buf;
    private int _len;
    private int _recordStart;
    private readonly List<Frame> _frames = new();

    public CsvBlockWriter(int fileIndex, int blockBytes, Action<RecordBlock> emit)
    {
        _fileIndex = fileIndex;
        _blockBytes = blockBytes;
        _emit = emit;
        _buf = ArrayPool<byte>.Shared.Rent(blockBytes);
    }

    /// <summary>Starts a record: what is written until <see cref="CommitRecord"/> is its JSON text.</summary>
    public void BeginRecord() => _recordStart = _len;

    /// <summary>Ends the record begun last; <paramref name="offset"/> is its row's offset in the stream.</summary>
    public void CommitRecord(long offset) =>
        _frames.Add(new Frame(FrameKind.Record, _recordStart, _len - _recordStart, offset));

    /// <summary>Drops what was written since <see cref="BeginRecord"/>.</summary>
    public void DiscardRecord() => _len = _recordStart;

    public void AddMalformed(long offset, FrameReason reason)
    {
        _frames.Add(new Frame(FrameKind.Malformed, 0, 0, offset, reason));
        HandOutIfFramesFill();
    }

    public void AddSkipped(long offset, long length)
    {
        _frames.Add(new Frame(FrameKind.Oversized, 0, 0, offset, FrameReason.RecordTooLarge) { SkippedBytes = length });
        HandOutIfFramesFill();
    }

    /// <summary>
    /// A row that writes no record bytes (a bad or oversized row) only adds a frame, so a run of
    /// them would never fill the block, its frames would pile up to the end of the file, and the
    /// error limit (checked as blocks go out) would never stop it. Past a frame per 64 bytes of
    /// block, the block goes out as if full. Called between records (nothing written since the last one).
    /// </summary>
    private void HandOutIfFramesFill()
    {
        if (_frames.Count < Math.Max(64, _blockBytes / 64)) return;
        MoveTo(ArrayPool<byte>.Shared.Rent(_blockBytes), kept: 0);
    }

    public void Advance(int count) => _len += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buf.AsMemory(_len);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buf.AsSpan(_len);
    }

    /// <summary>Emits the last block, possibly without frames.</summary>
    public void Finish()
    {
        var last = NewBlock(_len);
        _buf = [];
        _emit(last);
    }

    /// <summary>Gives the buffer back without emitting (a file the scan will not read).</summary>
    public void Abandon()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
    }

    private void Ensure(int sizeHint)
    {
        if (_buf.Length - _len >= Math.Max(sizeHint, 1)) return;
        int partial = _len - _recordStart;
        long want = Math.Max(_blockBytes, 2L * (partial + Math.Max(sizeHint, 1)));
        var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(want, Array.MaxLength));
        _buf.AsSpan(_recordStart, partial).CopyTo(next);
        MoveTo(next, partial);
    }

    /// <summary>
    /// Goes on in <paramref name="next"/> (holding the <paramref name="kept"/> bytes of the record
    /// being written) and hands out the frames so far with the old buffer, or returns it to the pool
    /// when there are none. The move comes first: if the emit throws, Finish hands out the buffer
    /// held then, which must not be the one already given away (JsonStreamFramer.Fill).
    /// </summary>
    private void MoveTo(byte[] next, int kept)
    {
        var full = _frames.Count > 0 ? NewBlock(_recordStart) : null;
        var old = _buf;
        _buf = next;
        _len = kept;
        _recordStart = 0;
        if (full is not null) _emit(full);
        else ArrayPool<byte>.Shared.Return(old);
    }

    private RecordBlock NewBlock(int length)
    {
        var block = new RecordBlock(_fileIndex, _buf, length, pooled: true) { UsPortalTimestamps = true };
        block.Frames.AddRange(_frames);
        _frames.Clear();
        return block;
    }
}
