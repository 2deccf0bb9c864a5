namespace HuntEngine.Batches;

/// <summary>
/// A growable UTF-8 string column in Arrow's layout (int32 offsets, one data buffer, validity), so
/// the matcher scans spans and a sink can hand the buffers to Arrow without re-encoding. Reused
/// batch after batch: clearing keeps the arrays.
/// </summary>
internal sealed class Utf8Column
{
    private byte[] _data = new byte[1 << 16];
    private int[] _offsets = new int[1025];
    private bool[] _valid = new bool[1025];
    private int _count;

    public int Count => _count;

    public void Clear()
    {
        _count = 0;
        _offsets[0] = 0;
    }

    public void AppendNull()
    {
        EnsureRow();
        _valid[_count] = false;
        _offsets[_count + 1] = _offsets[_count];
        _count++;
    }

    public void Append(ReadOnlySpan<byte> value)
    {
        EnsureRow();
        int at = _offsets[_count];
        if (_data.Length - at < value.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, at + value.Length));
        value.CopyTo(_data.AsSpan(at));
        _valid[_count] = true;
        _offsets[_count + 1] = at + value.Length;
        _count++;
    }

    /// <summary>Appends every value of an Arrow string array at once (a store part): one copy of its data, offsets rebased.</summary>
    /// <summary>Appends every value of an Arrow string array: one copy of its bytes, offsets shifted in bulk.</summary>
    public void AppendAll(Apache.Arrow.StringArray array)
    {
        int n = array.Length;
        if (n == 0) return;
        while (_count + n + 1 >= _offsets.Length)
        {
            Array.Resize(ref _offsets, _offsets.Length * 2);
            Array.Resize(ref _valid, _offsets.Length);
        }
        var offsets = array.ValueOffsets;
        int first = offsets[0];
        var data = array.ValueBuffer.Span[first..offsets[n]];
        int at = _offsets[_count];
        if (_data.Length - at < data.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, at + data.Length));
        data.CopyTo(_data.AsSpan(at));
        ArrowBulk.Shift(offsets.Slice(1, n), at - first, _offsets.AsSpan(_count + 1, n));
        ArrowBulk.Validity(array, _valid.AsSpan(_count, n));
        _count += n;
    }

    public bool IsNull(int row) => !_valid[row];

    public ReadOnlySpan<byte> Get(int row) => _data.AsSpan(_offsets[row], _offsets[row + 1] - _offsets[row]);

    public string? GetString(int row) => IsNull(row) ? null : System.Text.Encoding.UTF8.GetString(Get(row));

    /// <summary>The Arrow buffers of rows [0, Count): offsets, data, validity.</summary>
    public (ReadOnlyMemory<int> Offsets, ReadOnlyMemory<byte> Data, ReadOnlyMemory<bool> Valid) Buffers =>
        (_offsets.AsMemory(0, _count + 1), _data.AsMemory(0, _offsets[_count]), _valid.AsMemory(0, _count));

    private void EnsureRow()
    {
        if (_count + 1 >= _offsets.Length)
        {
            Array.Resize(ref _offsets, _offsets.Length * 2);
            Array.Resize(ref _valid, _offsets.Length);
        }
    }
}

/// <summary>A nullable int64 column (timestamps in ms, byte counts).</summary>
internal sealed class Int64Column
{
    private long[] _values = new long[1024];
    private bool[] _valid = new bool[1024];
    private int _count;

    public int Count => _count;

    public void Clear() => _count = 0;

    public void Append(long? value)
    {
        if (_count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
            Array.Resize(ref _valid, _valid.Length * 2);
        }
        _values[_count] = value.GetValueOrDefault();
        _valid[_count] = value.HasValue;
        _count++;
    }

    public bool IsNull(int row) => !_valid[row];

    public long? Get(int row) => _valid[row] ? _values[row] : null;

    /// <summary>Appends every value of an Arrow int64 or timestamp array.</summary>
    public void AppendAll(Apache.Arrow.PrimitiveArray<long> array)
    {
        int n = array.Length;
        if (_count + n > _values.Length)
        {
            int size = Math.Max(_values.Length * 2, _count + n);
            Array.Resize(ref _values, size);
            Array.Resize(ref _valid, size);
        }
        array.Values.CopyTo(_values.AsSpan(_count, n));
        ArrowBulk.Validity(array, _valid.AsSpan(_count, n));
        _count += n;
    }

}

/// <summary>Bulk copies out of Arrow arrays (store scans): no per-row calls on the hot path.</summary>
internal static class ArrowBulk
{
    /// <summary><paramref name="to"/>[i] = <paramref name="from"/>[i] + <paramref name="delta"/>.</summary>
    public static void Shift(ReadOnlySpan<int> from, int delta, Span<int> to)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var d = new System.Numerics.Vector<int>(delta);
            for (; i <= from.Length - System.Numerics.Vector<int>.Count; i += System.Numerics.Vector<int>.Count)
                (new System.Numerics.Vector<int>(from[i..]) + d).CopyTo(to[i..]);
        }
        for (; i < from.Length; i++) to[i] = from[i] + delta;
    }

    /// <summary>The array's validity bitmap as one bool per row.</summary>
    public static void Validity(Apache.Arrow.IArrowArray array, Span<bool> to)
    {
        var bits = array.Data.Buffers[0].Span;
        if (array.NullCount == 0 || bits.IsEmpty) // no bitmap means all valid, as Arrow reads it
        {
            to.Fill(true);
            return;
        }
        int offset = array.Offset;
        for (int i = 0; i < to.Length; i++)
        {
            int bit = offset + i;
            to[i] = (bits[bit >> 3] & (1 << (bit & 7))) != 0;
        }
    }
}
