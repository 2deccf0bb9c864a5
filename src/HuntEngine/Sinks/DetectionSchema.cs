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

    /// <summary>Builds one record batch of detections (already in output order).</summary>
    public static RecordBatch ToBatch(IReadOnlyList<Detection> rows, int start, int count)
    {
        var time = new TimestampArray.Builder(Time);
        var windowEnd = new TimestampArray.Builder(Time);
        var strings = Enumerable.Range(0, 15).Select(_ => new StringArray.Builder()).ToArray();
        var offset = new Int64Array.Builder();
        var sent = new Int64Array.Builder();
        var eventCount = new Int32Array.Builder();
        for (int i = start; i < start + count; i++)
        {
            var d = rows[i];
            AppendTime(time, d.EventTimeMs);
            string?[] s =
            [
                d.Username, d.SourceIp, d.EventName, d.LogSourceType, d.AppName, d.AppDisplayName, d.UserType, d.RiskLevel,
                d.DetectionType, d.SourceFile, d.Raw, d.TargetUser, d.RemoteHost, d.ProcessName, d.DeviceName,
            ];
            for (int k = 0; k < s.Length; k++)
            {
                if (s[k] is null) strings[k].AppendNull();
                else strings[k].Append(s[k]);
            }
            offset.Append(d.SourceOffset);
            if (d.SentBytes is { } b) sent.Append(b); else sent.AppendNull();
            eventCount.Append(d.EventCount);
            AppendTime(windowEnd, d.WindowEndMs);
        }
        IArrowArray[] columns =
        [
            time.Build(),
            strings[0].Build(), strings[1].Build(), strings[2].Build(), strings[3].Build(), strings[4].Build(),
            strings[5].Build(), strings[6].Build(), strings[7].Build(),
            strings[8].Build(), strings[9].Build(), offset.Build(), strings[10].Build(),
            strings[11].Build(), strings[12].Build(), strings[13].Build(), sent.Build(), strings[14].Build(),
            eventCount.Build(), windowEnd.Build(),
        ];
        return new RecordBatch(Arrow, columns, count);
    }

    private static void AppendTime(TimestampArray.Builder b, long? ms)
    {
        if (ms is { } v) b.Append(DateTimeOffset.FromUnixTimeMilliseconds(v));
        else b.AppendNull();
    }
}
