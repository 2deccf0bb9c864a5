using Apache.Arrow;
using Apache.Arrow.Types;

namespace HuntEngine.Sinks;

/// <summary>The detections file's columns, in the order of spec §4 and §7.1.</summary>
public static class DetectionSchema
{
    public static readonly TimestampType Time = new(TimeUnit.Millisecond, "UTC");

    public static readonly string[] StringColumnsBeforeType =
        ["username", "source_ip", "event_name", "log_source_type", "app_name", "app_display_name", "user_type", "risk_level"];

    public static Schema Arrow { get; } = new Schema.Builder()
        .Field(f => f.Name("event_time").DataType(Time).Nullable(true))
        .Field(f => f.Name("username").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("source_ip").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("event_name").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("log_source_type").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("app_name").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("app_display_name").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("user_type").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("risk_level").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("detection_type").DataType(StringType.Default).Nullable(false))
        .Field(f => f.Name("source_file").DataType(StringType.Default).Nullable(false))
        .Field(f => f.Name("source_offset").DataType(Int64Type.Default).Nullable(false))
        .Field(f => f.Name("raw").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("target_user").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("remote_host").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("process_name").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("sent_bytes").DataType(Int64Type.Default).Nullable(true))
        .Field(f => f.Name("device_name").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("event_count").DataType(Int32Type.Default).Nullable(false))
        .Field(f => f.Name("window_end").DataType(Time).Nullable(true))
        .Build();

    /// <summary>
    /// Builds one record batch of detections (already in output order). Its string columns live in
    /// <paramref name="memory"/>: dispose the batch, then the memory, once it is written.
    /// </summary>
    internal static RecordBatch ToBatch(IReadOnlyList<Detection> rows, int start, int count, NativeBatchMemory memory)
    {
        // Each row read once: past the memory budget, indexing the list reads the row back from its
        // temporary file, and every column below walks the rows again.
        var batch = new Detection[count];
        for (int i = 0; i < count; i++) batch[i] = rows[start + i];
        var time = new TimestampArray.Builder(Time);
        var windowEnd = new TimestampArray.Builder(Time);
        var offset = new Int64Array.Builder();
        var sent = new Int64Array.Builder();
        var eventCount = new Int32Array.Builder();
        foreach (var d in batch)
        {
            AppendTime(time, d.EventTimeMs);
            offset.Append(d.SourceOffset);
            if (d.SentBytes is { } b) sent.Append(b); else sent.AppendNull();
            eventCount.Append(d.EventCount);
            AppendTime(windowEnd, d.WindowEndMs);
        }
        StringArray Strings(Func<Detection, string?> pick) => BuildStrings(memory, batch, pick);
        IArrowArray[] columns =
        [
            time.Build(),
            Strings(d => d.Username), Strings(d => d.SourceIp), Strings(d => d.EventName), Strings(d => d.LogSourceType),
            Strings(d => d.AppName), Strings(d => d.AppDisplayName), Strings(d => d.UserType), Strings(d => d.RiskLevel),
            Strings(d => d.DetectionType), Strings(d => d.SourceFile), offset.Build(), Strings(d => d.Raw),
            Strings(d => d.TargetUser), Strings(d => d.RemoteHost), Strings(d => d.ProcessName), sent.Build(), Strings(d => d.DeviceName),
            eventCount.Build(), windowEnd.Build(),
        ];
        return new RecordBatch(Arrow, columns, count);
    }

    /// <summary>
    /// A string column written straight into its three buffers, each sized once: StringArray.Builder
    /// encodes every value into a buffer of its own and grows its data by doubling, which made
    /// building the batch most of the output phase (6 ms of the raw records' 2.6 MB, a 1 GiB hunt).
    /// </summary>
    private static StringArray BuildStrings(NativeBatchMemory memory, Detection[] rows, Func<Detection, string?> pick)
    {
        long total = 0;
        int nulls = 0;
        foreach (var row in rows)
        {
            if (pick(row) is { } v) total += System.Text.Encoding.UTF8.GetByteCount(v);
            else nulls++;
        }
        if (total > int.MaxValue) throw new InvalidOperationException($"a batch of {rows.Length} detections holds {total} bytes of text in one column, more than an Arrow string column takes (2 GiB)");
        var offsets = memory.Allocate((rows.Length + 1) * sizeof(int));
        var offsetsAsInts = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(offsets.Span);
        var data = memory.Allocate((int)total);
        var validity = nulls == 0 ? Memory<byte>.Empty : memory.Allocate((rows.Length + 7) / 8);
        int at = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            offsetsAsInts[i] = at;
            if (pick(rows[i]) is not { } v) continue;
            at += System.Text.Encoding.UTF8.GetBytes(v, data.Span[at..]);
            if (nulls != 0) validity.Span[i >> 3] |= (byte)(1 << (i & 7));
        }
        offsetsAsInts[rows.Length] = at;
        return new StringArray(rows.Length, new ArrowBuffer(offsets), new ArrowBuffer(data), nulls == 0 ? ArrowBuffer.Empty : new ArrowBuffer(validity), nulls);
    }

    private static void AppendTime(TimestampArray.Builder b, long? ms)
    {
        if (ms is { } v) b.Append(DateTimeOffset.FromUnixTimeMilliseconds(v));
        else b.AppendNull();
    }
}
