namespace HuntEngine.DataGen;

/// <summary>
/// Re-indents a compact JSON record byte-for-byte: only whitespace outside strings changes, so
/// escapes (<c>\u0048elpdesk</c>), duplicate keys and number spellings survive exactly, which a
/// parse-and-reserialise round trip would not guarantee.
/// </summary>
internal static class JsonPrettyPrinter
{
    /// <summary>
    /// Writes <paramref name="compact"/> indented by <paramref name="indentUnit"/> spaces per level,
    /// starting at <paramref name="baseLevel"/> (the first '{' itself is not indented: the caller places it).
    /// Uses <paramref name="newline"/> between lines.
    /// </summary>
    public static void Write(ReadOnlySpan<byte> compact, int baseLevel, int indentUnit, ReadOnlySpan<byte> newline, List<byte> output)
    {
        int level = baseLevel;
        bool inString = false;
        for (int i = 0; i < compact.Length; i++)
        {
            byte b = compact[i];
            if (inString)
            {
                output.Add(b);
                if (b == '\\')
                {
                    output.Add(compact[++i]);
                }
                else if (b == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                    break;
                case (byte)'"':
                    inString = true;
                    output.Add(b);
                    break;
                case (byte)'{' or (byte)'[':
                    output.Add(b);
                    int next = NextSignificant(compact, i + 1);
                    if (next < compact.Length && compact[next] is (byte)'}' or (byte)']')
                    {
                        // Empty container stays on one line: {} or [].
                        output.Add(compact[next]);
                        i = next;
                    }
                    else
                    {
                        level++;
                        NewLine(output, newline, level, indentUnit);
                    }

                    break;
                case (byte)'}' or (byte)']':
                    level--;
                    NewLine(output, newline, level, indentUnit);
                    output.Add(b);
                    break;
                case (byte)',':
                    output.Add(b);
                    NewLine(output, newline, level, indentUnit);
                    break;
                case (byte)':':
                    output.Add(b);
                    output.Add((byte)' ');
                    break;
                default:
                    output.Add(b);
                    break;
            }
        }
    }

    private static int NextSignificant(ReadOnlySpan<byte> json, int from)
    {
        while (from < json.Length && json[from] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') from++;
        return from;
    }

    private static void NewLine(List<byte> output, ReadOnlySpan<byte> newline, int level, int indentUnit)
    {
        foreach (byte b in newline) output.Add(b);
        for (int i = 0; i < level * indentUnit; i++) output.Add((byte)' ');
    }
}
