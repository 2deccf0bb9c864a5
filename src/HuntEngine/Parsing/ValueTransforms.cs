using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HuntEngine.Parsing;

/// <summary>The value transforms of <see cref="ValueTransform"/>, over UTF-8 spans.</summary>
internal static class ValueTransforms
{
    private static readonly byte[][] UalUserTypes =
    [
        "Regular"u8.ToArray(), "Reserved"u8.ToArray(), "Admin"u8.ToArray(), "DcAdmin"u8.ToArray(), "System"u8.ToArray(),
        "Application"u8.ToArray(), "ServicePrincipal"u8.ToArray(), "CustomPolicy"u8.ToArray(), "SystemPolicy"u8.ToArray(),
        "PartnerTechnician"u8.ToArray(), "Guest"u8.ToArray(),
    ];

    /// <summary>UAL UserType: a JSON number written exactly as one of 0..10 becomes its name; <c>2.0</c> or <c>11</c> stay JSON text.</summary>
    public static ReadOnlySpan<byte> UalUserType(JsonTokenType type, ReadOnlySpan<byte> value)
    {
        if (type != JsonTokenType.Number) return value;
        if (value.Length == 1 && (uint)(value[0] - '0') <= 9) return UalUserTypes[value[0] - '0'];
        if (value.SequenceEqual("10"u8)) return UalUserTypes[10];
        return value;
    }

    /// <summary>
    /// Upper-cases the first character of a string (invariant, like <c>guest</c> → <c>Guest</c>).
    /// Values of another JSON type stay their JSON text (spec: "written as its JSON text exactly").
    /// </summary>
    public static ReadOnlySpan<byte> UpperFirst(JsonTokenType type, ReadOnlySpan<byte> value, Span<byte> scratch)
    {
        if (type != JsonTokenType.String || value.IsEmpty) return value;
        byte b = value[0];
        if (b < 0x80)
        {
            if ((uint)(b - 'a') > 'z' - 'a') return value;
            value.CopyTo(scratch);
            scratch[0] = (byte)(b - 32);
            return scratch[..value.Length];
        }
        if (Rune.DecodeFromUtf8(value, out var rune, out int consumed) != System.Buffers.OperationStatus.Done) return value;
        var upper = Rune.ToUpperInvariant(rune);
        if (upper == rune) return value;
        int written = upper.EncodeToUtf8(scratch);
        value[consumed..].CopyTo(scratch[written..]);
        return scratch[..(written + value.Length - consumed)];
    }

    /// <summary>
    /// The host of a URL (spec §7.1): after <c>://</c> drop user info; up to the first <c>/</c>, <c>?</c>
    /// or <c>#</c>; without a <c>:port</c>; ASCII lower-cased. Returns false for an empty host (null).
    /// </summary>
    public static bool RemoteHost(ReadOnlySpan<byte> value, Span<byte> scratch, out ReadOnlySpan<byte> host)
    {
        var s = value;
        // The spec's two cases: a value with "://" is a URL, its host after the first "://"; a value
        // without one is taken from its start. (Read literally: "h/r?u=https://x" has "://", so x.)
        int scheme = s.IndexOf("://"u8);
        if (scheme >= 0) s = s[(scheme + 3)..];
        int end = s.IndexOfAny("/?#"u8);
        if (end >= 0) s = s[..end];
        if (scheme >= 0)
        {
            int at = s.LastIndexOf((byte)'@');
            if (at >= 0) s = s[(at + 1)..];
        }
        s = StripPort(s);
        int n = 0;
        foreach (byte b in s) scratch[n++] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b + 32) : b;
        host = scratch[..n];
        return n > 0;
    }

    private static ReadOnlySpan<byte> StripPort(ReadOnlySpan<byte> s)
    {
        if (s.Length > 0 && s[0] == '[')
        {
            // [IPv6]:port keeps the bracketed address.
            int close = s.IndexOf((byte)']');
            return close > 0 ? s[..(close + 1)] : s;
        }
        int colon = s.LastIndexOf((byte)':');
        if (colon < 0 || s[..colon].Contains((byte)':')) return s; // a bare IPv6 address has no port to strip
        var port = s[(colon + 1)..];
        foreach (byte b in port) if ((uint)(b - '0') > 9) return s;
        return s[..colon];
    }

    /// <summary>
    /// sent_bytes (spec §7.1): a JSON number, or a string whose whole text is a JSON number, taken by
    /// value (<c>1.5e7</c> = 15000000); null unless it is a whole number in [0, int64 max].
    /// </summary>
    public static bool Int64(JsonTokenType type, ReadOnlySpan<byte> value, out long result)
    {
        result = 0;
        if (type is not (JsonTokenType.Number or JsonTokenType.String)) return false;
        if (!IsJsonNumber(value)) return false;
        return WholeNonNegativeInt64(value, out result);
    }

    /// <summary>
    /// The exact value of a JSON number text when it is a whole number in [0, long.MaxValue]: digits
    /// and exponent are read as they are, never through a binary or decimal floating type, so
    /// <c>10485760.99999999999999999999999</c> is not whole and <c>1.5e7</c> is 15000000.
    /// </summary>
    private static bool WholeNonNegativeInt64(ReadOnlySpan<byte> s, out long result)
    {
        result = 0;
        bool negative = s[0] == '-';
        int i = negative ? 1 : 0;
        int intStart = i;
        while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
        var intDigits = s[intStart..i];
        ReadOnlySpan<byte> fracDigits = default;
        if (i < s.Length && s[i] == '.')
        {
            int f = ++i;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
            fracDigits = s[f..i];
        }
        long exponent = 0;
        if (i < s.Length)
        {
            i++; // e or E
            bool expNegative = s[i] == '-';
            if (s[i] is (byte)'-' or (byte)'+') i++;
            for (; i < s.Length; i++)
                exponent = Math.Min(exponent * 10 + (s[i] - '0'), 1_000_000_000); // past that, only the sign matters
            if (expNegative) exponent = -exponent;
        }
        // value = (intDigits fracDigits) x 10^(exponent - fracDigits.Length); find its significant digits.
        int first = 0, total = intDigits.Length + fracDigits.Length;
        while (first < total && Digit(intDigits, fracDigits, first) == '0') first++;
        if (first == total) return true; // zero, -0 included
        if (negative) return false;
        int last = total;
        long shift = exponent - fracDigits.Length;
        while (Digit(intDigits, fracDigits, last - 1) == '0') { last--; shift++; }
        if (shift < 0) return false; // a non-zero digit after the point
        if (last - first + shift > 19) return false; // 20 digits or more: past long.MaxValue
        long value = 0;
        try
        {
            checked
            {
                for (int k = first; k < last; k++) value = value * 10 + (Digit(intDigits, fracDigits, k) - '0');
                for (long k = 0; k < shift; k++) value *= 10;
            }
        }
        catch (OverflowException)
        {
            return false;
        }
        result = value;
        return true;
    }

    private static byte Digit(ReadOnlySpan<byte> intDigits, ReadOnlySpan<byte> fracDigits, int k) =>
        k < intDigits.Length ? intDigits[k] : fracDigits[k - intDigits.Length];

    /// <summary>The JSON number grammar (RFC 8259 §6), whole text.</summary>
    public static bool IsJsonNumber(ReadOnlySpan<byte> s)
    {
        int i = 0;
        if (i < s.Length && s[i] == '-') i++;
        if (i >= s.Length) return false;
        if (s[i] == '0') i++;
        else if ((uint)(s[i] - '1') <= 8) { while (i < s.Length && (uint)(s[i] - '0') <= 9) i++; }
        else return false;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            int f = i;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
            if (i == f) return false;
        }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            int x = i;
            while (i < s.Length && (uint)(s[i] - '0') <= 9) i++;
            if (i == x) return false;
        }
        return i == s.Length;
    }
}
