using Apache.Arrow;
using Apache.Arrow.Types;
using HuntEngine.Batches;
using Parquet;
using Parquet.Schema;

namespace HuntEngine.Parquet;

/// <summary>
/// Store parts as Parquet files (<c>hunt convert --format parquet</c>): what DuckDB, Spark and
/// pandas open as they are. Same columns as the Arrow parts; the store version is in the file's
/// key-value metadata. Row groups are bounded in rows and bytes, so a writer holds at most one
/// row group. Hunting Parquet parts goes through Parquet.Net's per-value strings and is slower than
/// hunting Arrow parts (README "Columnar store").
/// </summary>
public sealed class ParquetStoreFormat : StoreFormat
{
    public static ParquetStoreFormat Instance { get; } = new();

    /// <summary>Rows per row group at most.</summary>
    public const int RowsPerRowGroup = 64 * 1024;

    /// <summary>UTF-8 bytes buffered per row group at most (bounds a writer's memory when <c>raw</c> is kept).</summary>
    public const long BytesPerRowGroup = 16L << 20;

    private ParquetStoreFormat() { }

    public override string Name => "parquet";
    public override string Extension => ".parquet";
    public override bool Recognizes(ReadOnlySpan<byte> head) => head.StartsWith("PAR1"u8);

    public override IStorePartReader OpenReader(Stream stream) => new Reader(stream);

    public override IStorePartWriter CreateWriter(Stream stream, Schema schema) => new Writer(stream, schema, RowsPerRowGroup, BytesPerRowGroup);

    internal static IStorePartWriter CreateWriter(Stream stream, Schema schema, int rowsPerRowGroup, long bytesPerRowGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerRowGroup, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerRowGroup, 1);
        return new Writer(stream, schema, rowsPerRowGroup, bytesPerRowGroup);
    }

    private sealed class Writer : IStorePartWriter
    {
        private readonly Schema _schema;
        private readonly DataField[] _fields;
        private readonly ParquetWriter _writer;
        private readonly int _rowsPerGroup;
        private readonly long _bytesPerGroup;
        private readonly IArrowArrayBuilder[] _builders;
        private int _rows;
        private long _bytes;
        private bool _closed;

        public Writer(Stream stream, Schema schema, int rowsPerGroup, long bytesPerGroup)
        {
            _schema = schema;
            _rowsPerGroup = rowsPerGroup;
            _bytesPerGroup = bytesPerGroup;
            _fields = schema.FieldsList.Select(ArrowParquetColumns.ToParquet).ToArray();
            // Parquet.Net's API is asynchronous only; the scan's workers are plain threads with no
            // synchronization context, so waiting here cannot deadlock.
            _writer = ParquetWriter.CreateAsync(new ParquetSchema(_fields), stream, ArrowParquetColumns.Options())
                .GetAwaiter().GetResult();
            _writer.CustomMetadata = schema.Metadata?.ToDictionary() ?? [];
            _builders = schema.FieldsList.Select(f => NewBuilder(f.DataType)).ToArray();
        }

        public void Write(RecordBatch batch)
        {
            // Copied row by row into the builders: the batch's buffers are reused once this returns.
            for (int start = 0; start < batch.Length;)
            {
                int take = Math.Min(batch.Length - start, _rowsPerGroup - _rows);
                for (int c = 0; c < _builders.Length; c++) _bytes += Append(_builders[c], batch.Column(c), start, take);
                _rows += take;
                start += take;
                if (_rows >= _rowsPerGroup || _bytes >= _bytesPerGroup) FlushRowGroup();
            }
        }

        public void Complete()
        {
            FlushRowGroup();
            Dispose();
        }

        // Disposing the Parquet.Net writer is what writes the footer: once only.
        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        private void FlushRowGroup()
        {
            if (_rows == 0) return;
            using var group = _writer.CreateRowGroup();
            for (int c = 0; c < _fields.Length; c++)
            {
                var array = Build(_builders[c], _schema.FieldsList[c].DataType);
                ArrowParquetColumns.WriteAsync(group, _fields[c], array, CancellationToken.None).GetAwaiter().GetResult();
                _builders[c] = NewBuilder(_schema.FieldsList[c].DataType);
            }
            _rows = 0;
            _bytes = 0;
            CollectParquetGarbage();
        }

        private static IArrowArrayBuilder NewBuilder(IArrowType type) => type switch
        {
            StringType => new StringArray.Builder(),
            TimestampType or Int64Type => new Int64Array.Builder(),
            _ => throw new NotSupportedException($"store column type {type.Name}"),
        };

        private static long Append(IArrowArrayBuilder builder, IArrowArray column, int start, int count)
        {
            long bytes = 0;
            if (builder is StringArray.Builder strings)
            {
                var from = (StringArray)column;
                for (int r = start; r < start + count; r++)
                {
                    if (from.IsNull(r)) { strings.AppendNull(); continue; }
                    var value = from.GetBytes(r);
                    strings.Append(value);
                    bytes += value.Length;
                }
            }
            else
            {
                var longs = (Int64Array.Builder)builder;
                var from = (PrimitiveArray<long>)column;
                for (int r = start; r < start + count; r++) longs.Append(from.GetValue(r));
                bytes += 8L * count;
            }
            return bytes;
        }

        private static IArrowArray Build(IArrowArrayBuilder builder, IArrowType type)
        {
            if (builder is StringArray.Builder strings) return strings.Build();
            var longs = ((Int64Array.Builder)builder).Build();
            if (type is not TimestampType) return longs;
            var d = longs.Data;
            return new TimestampArray(new ArrayData(type, d.Length, d.NullCount, d.Offset, d.Buffers));
        }
    }

    /// <summary>
    /// Parquet.Net leaves each row group's page and value buffers (large-object heap) to the GC,
    /// whose budget lets them pile up: converting the 1 GiB corpus peaked at 940 MiB RSS. Collecting
    /// once the heap passes a bound, after a row group, keeps it near 450 MiB for a few percent of the time.
    /// </summary>
    private static void CollectParquetGarbage()
    {
        // Collect only when the heap has grown well past what survived the last collection, so
        // many workers with much live data do not collect after every row group.
        long heap = GC.GetTotalMemory(forceFullCollection: false);
        if (heap <= Math.Max(HeapBound, 2 * Volatile.Read(ref _heapAfterCollect))) return;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        Volatile.Write(ref _heapAfterCollect, GC.GetTotalMemory(forceFullCollection: false));
    }

    private static long _heapAfterCollect;
    private const long HeapBound = 256L << 20;

    private sealed class Reader : IStorePartReader
    {
        private readonly Stream _stream;
        private readonly ParquetReader _reader;
        private readonly DataField[] _fields;

        public Reader(Stream stream)
        {
            _stream = stream;
            try
            {
                _reader = ParquetReader.CreateAsync(stream, ArrowParquetColumns.Options()).GetAwaiter().GetResult();
            }
            catch
            {
                stream.Dispose(); // not a Parquet file after all, or a damaged footer: no handle left open
                throw;
            }
            _fields = _reader.Schema.GetDataFields();
            var schema = new Schema.Builder();
            foreach (var f in _fields) schema.Field(ArrowParquetColumns.ToArrow(f));
            foreach (var (key, value) in _reader.CustomMetadata) schema.Metadata(key, value);
            Schema = schema.Build();
        }

        public Schema Schema { get; }

        public int BatchCount => _reader.RowGroupCount;

        public RecordBatch Read(int index)
        {
            using var group = _reader.OpenRowGroupReader(index);
            int rows = checked((int)group.RowCount);
            var arrays = new IArrowArray[_fields.Length];
            for (int c = 0; c < _fields.Length; c++)
                arrays[c] = ArrowParquetColumns.ReadAsync(group, _fields[c], Schema.FieldsList[c], rows, CancellationToken.None).GetAwaiter().GetResult();
            CollectParquetGarbage();
            return new RecordBatch(Schema, arrays, rows);
        }

        public void Dispose()
        {
            _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _stream.Dispose();
        }
    }
}
