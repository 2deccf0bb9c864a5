using System.Text;
using System.Text.Json;

namespace HuntEngine.Parsing;

/// <summary>
/// The text of a JSON string token. A <c>\u</c> escape of half a surrogate pair with no other half
/// (<c>"\ud800"</c>) is valid JSON grammar (RFC 8259 §7 allows any four hex digits) and Python,
/// JavaScript, Go and Java parsers read it, but it names no character and cannot be UTF-8:
/// <see cref="Utf8JsonReader.CopyString(Span{byte})"/> throws on it. Such a half becomes U+FFFD,
/// as Go's decoder and WHATWG's UTF-8 encoder make it, so the record is read like any other and
/// whichever field holds the escape, the outcome is the same.
/// </summary>
internal static class JsonStringText
{
    /// <summary>Copies the unescaped text of the string token at <paramref name="reader"/> into <paramref name="into"/> (at least the token's length); returns its length.</summary>
    public static int Copy(ref Utf8JsonReader reader, Span<byte> into)
    {
        try
        {
            return reader.CopyString(into);
        }
        catch (InvalidOperationException)
        {
            // Only a lone surrogate gets here: the reader has already checked the escapes' grammar.
            return UnescapeReplacingLoneSurrogates(reader.ValueSpan, into);
        }
    }

    /// <summary>
    /// Unescapes <paramref name="escaped"/> (a string token's bytes between its quotes, escapes
    /// already checked by the reader). Never longer than the input: every escape is at least as long
    /// as its UTF-8 (<c>\ud800</c>, 6 bytes, becomes EF BF BD).
    /// </summary>
    internal static int UnescapeReplacingLoneSurrogates(ReadOnlySpan<byte> escaped, Span<byte> into)
    {
        int written = 0;
        int i = 0;
        while (i < escaped.Length)
        {
            int slash = escaped[i..].IndexOf((byte)'\\');
            if (slash < 0)
            {
                escaped[i..].CopyTo(into[written..]);
                return written + escaped.Length - i;
            }
            escaped.Slice(i, slash).CopyTo(into[written..]);
            written += slash;
            i += slash;
            byte kind = escaped[i + 1];
            if (kind != (byte)'u')
            {
                into[written++] = kind switch
                {
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => kind, // \" \\ \/
                };
                i += 2;
                continue;
            }
            int unit = Hex4(escaped.Slice(i + 2, 4));
            i += 6;
            Rune rune;
            if (char.IsHighSurrogate((char)unit) && i + 6 <= escaped.Length && escaped[i] == (byte)'\\' && escaped[i + 1] == (byte)'u'
                && Hex4(escaped.Slice(i + 2, 4)) is var low && char.IsLowSurrogate((char)low))
            {
                rune = new Rune((char)unit, (char)low);
                i += 6;
            }
            else
            {
                rune = char.IsSurrogate((char)unit) ? Rune.ReplacementChar : new Rune(unit);
            }
            written += rune.EncodeToUtf8(into[written..]);
        }
        return written;
    }

    private static int Hex4(ReadOnlySpan<byte> digits)
    {
        int value = 0;
        foreach (byte b in digits)
            value = (value << 4) | (b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
        return value;
    }
}
