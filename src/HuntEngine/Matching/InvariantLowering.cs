using System.Text;

namespace HuntEngine.Matching;

/// <summary>
/// Lower-cases UTF-8 for substring tests against lower-case ASCII literals, exactly as
/// <c>ToLowerInvariant</c> would for that purpose: only characters that lower to an ASCII letter can
/// take part in such a match, and those are A-Z plus the few non-ASCII characters this runtime
/// lowers into ASCII (the Kelvin sign U+212A → k; <c>İ</c> U+0130 is not among them). The table is
/// read from the runtime at start-up, not typed in, and a test checks it against every code point.
/// </summary>
internal static class InvariantLowering
{
    /// <summary>UTF-8 of each non-ASCII scalar whose invariant lower case is one ASCII byte, and that byte.</summary>
    public static readonly (byte[] Utf8, byte Lower)[] NonAsciiToAscii = BuildTable();

    private static (byte[], byte)[] BuildTable()
    {
        var list = new List<(byte[], byte)>();
        for (int cp = 0x80; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            // No string per code point: this runs once per process over all 1.1M of them.
            var rune = new Rune(cp);
            int lowered = cp <= 0xFFFF ? char.ToLowerInvariant((char)cp) : Rune.ToLowerInvariant(rune).Value;
            if (lowered < 0x80)
            {
                var utf8 = new byte[rune.Utf8SequenceLength];
                rune.EncodeToUtf8(utf8);
                list.Add((utf8, (byte)lowered));
            }
        }
        return list.ToArray();
    }

    /// <summary>Writes the lowered form into <paramref name="dest"/> (at least as long as the source) and returns its length.</summary>
    public static int Lower(ReadOnlySpan<byte> src, Span<byte> dest)
    {
        int n = 0;
        for (int i = 0; i < src.Length; i++)
        {
            byte b = src[i];
            if (b < 0x80)
            {
                dest[n++] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b + 32) : b;
                continue;
            }
            bool mapped = false;
            foreach (var (utf8, lower) in NonAsciiToAscii)
            {
                if (src[i..].StartsWith(utf8))
                {
                    dest[n++] = lower;
                    i += utf8.Length - 1;
                    mapped = true;
                    break;
                }
            }
            if (!mapped) dest[n++] = b;
        }
        return n;
    }

    /// <summary>A-Z to a-z only (Java's <c>(?i)</c> without UNICODE_CASE).</summary>
    public static int LowerAscii(ReadOnlySpan<byte> src, Span<byte> dest)
    {
        for (int i = 0; i < src.Length; i++)
        {
            byte b = src[i];
            dest[i] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b + 32) : b;
        }
        return src.Length;
    }
}
