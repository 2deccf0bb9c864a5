using System.Text;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Outputs;

/// <summary>
/// Rows sort by source file in code point order (the order of the names' UTF-8 bytes, which Arrow,
/// DuckDB and Python sort by), not by UTF-16 code units, which differ where a name holds a character
/// above U+FFFF and another one in U+E000–U+FFFF.
/// </summary>
public sealed class CodePointOrderTests
{
    [Fact]
    public void Compares_as_the_utf8_bytes_do()
    {
        var rng = new Random(4);
        string[] pieces = ["a", "Z", "é", "\uE000", "～", "\uFFFF", "😀", "\U00010000", "\U0010FFFF", "\uD7FF", ""];
        for (int round = 0; round < 5000; round++)
        {
            string a = string.Concat(Enumerable.Range(0, rng.Next(4)).Select(_ => pieces[rng.Next(pieces.Length)]));
            string b = string.Concat(Enumerable.Range(0, rng.Next(4)).Select(_ => pieces[rng.Next(pieces.Length)]));
            int expected = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Assert.True(expected == Math.Sign(CodePointOrder.Compare(a, b)), $"'{a}' against '{b}'");
        }
        Assert.True(string.CompareOrdinal("😀", "～") < 0); // what UTF-16 order would have said
        Assert.True(CodePointOrder.Compare("😀", "～") > 0);
    }

    [Fact]
    public void Rows_with_equal_times_come_in_code_point_order_of_their_files()
    {
        var line = "{\"CreationTime\":\"2024-01-01T00:00:00\",\"Operation\":\"MessageSent\",\"RecordType\":25,\"Workload\":\"MicrosoftTeams\",\"UserId\":\"helpdesk@evil.com\"}\n"u8.ToArray();
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["😀.ndjson"] = line, ["～.ndjson"] = line, ["z.ndjson"] = line });
        Assert.Equal(["z.ndjson", "～.ndjson", "😀.ndjson"], r.Detections.Select(d => Path.GetFileName(d.SourceFile)));
        Assert.Equal(["z.ndjson", "～.ndjson", "😀.ndjson"], r.Summary.Files.Select(f => Path.GetFileName(f.Path)));
    }
}
