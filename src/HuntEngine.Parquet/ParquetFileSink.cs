using Apache.Arrow;
using Apache.Arrow.Types;
using HuntEngine.Sinks;
using Parquet;
using Parquet.Schema;

namespace HuntEngine.Parquet;

/// <summary>
/// Writes detections as a Parquet file with the schema of the Arrow output (spec §4): the same
/// columns in the same order, timestamps as INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true), strings
/// as UTF-8, int64/int32 as in <see cref="DetectionSchema"/>.
/// <para>
/// Built on Parquet.Net (managed, MIT) rather than ParquetSharp (a wrapper of the C++ library):
/// no native binary to ship per platform, about 1 MiB, and it writes millisecond UTC timestamps
/// (<see cref="DateTimeDataField"/> with <see cref="DateTimeFormat.Timestamp"/> and
/// <see cref="DateTimeTimeUnit.Millis"/>), which is all this sink needs from it.
/// </para>
/// <para>
/// Each row group is built from the same <see cref="DetectionSchema.ToBatch"/> record batch the
/// Arrow sink writes, and the Parquet schema is derived from <see cref="DetectionSchema.Arrow"/>,
/// so the two outputs cannot drift apart. Snappy page compression: what pandas/pyarrow write by
/// default and what every Parquet reader reads.
/// </para>
/// </summary>
public static class ParquetFileSink
{
    /// <summary>
    /// Rows per row group: bounds the writer's memory whatever the detection count. A group is built
    /// whole, raw records included (about 4 KiB a row), so 8K rows is some 30 MiB, as the Arrow file's batches.
    /// </summary>
    public const int RowsPerRowGroup = 8 * 1024;

    public static ParquetSchema Schema { get; } = new(DetectionSchema.Arrow.FieldsList.Select(ArrowParquetColumns.ToParquet).ToArray());

    /// <summary>Writes <paramref name="detections"/> (already in output order) to <paramref name="path"/>, atomically (temp name + rename).</summary>
    public static void Write(string path, IReadOnlyList<Detection> detections, CancellationToken cancel = default) =>
        // Parquet.Net's API is asynchronous only. The CLI has no synchronization context, so waiting
        // here cannot deadlock, and it keeps the command's flow synchronous like the Arrow sink.
        AtomicFile.Write(path, stream => WriteAsync(stream, detections, cancel).GetAwaiter().GetResult());

    /// <summary>Writes to a seekable, writable stream, which is left open.</summary>
    public static Task WriteAsync(Stream stream, IReadOnlyList<Detection> detections, CancellationToken cancel = default) =>
        WriteAsync(stream, detections, RowsPerRowGroup, cancel);

    internal static async Task WriteAsync(Stream stream, IReadOnlyList<Detection> detections, int rowsPerRowGroup, CancellationToken cancel)
    {
        var options = ArrowParquetColumns.Options();
        var fields = Schema.GetDataFields();
        await using var writer = await ParquetWriter.CreateAsync(Schema, stream, options, append: false, cancel).ConfigureAwait(false);
        for (int start = 0; start < detections.Count; start += rowsPerRowGroup)
        {
            cancel.ThrowIfCancellationRequested();
            using var memory = new NativeBatchMemory();
            using var batch = DetectionSchema.ToBatch(detections, start, Math.Min(rowsPerRowGroup, detections.Count - start), memory);
            using var group = writer.CreateRowGroup();
            for (int c = 0; c < fields.Length; c++)
                await ArrowParquetColumns.WriteAsync(group, fields[c], batch.Column(c), cancel).ConfigureAwait(false);
        }
    }
}
