namespace HuntEngine.Framing;

/// <summary>
/// Splits a run of NDJSON lines into records (spec §1): <c>\n</c> or <c>\r\n</c> ends a line,
/// blank and whitespace-only lines are skipped (whitespace as Unicode defines it: a line of form
/// feeds or no-break spaces is blank too, as most languages' trim sees it), the record is the line
/// without its surrounding JSON whitespace. Raw control bytes are illegal inside JSON strings, so any <c>\n</c> ends a line
/// (simdjson's observation): no quote tracking is needed.
/// </summary>
internal static class NdjsonLines
{
    /// <summary>Finds the next record at or after <paramref name="pos"/>; false when none is left.</summary>
    public static bool Next(ReadOnlySpan<byte> chunk, ref int pos, out int start, out int length) =>
        Next(chunk, ref pos, long.MaxValue / 4, out start, out length, out _);

    /// <summary>
    /// As <see cref="Next(ReadOnlySpan{byte}, ref int, out int, out int)"/>, and says whether the
    /// line is <paramref name="oversized"/>, measured as the framer measures a line it could not
    /// hold (so where a read ended never decides): the record without its surrounding whitespace
    /// over the limit, or followed on its line by more than the limit again of whitespace. An
    /// oversized line is reported even when every character of it is Unicode whitespace (the framer
    /// cannot tell that before the line ends, and does not hold it).
    /// </summary>
    public static bool Next(ReadOnlySpan<byte> chunk, ref int pos, long maxRecordBytes, out int start, out int length, out bool oversized)
    {
        while (pos < chunk.Length)
        {
            int lineStart = pos;
            int nl = chunk[pos..].IndexOf((byte)'\n');
            int lineEnd = nl < 0 ? chunk.Length : pos + nl;
            pos = nl < 0 ? chunk.Length : lineEnd + 1;
            int s = lineStart, e = lineEnd;
            while (s < e && IsWhitespace(chunk[s])) s++;
            while (e > s && IsWhitespace(chunk[e - 1])) e--;
            if (e == s) continue;
            oversized = e - s > maxRecordBytes || lineEnd - s > 2 * maxRecordBytes;
            // A record starts with '{'; anything else is rare, and blank if it is all Unicode whitespace.
            if (oversized || chunk[s] == (byte)'{' || !IsBlank(chunk[s..e]))
            {
                start = s;
                length = e - s;
                return true;
            }
        }
        start = length = 0;
        oversized = false;
        return false;
    }

    /// <summary>What surrounds a record on its line and is not part of it; the framer measures an oversized line by the same bytes.</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

    /// <summary>Every character is Unicode White_Space (U+000B, U+000C, U+0085, U+00A0, U+2028, U+3000...); false for invalid UTF-8.</summary>
    internal static bool IsBlank(ReadOnlySpan<byte> line) => IsBlank(line, whole: true);

    /// <summary>As <see cref="IsBlank(ReadOnlySpan{byte})"/>; for a line not <paramref name="whole"/> (it goes on past these bytes), a character cut at the end counts as blank so far.</summary>
    internal static bool IsBlank(ReadOnlySpan<byte> line, bool whole)
    {
        while (!line.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(line, out var rune, out int used);
            if (status == System.Buffers.OperationStatus.NeedMoreData && !whole) return true;
            if (status != System.Buffers.OperationStatus.Done || !System.Text.Rune.IsWhiteSpace(rune)) return false;
            line = line[used..];
        }
        return true;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
