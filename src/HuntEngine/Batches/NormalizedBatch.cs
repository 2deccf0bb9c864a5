using HuntEngine.Parsing;

namespace HuntEngine.Batches;

/// <summary>
/// The normalized columns (spec §2, §7.1) of the records of one block, plus where each record came
/// from. Built by one worker, matched in place, then cleared for the next block: rows are never
/// materialized as objects unless they are detections.
/// </summary>
internal sealed class NormalizedBatch
{
    private readonly Utf8Column?[] _strings = new Utf8Column?[Columns.Count];
    private RecordKind[] _kinds = new RecordKind[1024];
    private long[] _offsets = new long[1024];
    private int[] _rawStart = new int[1024];
    private int[] _rawLength = new int[1024];

    public NormalizedBatch()
    {
        for (int c = 0; c < Columns.Count; c++)
            if (!Columns.IsInt64((Column)c)) _strings[c] = new Utf8Column();
    }

    public int Count { get; private set; }
    /// <summary>The block's buffer: <c>raw</c> of row i is <see cref="Raw"/>(i) into it.</summary>
    public ReadOnlyMemory<byte> Source { get; set; }

    public Int64Column EventTime { get; } = new();
    public Int64Column SentBytes { get; } = new();

    public Utf8Column Strings(Column c) => _strings[(int)c] ?? throw new ArgumentException($"{c} is not a string column");

    public RecordKind Kind(int row) => _kinds[row];
    public long Offset(int row) => _offsets[row];

    /// <summary>
    /// Rows loaded from a columnar store (<see cref="StoreSchema.Import"/>) carry their own source file
    /// and, when the store kept it, their raw text; rows parsed from a source point into its buffer.
    /// </summary>
    public bool FromStore { get; private set; }
    public Utf8Column StoredSourceFile { get; } = new();
    public Utf8Column StoredRaw { get; } = new();

    /// <summary>The record's raw text, or false when a store was written without it (<c>--keep-raw</c>).</summary>
    public bool TryRaw(int row, out ReadOnlySpan<byte> raw)
    {
        if (!FromStore)
        {
            raw = Source.Span.Slice(_rawStart[row], _rawLength[row]);
            return true;
        }
        raw = StoredRaw.Get(row);
        return !StoredRaw.IsNull(row);
    }

    /// <summary>Starts a batch of rows loaded from a store; the loader appends every column and then <see cref="BeginStoredRow"/>s.</summary>
    public void ClearForStore()
    {
        Clear();
        FromStore = true;
    }

    public void BeginStoredRow(RecordKind kind, long offset) => BeginRow(kind, offset, 0, 0);

    public void Clear()
    {
        FromStore = false;
        StoredSourceFile.Clear();
        StoredRaw.Clear();
        Count = 0;
        EventTime.Clear();
        SentBytes.Clear();
        foreach (var s in _strings) s?.Clear();
    }

    /// <summary>Starts a row; the normalizer then appends exactly one value to every column.</summary>
    public void BeginRow(RecordKind kind, long offset, int rawStart, int rawLength)
    {
        if (Count == _kinds.Length)
        {
            int n = _kinds.Length * 2;
            Array.Resize(ref _kinds, n);
            Array.Resize(ref _offsets, n);
            Array.Resize(ref _rawStart, n);
            Array.Resize(ref _rawLength, n);
        }
        _kinds[Count] = kind;
        _offsets[Count] = offset;
        _rawStart[Count] = rawStart;
        _rawLength[Count] = rawLength;
        Count++;
    }
}
