using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HuntEngine.Framing;

/// <summary>Outcome of advancing a <see cref="JsonValueScanner"/> over the bytes at hand.</summary>
internal enum ScanStatus : byte
{
    /// <summary>The value ended; the position is just past its last byte.</summary>
    Complete,
    /// <summary>The bytes ran out inside the value; call again with more (the state is kept).</summary>
    NeedMore,
    /// <summary>The brackets do not balance, nesting is too deep, or (when asked) a raw control byte sits in a string.</summary>
    Broken,
}

/// <summary>
/// Finds where one JSON value ends without parsing it: a string-aware bracket matcher, resumable
/// across buffer refills so a value larger than the buffer can be skipped without being held.
/// It validates only what framing needs (balanced brackets of the right kind); the parser validates
/// the rest.
/// <para>
/// It reads 64 bytes at a time: vector compares give one bit per quote, backslash, bracket (and,
/// when strict, control byte), and only those bytes are visited, in order, by the same state
/// machine a byte-at-a-time scanner would run. JSON records are mostly string text between a
/// few such bytes, so this replaced a vectorized search per token (which cost a call per key and
/// value); the last bytes of the data are walked as before.
/// </para>
/// </summary>
internal struct JsonValueScanner
{
    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> StringStops = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> StringStopsStrict = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);
    private static readonly SearchValues<byte> ScalarEnd = SearchValues.Create(",]} \t\r\n"u8);

    private readonly int _maxDepth;
    private readonly bool _controlBreaksString;
    private readonly bool _byteAtATime; // tests: the walk alone, to compare the 64-byte reads with
    private ulong[] _stack; // one bit per open container: 1 = object, 0 = array
    private int _depth;
    private bool _inString;
    private bool _escape;
    private bool _started;
    private bool _scalar;

    public JsonValueScanner(int maxDepth, bool controlBreaksString, bool byteAtATime = false)
    {
        _maxDepth = maxDepth;
        _controlBreaksString = controlBreaksString;
        _byteAtATime = byteAtATime;
        // Grown as nesting needs it (Push): the framer follows up to 2 x --max-depth levels (at least
        // 65,536), and a stack that size for every file would be 8 KiB per scanner, two per file.
        _stack = new ulong[Math.Min(16, (maxDepth + 64) / 64)];
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

        while (!_byteAtATime && pos + 64 <= data.Length)
        {
            var status = AdvanceBlock(data, ref pos);
            if (status != ScanStatus.NeedMore) return status;
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

    /// <summary>
    /// The 64 bytes at <paramref name="pos"/>: visits the bytes that can change the state, in order.
    /// NeedMore with <paramref name="pos"/> 64 bytes on when the value does not end in them;
    /// otherwise the position and status the byte-at-a-time walk would return.
    /// </summary>
    private ScanStatus AdvanceBlock(ReadOnlySpan<byte> data, ref int pos)
    {
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(data), pos);
        ulong quotes = ByteMask64.Of(ref at, (byte)'"', ByteTest.Equal);
        if (!_escape && _depth > 0 && ByteMask64.Of(ref at, (byte)'\\', ByteTest.Equal) == 0)
        {
            // No escape in these bytes: each quote opens or closes a string, so which bytes are in
            // strings is the running parity of the quotes and the state carried in, and only the
            // brackets outside strings need a visit. (Depth stays above 0 until a bracket ends the
            // value, so no quote can end it.) A control byte in a string takes the walk below.
            ulong inString = PrefixXor(quotes) ^ (_inString ? ulong.MaxValue : 0);
            if (!_controlBreaksString || (ByteMask64.Of(ref at, 0x20, ByteTest.Below) & inString) == 0)
            {
                ulong brackets = (ByteMask64.Of(ref at, (byte)'{', ByteTest.EqualIgnoringBit5) | ByteMask64.Of(ref at, (byte)'}', ByteTest.EqualIgnoringBit5)) & ~inString;
                while (brackets != 0)
                {
                    int i = BitOperations.TrailingZeroCount(brackets);
                    brackets &= brackets - 1;
                    byte b = Unsafe.Add(ref at, i);
                    bool ok = b is (byte)'{' or (byte)'[' ? Push(b == (byte)'{') : Pop(b == (byte)'}');
                    if (!ok || _depth == 0)
                    {
                        pos += i + 1;
                        _inString = false;
                        return ok ? ScanStatus.Complete : ScanStatus.Broken;
                    }
                }
                _inString = (long)inString < 0; // the state after the last byte
                pos += 64;
                return ScanStatus.NeedMore;
            }
        }

        // The bytes that can change the state: quotes, backslashes, brackets, and (when strict)
        // control bytes, each visited in order.
        ulong events = quotes | ByteMask64.Of(ref at, (byte)'\\', ByteTest.Equal)
            | ByteMask64.Of(ref at, (byte)'{', ByteTest.EqualIgnoringBit5) | ByteMask64.Of(ref at, (byte)'}', ByteTest.EqualIgnoringBit5)
            | (_controlBreaksString ? ByteMask64.Of(ref at, 0x20, ByteTest.Below) : 0);
        if (_escape)
        {
            // The first byte is escaped (a backslash ended the previous bytes): it changes nothing.
            _escape = false;
            events &= ~1UL;
        }
        while (events != 0)
        {
            int i = BitOperations.TrailingZeroCount(events);
            events &= events - 1;
            byte b = Unsafe.Add(ref at, i);
            if (_inString)
            {
                switch (b)
                {
                    case (byte)'\\':
                        // The next byte is escaped: skip it, here or at the start of the next bytes.
                        if (i == 63) _escape = true;
                        else events &= ~(1UL << (i + 1));
                        break;
                    case (byte)'"':
                        _inString = false;
                        if (_depth == 0) { pos += i + 1; return ScanStatus.Complete; }
                        break;
                    case < 0x20:
                        pos += i;
                        return ScanStatus.Broken; // raw control byte inside a string
                }
                continue; // a bracket inside a string is text
            }
            switch (b)
            {
                case (byte)'"': _inString = true; break;
                case (byte)'{' or (byte)'[':
                    if (!Push(b == (byte)'{')) { pos += i + 1; return ScanStatus.Broken; }
                    break;
                case (byte)'}' or (byte)']':
                    if (!Pop(b == (byte)'}')) { pos += i + 1; return ScanStatus.Broken; }
                    if (_depth == 0) { pos += i + 1; return ScanStatus.Complete; }
                    break;
            }
        }
        pos += 64;
        return ScanStatus.NeedMore;
    }

    /// <summary>Bit i set when an odd number of bits 0..i are set: which bytes a run of quotes leaves inside strings.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PrefixXor(ulong x)
    {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        return x;
    }

    private bool Push(bool isObject)
    {
        if (_depth >= _maxDepth) return false;
        if (_depth >> 6 == _stack.Length) Array.Resize(ref _stack, Math.Min(2 * _stack.Length, (_maxDepth + 64) / 64));
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
