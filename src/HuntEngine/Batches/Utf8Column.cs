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
        for (int i = 0; i < n; i++)
        {
            _valid[_count + i] = array.IsValid(i);
            _offsets[_count + i + 1] = at + offsets[i + 1] - first;
        }
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

}
