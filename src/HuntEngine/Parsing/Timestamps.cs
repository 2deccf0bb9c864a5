namespace HuntEngine.Parsing;

/// <summary>
/// Timestamp forms of spec §2, parsed from UTF-8 without allocating: ISO 8601
/// <c>YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]</c> (no zone = UTC) everywhere, and the US portal
/// forms <c>M/D/YYYY h:mm:ss[.fff] AM</c> and <c>M/D/YYYY, h:mm:ss[.fff] PM</c> in CSV files only.
/// Digits below the millisecond are truncated. Anything else is unparseable (null, not an error).
/// </summary>
internal static class Timestamps
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public static bool TryParse(ReadOnlySpan<byte> s, bool allowUsPortal, out long unixMs)
    {
        unixMs = 0;
        if (TryParseIso(s, out unixMs)) return true;
        return allowUsPortal && TryParseUsPortal(s, out unixMs);
    }

    private static bool TryParseIso(ReadOnlySpan<byte> s, out long unixMs)
    {
        unixMs = 0;
        // 2026-11-20T10:15:30 is the shortest accepted form (19 bytes).
        if (s.Length < 19) return false;
        if (!Digits(s, 0, 4, out int year) || s[4] != '-' || !Digits(s, 5, 2, out int month) || s[7] != '-'
            || !Digits(s, 8, 2, out int day) || s[10] != 'T' || !Digits(s, 11, 2, out int hour) || s[13] != ':'
            || !Digits(s, 14, 2, out int minute) || s[16] != ':' || !Digits(s, 17, 2, out int second))
            return false;
        int i = 19;
        if (!Fraction(s, ref i, out int ms)) return false;
        int offsetMinutes = 0;
        if (i < s.Length)
        {
            byte z = s[i];
            if (z == 'Z' && i + 1 == s.Length) { }
            else if ((z == '+' || z == '-') && i + 6 == s.Length && s[i + 3] == ':'
                     && Digits(s, i + 1, 2, out int oh) && Digits(s, i + 4, 2, out int om) && oh <= 23 && om <= 59)
                offsetMinutes = (oh * 60 + om) * (z == '+' ? 1 : -1);
            else return false;
        }
        if (!Valid(year, month, day, hour, minute, second)) return false;
        unixMs = ToUnixMs(year, month, day, hour, minute, second, ms) - offsetMinutes * 60_000L;
        // An offset can push a year-1 or year-9999 local time outside 0001-01-01..9999-12-31 UTC:
        // no such instant is a log time, and DateTime (Parquet.Net), Python's datetime and most
        // readers cannot hold it, so it is unparseable like any other bad time (doc/decisions.md).
        return unixMs is >= MinUnixMs and <= MaxUnixMs;
    }

    /// <summary>0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.</summary>
    private const long MinUnixMs = -62_135_596_800_000L, MaxUnixMs = 253_402_300_799_999L;

    private static bool TryParseUsPortal(ReadOnlySpan<byte> s, out long unixMs)
    {
        unixMs = 0;
        int i = 0;
        if (!Number(s, ref i, 1, 2, out int month) || !Expect(s, ref i, '/') || !Number(s, ref i, 1, 2, out int day)
            || !Expect(s, ref i, '/') || !Number(s, ref i, 4, 4, out int year))
            return false;
        if (i < s.Length && s[i] == ',') i++;
        if (!Expect(s, ref i, ' ') || !Number(s, ref i, 1, 2, out int hour12) || !Expect(s, ref i, ':')
            || !Number(s, ref i, 2, 2, out int minute) || !Expect(s, ref i, ':') || !Number(s, ref i, 2, 2, out int second))
            return false;
        if (!Fraction(s, ref i, out int ms)) return false;
        if (!Expect(s, ref i, ' ') || i + 2 != s.Length || s[i + 1] != 'M') return false;
        bool pm = s[i] == 'P';
        if (!pm && s[i] != 'A') return false;
        if (hour12 is < 1 or > 12) return false;
        int hour = hour12 % 12 + (pm ? 12 : 0);
        if (!Valid(year, month, day, hour, minute, second)) return false;
        unixMs = ToUnixMs(year, month, day, hour, minute, second, ms);
        return true;
    }

    /// <summary>An optional <c>.digits</c>: milliseconds, digits below them truncated; false for a dot without digits.</summary>
    private static bool Fraction(ReadOnlySpan<byte> s, ref int i, out int ms)
    {
        ms = 0;
        if (i >= s.Length || s[i] != '.') return true;
        i++;
        int start = i;
        while (i < s.Length && IsDigit(s[i]))
        {
            if (i - start < 3) ms = ms * 10 + (s[i] - '0');
            i++;
        }
        for (int k = i - start; k < 3; k++) ms *= 10;
        return i > start;
    }

    private static bool Valid(int year, int month, int day, int hour, int minute, int second) =>
        year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
        && hour <= 23 && minute <= 59 && second <= 59;

    private static long ToUnixMs(int year, int month, int day, int hour, int minute, int second, int ms) =>
        (new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks - EpochTicks) / TimeSpan.TicksPerMillisecond + ms;

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool Digits(ReadOnlySpan<byte> s, int at, int count, out int value)
    {
        value = 0;
        if (at + count > s.Length) return false;
        for (int k = 0; k < count; k++)
        {
            byte b = s[at + k];
            if (!IsDigit(b)) return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    private static bool Number(ReadOnlySpan<byte> s, ref int i, int min, int max, out int value)
    {
        value = 0;
        int start = i;
        while (i < s.Length && i - start < max && IsDigit(s[i])) value = value * 10 + (s[i++] - '0');
        return i - start >= min && (i >= s.Length || !IsDigit(s[i]));
    }

    private static bool Expect(ReadOnlySpan<byte> s, ref int i, char c)
    {
        if (i >= s.Length || s[i] != c) return false;
        i++;
        return true;
    }
}
