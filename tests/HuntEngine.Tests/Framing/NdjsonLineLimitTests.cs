using System.Text;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Framing;

/// <summary>
/// An NDJSON line is held to the record limit the same way whether it came whole in one read (the
/// worker measures it) or a read ended inside it (the framer measures it, and skips what it cannot
/// hold): the record without its surrounding whitespace over the limit, or followed on its line by
/// more than the limit again of whitespace, is oversized, Unicode-blank or not. A cross-path
/// review found a 138-byte record with 3,000 trailing blanks parsed plain and skipped gzipped, and
/// a 3,000-byte line of no-break spaces ignored plain and reported gzipped.
/// </summary>
public sealed class NdjsonLineLimitTests
{
    private const int Limit = 1024;

    private static string Teams(int i) =>
        $$"""{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk{{i}}@evil.com","Workload":"MicrosoftTeams"}""";

    public static TheoryData<string> Lines() => new()
    {
        Teams(0) + new string(' ', 3000),                // trailing blanks past twice the limit: oversized
        Teams(0) + new string(' ', 1800),                // under it: a record
        Teams(0) + new string('\t', 2 * Limit - Teams(0).Length + 1), // one past it
        Teams(0) + new string('\r', 2500),               // CRs count as blanks too
        new string(' ', 3000) + Teams(0),                // leading blanks are not counted
        string.Concat(Enumerable.Repeat("\u00a0", 1500)), // Unicode blanks past the limit: oversized
        string.Concat(Enumerable.Repeat("\u00a0", 400)), // under it: a blank line, skipped
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void A_line_is_held_to_the_limit_alike_wherever_a_read_ends_in_it(string line)
    {
        foreach (int boundary in new[] { 64 << 10, 1 << 20 })
        {
            // The line starts a little before a read ends (64 KiB of decoded bytes, 1 MiB plain),
            // at several distances, so reads end before, inside and after it.
            foreach (int before in new[] { 100, 1200, 2600, 4000 })
            {
                var text = new List<byte>();
                int i = 1;
                void Add(string s) => text.AddRange(Encoding.UTF8.GetBytes(s + "\n"));
                while (text.Count < boundary - before - 200) Add(Teams(i++));
                Add(new string(' ', boundary - before - text.Count - 1));
                Add(line);
                while (text.Count < boundary + 5000) Add(Teams(i++));
                var bytes = text.ToArray();
                var outcomes = new List<string>();
                foreach (var (name, content, mode) in ReadPaths.Of("a.json", bytes, Codec.Gzip, Codec.Lz4, Codec.Zstd))
                {
                    var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [name] = content }, o => mode(o with { MaxRecordBytes = Limit }));
                    var f = r.Summary.Files[0];
                    outcomes.Add($"{r.Detections.Count} detections, framed {f.RecordsFramed}, oversized {f.Oversized} "
                        + string.Join(";", f.MalformedSamples.Select(m => $"{m.Offset}:{m.Reason}")));
                }
                Assert.True(outcomes.Distinct().Count() == 1, $"line of {line.Length} chars {before} bytes before {boundary}: {string.Join(" | ", outcomes)}");
            }
        }
    }

    [Fact]
    public void Which_lines_are_oversized()
    {
        string Scan(string line)
        {
            var r = EngineProbe.ScanText(Teams(1) + "\n" + line + "\n" + Teams(2) + "\n", o => o with { MaxRecordBytes = Limit });
            var f = r.Summary.Files[0];
            return $"{r.Detections.Count}/{f.Oversized}";
        }
        Assert.Equal("2/1", Scan(Teams(0) + new string(' ', 3000)));
        Assert.Equal("3/0", Scan(Teams(0) + new string(' ', 1800)));
        Assert.Equal("2/1", Scan(string.Concat(Enumerable.Repeat("\u00a0", 1500))));
        Assert.Equal("2/0", Scan(string.Concat(Enumerable.Repeat("\u00a0", 400))));
    }
}
