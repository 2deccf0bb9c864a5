namespace HuntEngine.Framing;

/// <summary>
/// Splits a run of NDJSON lines into records (spec §1): <c>\n</c> or <c>\r\n</c> ends a line,
/// blank and whitespace-only lines are skipped, the record is the line without its surrounding
/// JSON whitespace. Raw control bytes are illegal inside JSON strings, so any <c>\n</c> ends a line
/// (simdjson's observation): no quote tracking is needed.
/// </summary>
internal static class NdjsonLines
{
    /// <summary>Finds the next record at or after <paramref name="pos"/>; false when none is left.</summary>
    public static bool Next(ReadOnlySpan<byte> chunk, ref int pos, out int start, out int length)
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
            if (e > s)
            {
                start = s;
                length = e - s;
                return true;
            }
        }
        start = length = 0;
        return false;
    }

    /// <summary>What surrounds a record on its line and is not part of it; the framer measures an oversized line by the same bytes.</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
