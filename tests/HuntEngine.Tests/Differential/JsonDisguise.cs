using System.Text;
using System.Text.Json;

namespace HuntEngine.Tests.Differential;

/// <summary>
/// Rewrites a JSON record into another text with the same meaning for the spec: characters of keys
/// and values escaped as <c>\uXXXX</c> (upper or lower hex), odd whitespace between tokens, and decoy
/// duplicate keys placed before the real one (the last wins). Used to show that nothing the engine
/// does on raw bytes can be fooled by the spelling of a record.
/// </summary>
internal sealed class JsonDisguise(Random random, double escapeRate = 0.15, double decoyRate = 0.1)
{
    private static readonly string[] Spaces = ["", " ", "  ", "\t", " \t "];

    public string Rewrite(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1000 });
        var sb = new StringBuilder(json.Length * 2);
        Write(doc.RootElement, sb);
        return sb.ToString();
    }

    private string Ws() => Spaces[random.Next(Spaces.Length)];

    private void Write(JsonElement e, StringBuilder sb)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{').Append(Ws());
                bool first = true;
                foreach (var p in e.EnumerateObject())
                {
                    if (!first) sb.Append(Ws()).Append(',').Append(Ws());
                    first = false;
                    if (random.NextDouble() < decoyRate)
                    {
                        // A decoy of the same key first: the real value, written after it, must win.
                        WriteString(p.Name, sb);
                        sb.Append(Ws()).Append(':').Append(Ws());
                        WriteDecoy(p.Value, sb);
                        sb.Append(Ws()).Append(',').Append(Ws());
                    }
                    WriteString(p.Name, sb);
                    sb.Append(Ws()).Append(':').Append(Ws());
                    Write(p.Value, sb);
                }
                sb.Append(Ws()).Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[').Append(Ws());
                bool firstItem = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!firstItem) sb.Append(Ws()).Append(',').Append(Ws());
                    firstItem = false;
                    Write(item, sb);
                }
                sb.Append(Ws()).Append(']');
                break;
            case JsonValueKind.String:
                WriteString(e.GetString()!, sb);
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }

    private void WriteDecoy(JsonElement real, StringBuilder sb)
    {
        switch (random.Next(4))
        {
            case 0: sb.Append("null"); break;
            case 1: WriteString("helpdesk MessageSent Consent to application Dropbox Sign-in Guest high Teams s3.amazonaws.com", sb); break;
            case 2: sb.Append("{\"user\":{\"userPrincipalName\":\"sysadmin@x\"},\"displayName\":\"MEGA\"}"); break;
            default: sb.Append(real.ValueKind == JsonValueKind.Number ? "99999999999" : "[{\"ID\":\"Dropbox\",\"Type\":1}]"); break;
        }
    }

    private void WriteString(string s, StringBuilder sb)
    {
        sb.Append('"');
        Span<char> units = stackalloc char[2];
        foreach (var rune in s.EnumerateRunes())
        {
            bool mustEscape = rune.Value is '"' or '\\' || rune.Value < 0x20;
            if (mustEscape || random.NextDouble() < escapeRate)
            {
                int n = rune.EncodeToUtf16(units);
                for (int i = 0; i < n; i++)
                    sb.Append(random.Next(2) == 0 ? $"\\u{(int)units[i]:x4}" : $"\\u{(int)units[i]:X4}");
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }
        sb.Append('"');
    }
}
