using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace HuntEngine.Tests.Reference;

/// <summary>
/// Exact arithmetic on the text of a JSON number (RFC 8259 grammar), with BigInteger so that no
/// floating-point rounding can creep in: the value is mantissa × 10^exponent.
/// </summary>
internal static class ReferenceJsonNumber
{
    // [0-9] rather than \d (which is any Unicode digit); \z rather than $ (which also matches before a final '\n').
    private static readonly Regex Grammar = new(
        @"^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?\z",
        RegexOptions.CultureInvariant);

    /// <summary>Parses a JSON number into sign, mantissa (no trailing zeros unless zero) and power of ten.</summary>
    public static bool TryParse(string text, out bool negative, out BigInteger mantissa, out BigInteger exponent)
    {
        negative = false;
        mantissa = BigInteger.Zero;
        exponent = BigInteger.Zero;
        Match m = Grammar.Match(text);
        if (!m.Success)
        {
            return false;
        }
        negative = m.Groups[1].Value == "-";
        string integerDigits = m.Groups[2].Value;
        string fractionDigits = m.Groups[3].Value;
        mantissa = BigInteger.Parse(integerDigits + fractionDigits, CultureInfo.InvariantCulture);
        exponent = -fractionDigits.Length;
        if (m.Groups[4].Success)
        {
            exponent += BigInteger.Parse(m.Groups[4].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        if (mantissa.IsZero)
        {
            exponent = BigInteger.Zero;
            return true;
        }
        while (mantissa % 10 == 0)
        {
            mantissa /= 10;
            exponent += 1;
        }
        return true;
    }

    /// <summary>True when the number's value is exactly 1 (1, 1.0, 1e0, 10e-1 ...).</summary>
    public static bool IsExactlyOne(string text)
    {
        return TryParse(text, out bool negative, out BigInteger mantissa, out BigInteger exponent)
            && !negative && mantissa.IsOne && exponent.IsZero;
    }

    /// <summary>The value when it is a whole number in [0, long.MaxValue]; else null. "-0" is zero.</summary>
    public static long? ToWholeNonNegativeInt64(string text)
    {
        if (!TryParse(text, out bool negative, out BigInteger mantissa, out BigInteger exponent))
        {
            return null;
        }
        if (mantissa.IsZero)
        {
            return 0;
        }
        if (negative || exponent < 0 || exponent > 19)
        {
            return null;
        }
        BigInteger value = mantissa * BigInteger.Pow(10, (int)exponent);
        if (value > long.MaxValue)
        {
            return null;
        }
        return (long)value;
    }
}

/// <summary>The timestamp forms of spec §2, parsed by regular expression and plain arithmetic.</summary>
internal static class ReferenceTimestamps
{
    private static readonly Regex Iso = new(
        @"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?\z",
        RegexOptions.CultureInvariant);

    // "9/20/2023 4:05:03 AM" and "9/19/2023, 1:45:17.287 PM" (the comma and the fraction each optional).
    private static readonly Regex UsPortal = new(
        @"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?:,)? ([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))? (AM|PM)\z",
        RegexOptions.CultureInvariant);

    /// <summary>YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]; no zone = UTC; digits below the ms truncated.</summary>
    public static long? ParseIso(string text)
    {
        Match m = Iso.Match(text);
        if (!m.Success)
        {
            return null;
        }
        int year = Int(m.Groups[1].Value);
        int month = Int(m.Groups[2].Value);
        int day = Int(m.Groups[3].Value);
        int hour = Int(m.Groups[4].Value);
        int minute = Int(m.Groups[5].Value);
        int second = Int(m.Groups[6].Value);
        int millisecond = FractionToMilliseconds(m.Groups[7].Value);

        int offsetMinutes = 0;
        string zone = m.Groups[8].Value;
        if (zone.Length == 6)
        {
            int offsetHour = Int(zone.Substring(1, 2));
            int offsetMinute = Int(zone.Substring(4, 2));
            if (offsetHour > 23 || offsetMinute > 59)
            {
                return null;
            }
            offsetMinutes = offsetHour * 60 + offsetMinute;
            if (zone[0] == '-')
            {
                offsetMinutes = -offsetMinutes;
            }
        }

        long? local = ToUnixMilliseconds(year, month, day, hour, minute, second, millisecond);
        if (local is null)
        {
            return null;
        }
        // Local time = UTC + offset, so UTC = local - offset.
        long utc = local.Value - offsetMinutes * 60_000L;
        // The instant must lie in years 1 to 9999 UTC (doc/decisions.md).
        DateTimeOffset first = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero);
        DateTimeOffset last = new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero);
        if (utc < first.ToUnixTimeMilliseconds() || utc > last.ToUnixTimeMilliseconds())
        {
            return null;
        }
        return utc;
    }

    /// <summary>The US portal forms of CSV exports (always UTC).</summary>
    public static long? ParseUsPortal(string text)
    {
        Match m = UsPortal.Match(text);
        if (!m.Success)
        {
            return null;
        }
        int month = Int(m.Groups[1].Value);
        int day = Int(m.Groups[2].Value);
        int year = Int(m.Groups[3].Value);
        int hour12 = Int(m.Groups[4].Value);
        int minute = Int(m.Groups[5].Value);
        int second = Int(m.Groups[6].Value);
        int millisecond = FractionToMilliseconds(m.Groups[7].Value);
        bool pm = m.Groups[8].Value == "PM";
        if (hour12 < 1 || hour12 > 12)
        {
            return null;
        }
        // 12 AM is midnight (0), 12 PM is noon (12).
        int hour = hour12 % 12 + (pm ? 12 : 0);
        return ToUnixMilliseconds(year, month, day, hour, minute, second, millisecond);
    }

    private static int Int(string digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>The first three fraction digits, right-padded with zeros; the rest is truncated.</summary>
    private static int FractionToMilliseconds(string fraction)
    {
        string firstThree = (fraction + "000").Substring(0, 3);
        return Int(firstThree);
    }

    /// <summary>Range-checked civil time to Unix ms (years 0001-9999, DateTime's range; no leap second).</summary>
    private static long? ToUnixMilliseconds(int year, int month, int day, int hour, int minute, int second, int millisecond)
    {
        if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }
        if (hour > 23 || minute > 59 || second > 59)
        {
            return null;
        }
        var utc = new DateTime(year, month, day, hour, minute, second, millisecond, DateTimeKind.Utc);
        return (utc - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;
    }
}
