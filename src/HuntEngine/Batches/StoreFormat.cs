using Apache.Arrow;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;

namespace HuntEngine.Batches;

/// <summary>
/// A file format for the parts of a columnar store (<c>hunt convert</c>). Both formats carry the
/// same columns (<see cref="StoreSchema"/>) and the store version in the file's metadata, and both
/// hand the scanner Arrow record batches. Arrow IPC is built in and is the fastest to hunt again;
/// Parquet (HuntEngine.Parquet) is what DuckDB, Spark and pandas open without help.
/// </summary>
public abstract class StoreFormat
{
    /// <summary>Arrow IPC file parts, uncompressed buffers (readable by every Arrow implementation).</summary>
    public static StoreFormat Arrow { get; } = new ArrowStoreFormat();

    /// <summary>The name on the command line (<c>--format</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The part files' extension, with the dot.</summary>
    public abstract string Extension { get; }

    /// <summary>Whether a file that starts with <paramref name="head"/> (its first bytes, up to 4 KiB) is in this format.</summary>
    public abstract bool Recognizes(ReadOnlySpan<byte> head);

    /// <summary>Reads a part from <paramref name="stream"/>, which the reader owns.</summary>
    public abstract IStorePartReader OpenReader(Stream stream);

    /// <summary>Writes a part to <paramref name="stream"/>, which stays the caller's; <see cref="IStorePartWriter.Complete"/> finishes the file.</summary>
    public abstract IStorePartWriter CreateWriter(Stream stream, Schema schema);
}

/// <summary>
/// One store part, by batch (Arrow record batch, Parquet row group). Random access, so each worker
/// opens the part and reads (decompresses) the batches it is handed, in parallel with the others.
/// </summary>
public interface IStorePartReader : IDisposable
{
    /// <summary>The part's columns and metadata (see <see cref="StoreSchema.IsStore"/>).</summary>
    Schema Schema { get; }

    int BatchCount { get; }

    /// <summary>Batch <paramref name="index"/>. The caller disposes it.</summary>
    RecordBatch Read(int index);
}

/// <summary>One store part being written. A batch's buffers may be reused once <see cref="Write"/> returns.</summary>
public interface IStorePartWriter : IDisposable
{
    void Write(RecordBatch batch);

    /// <summary>Writes what is buffered and the file's footer.</summary>
    void Complete();
}

internal sealed class ArrowStoreFormat : StoreFormat
{
    public override string Name => "arrow";
    public override string Extension => ".arrow";
    public override bool Recognizes(ReadOnlySpan<byte> head) => head.StartsWith("ARROW1"u8);

    public override IStorePartReader OpenReader(Stream stream) => new Reader(stream);

    public override IStorePartWriter CreateWriter(Stream stream, Schema schema) => new Writer(stream, schema);

    private sealed class Reader(Stream stream) : IStorePartReader
    {
        // Pooled buffers: a store scan decompresses every buffer of every batch, and fresh native
        // memory for each (page faults and all) cost more than the decompression itself.
        private readonly ArrowFileReader _reader = new(new SynchronousReads(stream), PooledArrowMemory.Instance, new CompressionCodecFactory(), leaveOpen: false);

        public Schema Schema => _reader.Schema;
        // Apache.Arrow exposes random access as async only; over a FileStream it completes synchronously.
        public int BatchCount => _reader.RecordBatchCountAsync().AsTask().GetAwaiter().GetResult();

        public RecordBatch Read(int index) =>
            _reader.ReadRecordBatchAsync(index).AsTask().GetAwaiter().GetResult() ?? throw new InvalidDataException($"record batch {index} is missing");
        public void Dispose() => _reader.Dispose();
    }

    private sealed class Writer : IStorePartWriter
    {
        private readonly ArrowFileWriter _writer;

        public Writer(Stream stream, Schema schema)
        {
            // Uncompressed buffers. Apache.Arrow's writer marks a compressed buffer that is empty
            // (a column with no nulls has an empty validity bitmap) with a length prefix of 0, which
            // Arrow C++ and pyarrow reject (apache/arrow-java#1196 is the same bug in Java); and an
            // uncompressed part is read back with no decoding at all, which makes a store scan faster.
            _writer = new ArrowFileWriter(stream, schema, leaveOpen: true);
            _writer.WriteStart();
        }

        public void Write(RecordBatch batch) => _writer.WriteRecordBatch(batch);

        public void Complete() => _writer.WriteEnd();

        public void Dispose() => _writer.Dispose();
    }
}

/// <summary>
/// A file stream whose asynchronous reads are plain reads on the calling thread. Apache.Arrow
/// offers random access to record batches only through async calls; on an ordinary FileStream each
/// of those becomes a thread-pool work item, which a profile showed costing as much as the work.
/// </summary>
internal sealed class SynchronousReads(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(inner.Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(inner.Read(buffer, offset, count));

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
