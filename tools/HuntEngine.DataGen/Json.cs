using System.Text;

namespace HuntEngine.DataGen;

/// <summary>Builds JSON text for the rare hand-shaped values of planted and near-miss records.</summary>
internal static class Json
{
    /// <summary>A JSON string literal of <paramref name="value"/>: quotes, backslashes and controls escaped, everything else raw UTF-8.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20) builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// A JSON string literal in which the character at <paramref name="index"/> is written as a
    /// <c>\uXXXX</c> escape (upper- or lower-case hex): the decoded value is unchanged, the raw bytes are not.
    /// </summary>
    public static string QuoteEscapingAt(string value, int index, bool upperHex = true)
    {
        string hex = ((int)value[index]).ToString(upperHex ? "X4" : "x4", System.Globalization.CultureInfo.InvariantCulture);
        string head = Quote(value[..index]);
        string tail = Quote(value[(index + 1)..]);
        return head[..^1] + "\\u" + hex + tail[1..];
    }

    /// <summary>A JSON string literal with every character written as a <c>\uXXXX</c> escape.</summary>
    public static string QuoteFullyEscaped(string value)
    {
        var builder = new StringBuilder(value.Length * 6 + 2);
        builder.Append('"');
        foreach (char c in value) builder.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        return builder.Append('"').ToString();
    }
}
