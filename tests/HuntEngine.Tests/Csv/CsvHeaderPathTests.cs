using System.Text;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Csv;

/// <summary>
/// A CSV file whose header row cannot be read (over the record limit, or a carriage return in its
/// cells) stops there: its file error says so, at the header, whatever compression the file has and
/// however far the reads had got (a cross-path review found "the file shrank" plain, "trailing
/// data" gzipped or LZ4, and no error zstd or small). And a line blank in Unicode's sense before
/// the header is skipped, as the container sniff skips it.
/// </summary>
public sealed class CsvHeaderPathTests
{
    private const string Teams = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk@evil.com","Workload":"MicrosoftTeams"}""";

    private static string Row(int i) => $"2026-11-20,u{i},MessageSent,\"{Teams.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n";

    [Theory]
    [InlineData("CreationDate,UserIds,Operations,AuditData,LONG\n")]
    [InlineData("CreationDate,\"User\rIds\",Operations,AuditData\n")]
    public void A_header_that_cannot_be_read_fails_the_file_at_the_header_on_every_read_path(string header)
    {
        header = header.Replace("LONG", new string('x', 1100), StringComparison.Ordinal);
        foreach (int rows in new[] { 10, 30_000 })
        {
            var bytes = Encoding.UTF8.GetBytes(header + string.Concat(Enumerable.Range(0, rows).Select(Row)));
            var outcomes = new List<string>();
            foreach (var (name, content, mode) in ReadPaths.Of("a.csv", bytes, Codec.Gzip, Codec.Lz4, Codec.Zstd))
            {
                var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [name] = content }, o => mode(o with { MaxRecordBytes = 1024 }));
                var f = r.Summary.Files[0];
                outcomes.Add($"{r.Detections.Count} {f.Container} {f.RecordsFramed}/{f.Malformed} {f.Error} @{f.ErrorOffset} consumed {f.DecompressedBytesConsumed}");
            }
            Assert.True(outcomes.Distinct().Count() == 1, string.Join(" | ", outcomes));
            Assert.Contains("CSV header row could not be read", outcomes[0], StringComparison.Ordinal);
            Assert.EndsWith("@0 consumed 0", outcomes[0], StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\u00a0\u00a0\n")]
    [InlineData("\u3000\r\n")]
    [InlineData("\f\n\v\n")]
    public void A_unicode_blank_line_before_a_ual_header_is_skipped(string blank)
    {
        var r = EngineProbe.ScanText(blank + "CreationDate,UserIds,Operations,AuditData\n" + Row(1));
        var f = r.Summary.Files[0];
        Assert.Equal("csv-ual", f.Container);
        Assert.Equal("Teams_ITImpersonation", Assert.Single(r.Detections).DetectionType);
    }
}
