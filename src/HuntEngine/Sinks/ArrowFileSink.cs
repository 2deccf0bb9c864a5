using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;

namespace HuntEngine.Sinks;

/// <summary>Arrow IPC buffer compression (optional; stock readers of Arrow ≥ 4 read both codecs).</summary>
public enum OutputCompression
{
    None,
    Lz4,
    Zstd,
}

/// <summary>Writes detections as an Arrow IPC file (the "Feather v2" format DuckDB, pandas/pyarrow and Spark read).</summary>
public static class ArrowFileSink
{
    private const int RowsPerBatch = 64 * 1024;

    public static void Write(string path, IReadOnlyList<Detection> detections, OutputCompression compression = OutputCompression.None, CancellationToken cancel = default) =>
        AtomicFile.Write(path, stream => Write(stream, detections, compression, cancel));

    public static void Write(Stream stream, IReadOnlyList<Detection> detections, OutputCompression compression, CancellationToken cancel = default)
    {
        var options = new IpcOptions();
        if (compression != OutputCompression.None)
        {
            options.CompressionCodec = compression == OutputCompression.Lz4 ? CompressionCodecType.Lz4Frame : CompressionCodecType.Zstd;
            options.CompressionCodecFactory = new CompressionCodecFactory();
        }
        using var writer = new ArrowFileWriter(stream, DetectionSchema.Arrow, leaveOpen: true, options);
        writer.WriteStart();
        for (int start = 0; start < detections.Count; start += RowsPerBatch)
        {
            cancel.ThrowIfCancellationRequested();
            using var batch = DetectionSchema.ToBatch(detections, start, Math.Min(RowsPerBatch, detections.Count - start));
            writer.WriteRecordBatch(batch);
        }
        writer.WriteEnd();
    }
}
