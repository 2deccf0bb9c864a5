using System.Buffers.Text;
using System.Text;

namespace HuntEngine.DataGen;

/// <summary>
/// Writes one JSON record as UTF-8 into a reusable buffer. Hand-rolled rather than
/// Utf8JsonWriter because adversarial records need what a conforming writer refuses or
/// normalises: raw escaped property names (<c>\u0055serId</c>), hand-escaped values,
/// duplicate keys and values of the "wrong" JSON type, all byte-for-byte as intended.
/// </summary>
internal sealed class JsonRecordWriter
{
    private const int MaxDepth = 64;

    private byte[] _buffer = new byte[16 * 1024];
    private int _length;
    private readonly bool[] _hasItems = new bool[MaxDepth];
    private int _depth;
    private bool _afterName;
    private bool _spacedTopLevel;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public int Length => _length;

    /// <summary>Starts a new record. <paramref name="spacedTopLevel"/> writes <c>{ "a": 1, "b": 2}</c> at depth 1, as the Azure diagnostic exports do.</summary>
    public void Reset(bool spacedTopLevel = false)
    {
        _length = 0;
        _depth = 0;
        _afterName = false;
        _hasItems[0] = false;
        _spacedTopLevel = spacedTopLevel;
    }

    public void StartObject()
    {
        BeforeValue();
        Put((byte)'{');
        if (_spacedTopLevel && _depth == 0) Put((byte)' ');
        Push();
    }

    public void EndObject()
    {
        _depth--;
        Put((byte)'}');
    }

    public void StartArray()
    {
        BeforeValue();
        Put((byte)'[');
        Push();
    }

    public void EndArray()
    {
        _depth--;
        Put((byte)']');
    }

    /// <summary>A property name that needs no escaping (ASCII literals).</summary>
    public void Name(ReadOnlySpan<byte> name) => RawName(name);

    /// <summary>A property name written exactly as given between the quotes (may hold escapes such as <c>\u0055serId</c>).</summary>
    public void RawName(ReadOnlySpan<byte> escapedName)
    {
        if (_hasItems[_depth]) WriteSeparator();
        _hasItems[_depth] = true;
        Put((byte)'"');
        Put(escapedName);
        Put((byte)'"');
        Put((byte)':');
        if (_spacedTopLevel && _depth == 1) Put((byte)' ');
        _afterName = true;
    }

    public void Name(string name)
    {
        if (_hasItems[_depth]) WriteSeparator();
        _hasItems[_depth] = true;
        WriteQuoted(name);
        Put((byte)':');
        if (_spacedTopLevel && _depth == 1) Put((byte)' ');
        _afterName = true;
    }

    /// <summary>A string value that needs no escaping (ASCII literals).</summary>
    public void Str(ReadOnlySpan<byte> asciiValue)
    {
        BeforeValue();
        Put((byte)'"');
        Put(asciiValue);
        Put((byte)'"');
    }

    public void Str(string? value)
    {
        if (value is null)
        {
            Null();
            return;
        }

        BeforeValue();
        WriteQuoted(value);
    }

    public void Num(long value)
    {
        BeforeValue();
        Ensure(24);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out int written);
        _length += written;
    }

    public void NumDouble(double value)
    {
        BeforeValue();
        Ensure(32);
        value.TryFormat(_buffer.AsSpan(_length), out int written, "R", System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }

    public void Bool(bool value)
    {
        BeforeValue();
        Put(value ? "true"u8 : "false"u8);
    }

    public void Null()
    {
        BeforeValue();
        Put("null"u8);
    }

    /// <summary>Inserts a complete JSON value exactly as given (a hand-escaped string, <c>1.0</c>, an object...).</summary>
    public void Raw(ReadOnlySpan<byte> jsonValue)
    {
        BeforeValue();
        Put(jsonValue);
    }

    public void Raw(string jsonValue)
    {
        BeforeValue();
        PutUtf8(jsonValue);
    }

    public void Uuid(Uuid value, bool upper = false)
    {
        BeforeValue();
        Ensure(38);
        Put((byte)'"');
        value.Format(_buffer.AsSpan(_length, 36), upper);
        _length += 36;
        Put((byte)'"');
    }

    public void Ip(uint address)
    {
        BeforeValue();
        Put((byte)'"');
        PutIp(address);
        Put((byte)'"');
    }

    /// <summary>An IPv4 address with a client port, as Exchange writes <c>ClientIP</c>.</summary>
    public void IpWithPort(uint address, int port)
    {
        BeforeValue();
        Put((byte)'"');
        PutIp(address);
        Put((byte)':');
        PutInt(port);
        Put((byte)'"');
    }

    public void Time(long utcTicks, TimeStyle style)
    {
        BeforeValue();
        Ensure(40);
        Put((byte)'"');
        _length += Timestamps.Format(utcTicks, style, _buffer.AsSpan(_length));
        Put((byte)'"');
    }

    // Name + value shorthands keep the record builders readable.
    public void P(ReadOnlySpan<byte> name, ReadOnlySpan<byte> asciiValue) { Name(name); Str(asciiValue); }
    public void P(ReadOnlySpan<byte> name, string? value) { Name(name); Str(value); }
    public void P(ReadOnlySpan<byte> name, long value) { Name(name); Num(value); }
    public void PBool(ReadOnlySpan<byte> name, bool value) { Name(name); Bool(value); }
    public void PNull(ReadOnlySpan<byte> name) { Name(name); Null(); }
    public void PRaw(ReadOnlySpan<byte> name, string jsonValue) { Name(name); Raw(jsonValue); }
    public void PUuid(ReadOnlySpan<byte> name, Uuid value, bool upper = false) { Name(name); Uuid(value, upper); }
    public void PIp(ReadOnlySpan<byte> name, uint address) { Name(name); Ip(address); }
    public void PTime(ReadOnlySpan<byte> name, long utcTicks, TimeStyle style) { Name(name); Time(utcTicks, style); }

    /// <summary>An empty array, as the exports write for empty lists.</summary>
    public void PEmptyArray(ReadOnlySpan<byte> name) { Name(name); StartArray(); EndArray(); }

    public void PEmptyObject(ReadOnlySpan<byte> name) { Name(name); StartObject(); EndObject(); }

    private void BeforeValue()
    {
        if (_afterName)
        {
            _afterName = false;
            return;
        }

        if (_depth > 0)
        {
            if (_hasItems[_depth]) WriteSeparator();
            _hasItems[_depth] = true;
        }
    }

    private void Push()
    {
        _depth++;
        _hasItems[_depth] = false;
    }

    private void WriteSeparator()
    {
        Put((byte)',');
        if (_spacedTopLevel && _depth == 1) Put((byte)' ');
    }

    private void WriteQuoted(string value)
    {
        Ensure(value.Length * 6 + 2);
        Span<byte> output = _buffer.AsSpan(_length);
        int n = 0;
        output[n++] = (byte)'"';
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c < 0x80)
            {
                switch (c)
                {
                    case '"': output[n++] = (byte)'\\'; output[n++] = (byte)'"'; break;
                    case '\\': output[n++] = (byte)'\\'; output[n++] = (byte)'\\'; break;
                    case '\n': output[n++] = (byte)'\\'; output[n++] = (byte)'n'; break;
                    case '\r': output[n++] = (byte)'\\'; output[n++] = (byte)'r'; break;
                    case '\t': output[n++] = (byte)'\\'; output[n++] = (byte)'t'; break;
                    default:
                        if (c < 0x20)
                        {
                            "\\u00"u8.CopyTo(output[n..]);
                            n += 4;
                            output[n++] = HexDigit(c >> 4, upper: false);
                            output[n++] = HexDigit(c & 0xF, upper: false);
                        }
                        else
                        {
                            output[n++] = (byte)c;
                        }
                        break;
                }
            }
            else
            {
                // Non-ASCII goes out as raw UTF-8, as Microsoft's exports write it.
                int charCount = char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1;
                n += Encoding.UTF8.GetBytes(value.AsSpan(i, charCount), output[n..]);
                i += charCount - 1;
            }
        }

        output[n++] = (byte)'"';
        _length += n;
    }

    private void PutIp(uint address)
    {
        PutInt((int)(address >> 24));
        Put((byte)'.');
        PutInt((int)((address >> 16) & 0xFF));
        Put((byte)'.');
        PutInt((int)((address >> 8) & 0xFF));
        Put((byte)'.');
        PutInt((int)(address & 0xFF));
    }

    private void PutInt(int value)
    {
        Ensure(12);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out int written);
        _length += written;
    }

    private void PutUtf8(string text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    private void Put(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }

    internal static byte HexDigit(int value, bool upper) =>
        (byte)(value < 10 ? '0' + value : (upper ? 'A' : 'a') + value - 10);
}

/// <summary>A 128-bit identifier drawn from the generator's Random, formatted like a GUID without allocating.</summary>
internal readonly record struct Uuid(ulong High, ulong Low)
{
    /// <summary>A random (version 4, RFC 4122 variant) identifier, shaped like the GUIDs in real logs.</summary>
    public static Uuid Next(Random random)
    {
        ulong high = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        ulong low = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        return new((high & ~0xF000UL) | 0x4000UL, (low & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL);
    }

    public void Format(Span<byte> destination, bool upper)
    {
        // 8-4-4-4-12 hex digits.
        int d = 0;
        for (int nibble = 0; nibble < 32; nibble++)
        {
            if (nibble is 8 or 12 or 16 or 20) destination[d++] = (byte)'-';
            ulong word = nibble < 16 ? High : Low;
            int shift = 60 - 4 * (nibble & 15);
            destination[d++] = JsonRecordWriter.HexDigit((int)((word >> shift) & 0xF), upper);
        }
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[36];
        Format(bytes, upper: false);
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>Hex digits only (no dashes), e.g. for PUIDs and device ids.</summary>
    public string ToHex(int digits, bool upper)
    {
        Span<byte> bytes = stackalloc byte[36];
        Format(bytes, upper);
        Span<char> chars = stackalloc char[32];
        int n = 0;
        foreach (byte b in bytes)
        {
            if (b != '-') chars[n++] = (char)b;
        }

        return new string(chars[..Math.Min(digits, 32)]);
    }
}
