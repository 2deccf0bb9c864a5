using System.Buffers;
using HuntEngine.Framing;

namespace HuntEngine.Tests.Framing;

/// <summary>
/// The engine's JsonValueScanner as it was before it scanned 64 bytes at a time (one IndexOfAny per
/// token), kept as the oracle the block scanner is compared with. Finds where one JSON value ends without parsing it: a string-aware bracket matcher, resumable
/// across buffer refills so a value larger than the buffer can be skipped without being held.
/// It validates only what framing needs (balanced brackets of the right kind); the parser validates
/// the rest. Outside strings it jumps with a vectorized IndexOfAny to the next structural byte.
/// </summary>
internal struct TokenJsonValueScanner
{
    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> StringStops = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> StringStopsStrict = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);
    private static readonly SearchValues<byte> ScalarEnd = SearchValues.Create(",]} \t\r\n"u8);

    private readonly int _maxDepth;
    private readonly bool _controlBreaksString;
    private ulong[] _stack; // one bit per open container: 1 = object, 0 = array
    private int _depth;
    private bool _inString;
    private bool _escape;
    private bool _started;
    private bool _scalar;

    public TokenJsonValueScanner(int maxDepth, bool controlBreaksString)
    {
        _maxDepth = maxDepth;
        _controlBreaksString = controlBreaksString;
        _stack = new ulong[(maxDepth + 64) / 64];
        Reset();
    }

    public readonly int Depth => _depth;

    public void Reset()
    {
        _depth = 0;
        _inString = false;
        _escape = false;
        _started = false;
        _scalar = false;
    }

    /// <summary>
    /// Advances over <paramref name="data"/> from <paramref name="pos"/>, which must start (on the first
    /// call) at the value's first byte. <paramref name="final"/> says no more bytes will come: a
    /// bare scalar then ends at the end of the data.
    /// </summary>
    public ScanStatus Advance(ReadOnlySpan<byte> data, ref int pos, bool final)
    {
        if (!_started)
        {
            if (pos >= data.Length) return ScanStatus.NeedMore;
            _started = true;
            byte first = data[pos];
            if (first == (byte)'"') { _inString = true; pos++; }
            else if (first is (byte)'{' or (byte)'[') { if (!Push(first == (byte)'{')) return ScanStatus.Broken; pos++; }
            else _scalar = true;
        }

        if (_scalar)
        {
            int end = data[pos..].IndexOfAny(ScalarEnd);
            if (end < 0) { pos = data.Length; return final ? ScanStatus.Complete : ScanStatus.NeedMore; }
            pos += end;
            return ScanStatus.Complete;
        }

        while (pos < data.Length)
        {
            if (_inString)
            {
                if (_escape) { _escape = false; pos++; continue; }
                var rest = data[pos..];
                int i = rest.IndexOfAny(_controlBreaksString ? StringStopsStrict : StringStops);
                if (i < 0) { pos = data.Length; return ScanStatus.NeedMore; }
                pos += i;
                byte b = data[pos];
                if (b == (byte)'\\') { _escape = true; pos++; continue; }
                if (b == (byte)'"')
                {
                    _inString = false;
                    pos++;
                    if (_depth == 0) return ScanStatus.Complete;
                    continue;
                }
                return ScanStatus.Broken; // raw control byte inside a string
            }

            var tail = data[pos..];
            int j = tail.IndexOfAny(Structural);
            if (j < 0) { pos = data.Length; return ScanStatus.NeedMore; }
            pos += j;
            byte c = data[pos++];
            switch (c)
            {
                case (byte)'"': _inString = true; break;
                case (byte)'{': if (!Push(true)) return ScanStatus.Broken; break;
                case (byte)'[': if (!Push(false)) return ScanStatus.Broken; break;
                case (byte)'}':
                case (byte)']':
                    if (!Pop(c == (byte)'}')) return ScanStatus.Broken;
                    if (_depth == 0) return ScanStatus.Complete;
                    break;
            }
        }
        return ScanStatus.NeedMore;
    }

    private bool Push(bool isObject)
    {
        if (_depth >= _maxDepth) return false;
        ref ulong word = ref _stack[_depth >> 6];
        ulong bit = 1UL << (_depth & 63);
        word = isObject ? word | bit : word & ~bit;
        _depth++;
        return true;
    }

    private bool Pop(bool isObject)
    {
        if (_depth == 0) return false;
        _depth--;
        bool wasObject = (_stack[_depth >> 6] & (1UL << (_depth & 63))) != 0;
        return wasObject == isObject;
    }
}
