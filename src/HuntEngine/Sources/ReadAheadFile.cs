using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Win32.SafeHandles;

namespace HuntEngine.Sources;

/// <summary>
/// A compressed file's bytes, read ahead on a thread of their own through a
/// <see cref="System.IO.Pipelines.Pipe"/>, so the decoder never waits on the disk while the pipe
/// holds bytes. The pipe's pause threshold bounds the read-ahead; the decoder reads this stream.
/// <para>
/// Why: an archive of terabytes is read cold. Read on the decoder's own thread, the file's reads
/// stall decoding for as long as the disk takes (the 1 GiB LZ4 corpus, 402 MB on disk: 0.90 s from
/// a cold page cache against 0.55 s hot). Read ahead, decoding and the disk overlap. Only
/// compressed bytes pass through the pipe: decoded bytes go from the decoder straight into the
/// blocks the workers parse.
/// </para>
/// <para>
/// A read returns as many bytes as asked for (up to the read-ahead bound) unless the file ends or
/// a read error comes first, as a read of the file itself does, so a decoder takes the same reads
/// either way and the offset it stops at (<see cref="Position"/>) does not depend on how far the
/// reader thread had got.
/// </para>
/// </summary>
internal sealed class ReadAheadFile : ForwardStream
{
    /// <summary>Reads up to <c>into.Length</c> bytes at <paramref name="offset"/>; 0 at the end.</summary>
    internal delegate int ReadAt(Span<byte> into, long offset);

    private readonly ReadAt _read;
    private readonly Pipe _pipe;
    private readonly Thread _reader;
    private readonly int _readSize;
    private readonly int _aheadBytes;
    private long _consumed;
    private long _readAhead;
    private bool _ended;
    private bool _disposed;
    private Exception? _readError; // set before the writer completes: the pipe publishes it

    public ReadAheadFile(SafeFileHandle file, long start, ReadAheadSettings settings)
        : this((into, offset) => RandomAccess.Read(file, into, offset), start, settings.ReadSize, settings.AheadBytes)
    {
    }

    /// <summary>Reads with <paramref name="read"/> (a file, or a test's faults), <paramref name="readSize"/> at a time, at most <paramref name="aheadBytes"/> ahead.</summary>
    internal ReadAheadFile(ReadAt read, long start, int readSize, int aheadBytes)
    {
        _read = read;
        _readSize = readSize;
        _aheadBytes = aheadBytes;
        _consumed = start;
        _pipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: aheadBytes,
            resumeWriterThreshold: aheadBytes / 2,
            minimumSegmentSize: readSize,
            // Both sides block on their own threads: continuations run where the other side
            // advances, not on the thread pool, which the workers' threads may be crowding.
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            useSynchronizationContext: false));
        // It only reads and copies: a small stack is plenty.
        _reader = new Thread(() => Fill(start), maxStackSize: 256 << 10) { IsBackground = true, Name = "hunt-read-ahead" };
        _reader.Start();
    }

    /// <summary>Bytes the reader thread has read from the file (for tests of the bound).</summary>
    internal long ReadAhead => Volatile.Read(ref _readAhead);

    /// <summary>True while the reader thread runs.</summary>
    internal bool Reading => _reader.IsAlive;

    private void Fill(long offset)
    {
        var writer = _pipe.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(_readSize);
                int n = _read(memory.Span[..Math.Min(memory.Length, _readSize)], offset);
                if (n == 0) break;
                offset += n;
                Volatile.Write(ref _readAhead, offset);
                writer.Advance(n);
                if (Wait(writer.FlushAsync()).IsCompleted) break; // the decoder is done with the file
            }
            writer.Complete();
        }
        catch (Exception e)
        {
            // A read error reaches the decoder after the bytes before it, as a read of its own
            // would. (Completing the writer with the exception would throw it at the decoder's next
            // read, ahead of the bytes still in the pipe.)
            _readError = e;
            writer.Complete();
        }
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _ended) return 0;
        var reader = _pipe.Reader;
        while (true)
        {
            if (!reader.TryRead(out var result)) result = Wait(reader.ReadAsync());
            var bytes = result.Buffer;
            // As much as asked for, as a read of the file gives, up to the bound (the reader thread
            // pauses there): gzip and zstd ask for at most 128 KiB, the LZ4 reader for one block and
            // its checksum (4 MiB + 4 at most), all under the default bound of 8 MiB.
            int want = Math.Min(buffer.Length, _aheadBytes);
            if (bytes.Length < want && !result.IsCompleted)
            {
                reader.AdvanceTo(bytes.Start, bytes.End); // wait for more
                continue;
            }
            int n = (int)Math.Min(bytes.Length, want);
            bytes.Slice(0, n).CopyTo(buffer);
            reader.AdvanceTo(bytes.GetPosition(n));
            _consumed += n;
            if (n > 0) return n;
            if (_readError is { } error) throw new IOException(error.Message, error);
            _ended = true;
            return 0;
        }
    }

    private static T Wait<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    /// <summary>Bytes the decoder has taken (the file offset it reached), not how far the reader thread is.</summary>
    public override long Position { get => _consumed; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            // Stops the reader thread: its next flush sees the decoder is done. It is joined, so
            // the file is never read after its owner closes it.
            _disposed = true;
            _pipe.Reader.Complete();
            _reader.Join();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// When and how a compressed file is read ahead (<see cref="ReadAheadFile"/>); tests make the
/// threshold 0 and the sizes small, so every file is piped and the pipe pauses often.
/// </summary>
/// <param name="MinFileBytes">Smaller files are read by their decoder: a thread per file cost more
/// than it saved on many small ones (1,974 gzip files of 100 KB: 0.49 s read by their decoders,
/// 0.76 s each read ahead; doc/decisions.md has the command).</param>
/// <param name="ReadSize">Bytes the reader thread asks the file for at a time.</param>
/// <param name="AheadBytes">The reader thread waits once a read leaves this many bytes not yet
/// decoded (so it can be ahead by up to one read more).</param>
internal readonly record struct ReadAheadSettings(long MinFileBytes, int ReadSize, int AheadBytes)
{
    public static ReadAheadSettings Default => new(8 << 20, 1 << 20, 8 << 20);
    /// <summary>No file is read ahead (a scan on one thread).</summary>
    public static ReadAheadSettings Off => Default with { MinFileBytes = long.MaxValue };
}
