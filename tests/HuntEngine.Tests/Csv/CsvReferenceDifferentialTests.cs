using System.Text;
using HuntEngine.Framing;
using HuntEngine.Tests.Reference;

namespace HuntEngine.Tests.Csv;

/// <summary>
/// The CSV framer against the plain reference splitter (<see cref="ReferenceCsv"/>) on seeded random
/// exports full of quoting edge cases, read whole and in tiny buffers down to one byte per read:
/// the same rows, at the same offsets, with byte-identical record text.
/// </summary>
public sealed class CsvReferenceDifferentialTests
{
    private static readonly string[] HeaderNames =
    [
        "TimeGenerated [UTC]", "Seen [Local Time]", "Operation", "UserId", "Note, with comma", "Quote\"d", "Ünïcode ☃",
        "TargetResources", "Operation", " padded ", "Empty [UTC]", "x [UTC] [Local Time]",
    ];

    private static readonly string[] Fragments =
    [
        "", "a", "plain text", "x,y", "q\"q", "\"\"", "line\nbreak", "cr\r\nlf", "\r", "ends\r", "é", "😀", "\u2028", "\t", "\u0001", "\u007f", " ",
        "\\", "<b>&amp;</b>", "+'`", """[{"displayName":"Dropbox"}]""", "9/19/2023, 1:45:17.287 PM", "\uFEFF", "\uFFFD", "\u00A0",
    ];

    private static readonly string[] AuditData =
    [
        """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"helpdesk@x"}""",
        """{"a":"comma, quote \" newline \n"}""",
        "{\n  \"pretty\": true,\r\n  \"n\": 1\n}",
        "", "not json", "{...}", "  {\"a\":1}  ",
    ];

    private static string Cell(Random rng, string text)
    {
        bool mustQuote = text.Length == 0 ? rng.Next(2) == 0 : text.IndexOfAny([',', '"', '\n', '\r']) >= 0 || text[0] == '"';
        int style = rng.Next(10);
        if (!mustQuote && style < 4) return text;
        if (!mustQuote && style == 4 && text.Length > 1) return text[..1] + "\"" + text[1..]; // a stray quote inside a bare cell
        string quoted = "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        return style == 5 ? quoted + "tail\"x" : quoted; // text after the closing quote
    }

    private static byte[] RandomCsv(Random rng)
    {
        var text = new StringBuilder();
        if (rng.Next(3) == 0) text.Append('\uFEFF');
        if (rng.Next(4) == 0) text.Append(" \t\r\n\n");
        bool ual = rng.Next(3) == 0;
        var header = Enumerable.Range(0, rng.Next(1, 8)).Select(_ => HeaderNames[rng.Next(HeaderNames.Length)]).ToList();
        if (ual) header.Insert(rng.Next(header.Count + 1), "AuditData");
        if (rng.Next(2) == 0) header[0] = "H" + header[0]; // a first byte that is no quote and no blank
        text.Append(string.Join(",", header.Select(h => Cell(rng, h))));

        int rows = rng.Next(0, 25);
        for (int r = 0; r < rows; r++)
        {
            text.Append(rng.Next(3) == 0 ? "\r\n" : "\n");
            if (rng.Next(6) == 0) text.Append(rng.Next(2) == 0 ? "\n" : "  \t\r\n");
            int cells = Math.Max(1, header.Count + rng.Next(-2, 3));
            var row = new List<string>();
            for (int c = 0; c < cells; c++)
            {
                string value = c < header.Count && header[c] == "AuditData"
                    ? AuditData[rng.Next(AuditData.Length)]
                    : string.Concat(Enumerable.Range(0, rng.Next(0, 4)).Select(_ => Fragments[rng.Next(Fragments.Length)]));
                row.Add(Cell(rng, value));
            }
            text.Append(string.Join(",", row));
        }
        switch (rng.Next(6))
        {
            case 0: break; // no final newline
            case 1: text.Append(",\"never closed\n,x"); break;
            case 2: text.Append(','); break;
            default: text.Append(rng.Next(2) == 0 ? "\n" : "\r\n"); break;
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString()).ToList();
        if (rng.Next(8) == 0 && bytes.Count > 10) bytes.Insert(rng.Next(bytes.Count / 2, bytes.Count), 0xFF); // invalid UTF-8
        return bytes.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_exports_frame_like_the_reference(int seed)
    {
        var rng = new Random(seed);
        int compared = 0;
        for (int file = 0; file < 150; file++)
        {
            var data = RandomCsv(rng);
            int afterBom = data.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            var candidates = new List<ReferenceHunter.Candidate>();
            var malformed = new List<ReferenceMalformed>();
            ReferenceCsv.Read(data, afterBom, "f.csv", candidates, malformed);
            // The engine reports an empty AuditData cell itself; the reference hands it to the JSON parser, which rejects it.
            var expectedRecords = candidates.Where(c => c.Json.Length > 0).Select(c => (c.Offset, Encoding.UTF8.GetString(c.Json), Hex(c.Json))).ToList();
            var expectedBad = malformed.Select(m => m.SourceOffset).Concat(candidates.Where(c => c.Json.Length == 0).Select(c => c.Offset)).Order().ToList();

            foreach (var (block, read) in new[] { (4 << 20, 1 << 20), (64, 1), (300, 7), (1000, 64) })
            {
                var r = CsvProbe.Frame(data, block, read);
                Assert.Equal(data.Length, r.BytesRead);
                Assert.DoesNotContain(r.Frames, f => f.Kind == FrameKind.Oversized);
                Assert.Equal(expectedRecords, r.Records.Select(f => (f.Offset, f.Text, Hex(f.Bytes))).ToList());
                Assert.Equal(expectedBad, r.Frames.Where(f => f.Kind == FrameKind.Malformed).Select(f => f.Offset).ToList());
                compared += expectedRecords.Count;
            }
        }
        Assert.True(compared > 1000, $"{compared} records compared");
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
