namespace HuntEngine.DataGen;

/// <summary>The ISO 8601 shapes the real logs use; all generated times fall in 2026.</summary>
internal enum TimeStyle
{
    /// <summary><c>2026-02-17T16:59:44</c>: UAL <c>CreationTime</c> (no zone means UTC).</summary>
    NoZoneSeconds,

    /// <summary><c>2026-02-17T16:59:44.1234567</c>: no zone, 7-digit fraction.</summary>
    NoZoneFraction7,

    /// <summary><c>2026-02-17T16:59:44.1234567Z</c>: Azure Monitor <c>time</c>, Graph.</summary>
    Utc7,

    /// <summary><c>2026-02-17T16:59:44.123456Z</c>: Defender <c>Timestamp</c>.</summary>
    Utc6,

    /// <summary><c>2026-02-17T16:59:44Z</c>.</summary>
    UtcSeconds,

    /// <summary><c>2026-02-17T16:59:44.1234567+00:00</c>: sign-in <c>createdDateTime</c> inside diagnostic exports.</summary>
    Offset0,

    /// <summary><c>2026-02-17T18:59:44.1234567+02:00</c>: the same instant written in a +02:00 zone.</summary>
    OffsetPlus2,

    /// <summary><c>2026-02-17T11:59:44.1234567-05:00</c>.</summary>
    OffsetMinus5,
}

internal static class Timestamps
{
    /// <summary>2026-01-01T00:00:00Z.</summary>
    public static readonly long YearStartTicks = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    public static readonly long YearTicks = TimeSpan.FromDays(365).Ticks;

    /// <summary>A uniformly random instant in 2026 with a 7-digit (100 ns) fraction.</summary>
    public static long Next(Random random) => YearStartTicks + random.NextInt64(YearTicks);

    /// <summary>Writes <paramref name="utcTicks"/> in <paramref name="style"/>; returns the bytes written (at most 40).</summary>
    /// <remarks>Hand-formatted: DateTime custom format strings were the generator's largest per-record cost.</remarks>
    public static int Format(long utcTicks, TimeStyle style, Span<byte> destination)
    {
        long ticks = style switch
        {
            TimeStyle.OffsetPlus2 => utcTicks + TimeSpan.TicksPerHour * 2,
            TimeStyle.OffsetMinus5 => utcTicks - TimeSpan.TicksPerHour * 5,
            _ => utcTicks,
        };
        var (year, month, day) = new DateTime(ticks, DateTimeKind.Unspecified);
        long timeOfDay = ticks % TimeSpan.TicksPerDay;
        int n = 0;
        Digits(destination, ref n, year, 4);
        destination[n++] = (byte)'-';
        Digits(destination, ref n, month, 2);
        destination[n++] = (byte)'-';
        Digits(destination, ref n, day, 2);
        destination[n++] = (byte)'T';
        Digits(destination, ref n, (int)(timeOfDay / TimeSpan.TicksPerHour), 2);
        destination[n++] = (byte)':';
        Digits(destination, ref n, (int)(timeOfDay / TimeSpan.TicksPerMinute % 60), 2);
        destination[n++] = (byte)':';
        Digits(destination, ref n, (int)(timeOfDay / TimeSpan.TicksPerSecond % 60), 2);
        int fraction = (int)(timeOfDay % TimeSpan.TicksPerSecond);
        switch (style)
        {
            case TimeStyle.NoZoneSeconds:
                break;
            case TimeStyle.UtcSeconds:
                destination[n++] = (byte)'Z';
                break;
            case TimeStyle.Utc6:
                destination[n++] = (byte)'.';
                Digits(destination, ref n, fraction / 10, 6);
                destination[n++] = (byte)'Z';
                break;
            default:
                destination[n++] = (byte)'.';
                Digits(destination, ref n, fraction, 7);
                ReadOnlySpan<byte> zone = style switch
                {
                    TimeStyle.NoZoneFraction7 => ""u8,
                    TimeStyle.Utc7 => "Z"u8,
                    TimeStyle.Offset0 => "+00:00"u8,
                    TimeStyle.OffsetPlus2 => "+02:00"u8,
                    TimeStyle.OffsetMinus5 => "-05:00"u8,
                    _ => throw new ArgumentOutOfRangeException(nameof(style), style, "unknown time style"),
                };
                zone.CopyTo(destination[n..]);
                n += zone.Length;
                break;
        }

        return n;
    }

    private static void Digits(Span<byte> destination, ref int n, int value, int width)
    {
        for (int i = width - 1; i >= 0; i--)
        {
            destination[n + i] = (byte)('0' + value % 10);
            value /= 10;
        }

        n += width;
    }

    public static string ToText(long utcTicks, TimeStyle style)
    {
        Span<byte> bytes = stackalloc byte[40];
        int n = Format(utcTicks, style, bytes);
        return System.Text.Encoding.ASCII.GetString(bytes[..n]);
    }
}
