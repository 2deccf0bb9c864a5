using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using HuntEngine.Parsing;
using Column = HuntEngine.Parsing.Column;

namespace HuntEngine.Batches;

/// <summary>
/// The columnar store ("scan once, hunt many"): every record's normalized columns plus where it came
/// from, as Arrow IPC part files. This class maps a <see cref="NormalizedBatch"/> to an Arrow record
/// batch and back; the export hands the batch's own buffers to Arrow without re-encoding strings.
/// </summary>
internal static class StoreSchema
{
    public const string VersionKey = "hunt_store_version";
    public const string Version = "1";
    private static readonly TimestampType Time = new(TimeUnit.Millisecond, "UTC");

    public static Schema Arrow(bool keepRaw)
    {
        var b = new Schema.Builder();
        for (int c = 0; c < Columns.Count; c++)
        {
            var col = (Column)c;
            IArrowType type = col == Column.EventTime ? Time : col == Column.SentBytes ? Int64Type.Default : StringType.Default;
            b.Field(f => f.Name(Columns.Name(col)).DataType(type).Nullable(true));
        }
        b.Field(f => f.Name("kind").DataType(StringType.Default).Nullable(false));
        b.Field(f => f.Name("source_file").DataType(StringType.Default).Nullable(false));
        b.Field(f => f.Name("source_offset").DataType(Int64Type.Default).Nullable(false));
        if (keepRaw) b.Field(f => f.Name("raw").DataType(StringType.Default).Nullable(true));
        b.Metadata(VersionKey, Version);
        return b.Build();
    }

    public static bool IsStore(Schema schema) =>
        schema.Metadata is { } m && m.TryGetValue(VersionKey, out var v) && v == Version;

    /// <summary>The batch's rows as one Arrow record batch (the batch must not change until it is written).</summary>
    public static RecordBatch Export(Schema schema, NormalizedBatch batch, string sourceFile, bool keepRaw)
    {
        int n = batch.Count;
        var arrays = new List<IArrowArray>(schema.FieldsList.Count);
        for (int c = 0; c < Columns.Count; c++)
        {
            var col = (Column)c;
            if (col == Column.EventTime) arrays.Add(Int64s(batch.EventTime, Time, n));
            else if (col == Column.SentBytes) arrays.Add(Int64s(batch.SentBytes, Int64Type.Default, n));
            else arrays.Add(Strings(batch.Strings(col)));
        }
        var kind = new StringArray.Builder();
        var file = new StringArray.Builder();
        var offset = new Int64Array.Builder();
        var raw = keepRaw ? new StringArray.Builder() : null;
        for (int r = 0; r < n; r++)
        {
            kind.Append(RecordKinds.Name(batch.Kind(r)));
            file.Append(sourceFile);
            offset.Append(batch.Offset(r));
            if (raw is not null)
            {
                if (batch.TryRaw(r, out var bytes)) raw.Append(bytes);
                else raw.AppendNull();
            }
        }
        arrays.Add(kind.Build());
        arrays.Add(file.Build());
        arrays.Add(offset.Build());
        if (raw is not null) arrays.Add(raw.Build());
        return new RecordBatch(schema, arrays, n);
    }

    /// <summary>Loads a store batch's rows into <paramref name="batch"/> for the matcher.</summary>
    public static void Import(RecordBatch stored, NormalizedBatch batch, long[] byKind)
    {
        batch.ClearForStore();
        int n = stored.Length;

        for (int c = 0; c < Columns.Count; c++)
        {
            var col = (Column)c;
            var array = stored.Column(Columns.Name(col));
            if (col is Column.EventTime or Column.SentBytes)
            {
                (col == Column.EventTime ? batch.EventTime : batch.SentBytes).AppendAll((PrimitiveArray<long>)array);
            }
            else
            {
                batch.Strings(col).AppendAll((StringArray)array);
            }
        }
        batch.StoredSourceFile.AppendAll((StringArray)stored.Column("source_file"));
        int rawIndex = stored.Schema.GetFieldIndex("raw");
        if (rawIndex >= 0) batch.StoredRaw.AppendAll((StringArray)stored.Column(rawIndex));
        else for (int r = 0; r < n; r++) batch.StoredRaw.AppendNull();
        var kinds = (StringArray)stored.Column("kind");
        var offsets = ((Int64Array)stored.Column("source_offset")).Values;
        var kind = RecordKind.Unknown;
        ReadOnlySpan<byte> kindName = default;
        for (int r = 0; r < n; r++)
        {
            // Rows of one kind come in runs (a part is written file by file): compare with the last name first.
            var name = kinds.GetBytes(r);
            if (r == 0 || !name.SequenceEqual(kindName))
            {
                kind = KindOf(name);
                kindName = name;
            }
            byKind[(int)kind]++;
            batch.BeginStoredRow(kind, offsets[r]);
        }
    }

    private static readonly (byte[] Name, RecordKind Kind)[] KindNames =
        Enum.GetValues<RecordKind>().Select(k => (System.Text.Encoding.UTF8.GetBytes(RecordKinds.Name(k)), k)).ToArray();

    private static RecordKind KindOf(ReadOnlySpan<byte> name)
    {
        foreach (var (n, k) in KindNames) if (name.SequenceEqual(n)) return k;
        return RecordKind.Unknown;
    }


    private static IArrowArray Strings(Utf8Column column)
    {
        var (offsets, data, valid) = column.Buffers;
        int n = valid.Length;
        var bitmap = Validity(valid.Span, out int nulls);
        return new StringArray(n, new ArrowBuffer(MemoryMarshal.AsBytes(offsets.Span).ToArray()), new ArrowBuffer(data), bitmap, nulls);
    }

    private static IArrowArray Int64s(Int64Column column, IArrowType type, int n)
    {
        var valid = new bool[n];
        var values = new long[n];
        for (int r = 0; r < n; r++)
        {
            var v = column.Get(r);
            valid[r] = v.HasValue;
            values[r] = v.GetValueOrDefault();
        }
        var bitmap = Validity(valid, out int nulls);
        var data = new ArrayData(type, n, nulls, 0, [bitmap, new ArrowBuffer(MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]);
        return type is TimestampType ? new TimestampArray(data) : new Int64Array(data);
    }

    private static ArrowBuffer Validity(ReadOnlySpan<bool> valid, out int nulls)
    {
        var bits = new byte[(valid.Length + 7) / 8];
        nulls = 0;
        for (int i = 0; i < valid.Length; i++)
        {
            if (valid[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
            else nulls++;
        }
        return new ArrowBuffer(bits);
    }
}
