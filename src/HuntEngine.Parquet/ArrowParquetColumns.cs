using Apache.Arrow;
using Apache.Arrow.Types;
using Parquet;
using Parquet.Schema;
using Field = Apache.Arrow.Field;

namespace HuntEngine.Parquet;

/// <summary>
/// The one mapping between Arrow columns and Parquet columns, both ways, for the detections file
/// and the store: timestamps are INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true), strings UTF-8,
/// int64/int32 as they are; Arrow nullability is Parquet OPTIONAL vs REQUIRED.
/// </summary>
internal static class ArrowParquetColumns
{
    private static readonly TimestampType UtcMillis = new(TimeUnit.Millisecond, "UTC");

    /// <summary>
    /// Parquet.Net's options for every file HuntEngine writes or reads: Snappy pages (what pandas and
    /// pyarrow write by default), and bounded stream pools. Parquet.Net keeps freed page buffers in a
    /// RecyclableMemoryStreamManager whose pools are unbounded unless set: a 1 GiB conversion to
    /// Parquet peaked at 930 MiB RSS with the defaults.
    /// </summary>
    public static ParquetOptions Options() => new()
    {
        CompressionMethod = CompressionMethod.Snappy,
        MaximumSmallPoolFreeBytes = 16 << 20,
        MaximumLargePoolFreeBytes = 64 << 20,
    };

    public static DataField ToParquet(Field f) => f.DataType switch
    {
        TimestampType { Unit: TimeUnit.Millisecond, Timezone: "UTC" } =>
            new DateTimeDataField(f.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: f.IsNullable),
        StringType => new DataField<string>(f.Name, f.IsNullable),
        Int64Type => f.IsNullable ? new DataField<long?>(f.Name, true) : new DataField<long>(f.Name, false),
        Int32Type => f.IsNullable ? new DataField<int?>(f.Name, true) : new DataField<int>(f.Name, false),
        _ => throw new NotSupportedException($"column '{f.Name}' has Arrow type {f.DataType.Name}, which is not mapped to Parquet"),
    };

    /// <summary>The Arrow field a Parquet column written by <see cref="ToParquet"/> reads back as.</summary>
    public static Field ToArrow(DataField f)
    {
        IArrowType type = f switch
        {
            DateTimeDataField => UtcMillis,
            _ when f.ClrType == typeof(long) => Int64Type.Default,
            _ when f.ClrType == typeof(int) => Int32Type.Default,
            _ => StringType.Default,
        };
        return new Field(f.Name, type, f.IsNullable);
    }

    public static Task WriteAsync(ParquetRowGroupWriter group, DataField field, IArrowArray column, CancellationToken cancel)
    {
        int n = column.Length;
        switch (column)
        {
            case TimestampArray times:
            {
                var values = new DateTime?[n];
                // Every time is in years 1 to 9999 UTC (Timestamps makes any other instant a null time).
                for (int i = 0; i < n; i++)
                    if (times.GetValue(i) is { } ms) values[i] = DateTime.UnixEpoch.AddMilliseconds(ms);
                return group.WriteAsync<DateTime>(field, values, null, null, cancel);
            }
            case StringArray strings:
            {
                var values = new string?[n];
                for (int i = 0; i < n; i++) values[i] = strings.GetString(i);
                return group.WriteAsync(field, values);
            }
            case Int64Array longs when field.IsNullable:
            {
                var values = new long?[n];
                for (int i = 0; i < n; i++) values[i] = longs.GetValue(i);
                return group.WriteAsync<long>(field, values, null, null, cancel);
            }
            case Int64Array longs:
                return group.WriteAsync<long>(field, longs.Values.ToArray(), null, null, cancel);
            case Int32Array ints when field.IsNullable:
            {
                var values = new int?[n];
                for (int i = 0; i < n; i++) values[i] = ints.GetValue(i);
                return group.WriteAsync<int>(field, values, null, null, cancel);
            }
            case Int32Array ints:
                return group.WriteAsync<int>(field, ints.Values.ToArray(), null, null, cancel);
            default:
                throw new NotSupportedException($"column '{field.Name}': Arrow array {column.GetType().Name} is not mapped to Parquet");
        }
    }

    /// <summary>Reads a column of <paramref name="rows"/> rows back into the Arrow array of <paramref name="arrow"/>'s type.</summary>
    public static async Task<IArrowArray> ReadAsync(ParquetRowGroupReader group, DataField field, Field arrow, int rows, CancellationToken cancel)
    {
        switch (arrow.DataType)
        {
            case TimestampType:
            {
                var values = new DateTime?[rows];
                await group.ReadAsync<DateTime>(field, values, null, cancel).ConfigureAwait(false);
                var b = new TimestampArray.Builder(UtcMillis);
                foreach (var v in values)
                    if (v is { } t) b.Append(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)));
                    else b.AppendNull();
                return b.Build();
            }
            case Int64Type when field.IsNullable:
            {
                var values = new long?[rows];
                await group.ReadAsync<long>(field, values, null, cancel).ConfigureAwait(false);
                var b = new Int64Array.Builder();
                foreach (var v in values) b.Append(v);
                return b.Build();
            }
            case Int64Type:
            {
                var values = new long[rows];
                await group.ReadAsync<long>(field, values, null, cancel).ConfigureAwait(false);
                return new Int64Array.Builder().AppendRange(values).Build();
            }
            case Int32Type when field.IsNullable:
            {
                var values = new int?[rows];
                await group.ReadAsync<int>(field, values, null, cancel).ConfigureAwait(false);
                var b = new Int32Array.Builder();
                foreach (var v in values) b.Append(v);
                return b.Build();
            }
            case Int32Type:
            {
                var values = new int[rows];
                await group.ReadAsync<int>(field, values, null, cancel).ConfigureAwait(false);
                return new Int32Array.Builder().AppendRange(values).Build();
            }
            default:
            {
                var values = new string?[rows];
                await group.ReadAsync(field, values.AsMemory(), null, cancel).ConfigureAwait(false);
                var b = new StringArray.Builder();
                foreach (var v in values)
                    if (v is null) b.AppendNull();
                    else b.Append(v);
                return b.Build();
            }
        }
    }
}
