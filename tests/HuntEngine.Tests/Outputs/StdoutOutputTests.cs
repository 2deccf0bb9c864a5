using System.Text;
using HuntEngine.Cli;
using HuntEngine.Sinks;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Outputs;

/// <summary><c>--stdout ndjson|csv</c>: detections on stdout for pipes, the summary on stderr.</summary>
public sealed class StdoutOutputTests
{
    /// <summary>Records giving detections with most columns set (Teams, OAuth grant, cloud exfil) and one clean record.</summary>
    internal static readonly string Corpus = string.Join("\n",
    [
        """{"CreationTime":"2026-11-21T00:00:00Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"helpdesk@evil.com","ClientIP":"1.1.1.1"}""",
        """{"CreationTime":"2026-11-20T00:00:00.123Z","Operation":"ChatCreated","Workload":"MicrosoftTeams","UserId":"SysAdmin@x","UserType":10}""",
        """{"CreationTime":null,"Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"itadmin@x"}""",
        """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"alice@corp.com"}""",
        """{"activityDateTime":"2026-11-20T00:00:00.123Z","activityDisplayName":"Consent to application","targetResources":[{"displayName":"Box, \"Inc\" =1+1"}],"initiatedBy":{"user":{"userPrincipalName":"zoë@corp","ipAddress":"2.2.2.2"}}}""",
        """{"Timestamp":"2026-05-04T09:10:11.123456Z","DeviceId":"d1","DeviceName":"fin-ws-0142.contoso.com","ActionType":"ConnectionSuccess","RemoteIP":"162.125.4.14","RemotePort":443,"RemoteUrl":"https://content.dropboxapi.com/2/files/upload","LocalIP":"10.0.0.12","InitiatingProcessFileName":"curl.exe","InitiatingProcessAccountUpn":"alice@contoso.com","SentBytes":52428800,"ReceivedBytes":4096}""",
    ]) + "\n";

    [Theory]
    [InlineData("ndjson")]
    [InlineData("csv")]
    public void Stdout_output_parsed_back_equals_the_file_output(string format)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Corpus);
        var arrow = Path.Combine(dir.Path, "o.arrow");
        var (fileCode, fileOut, _) = OutputRows.Hunt("scan", input, "-o", arrow, "--threads", "2");
        Assert.Equal(ExitCode.Detections, fileCode);
        var expected = OutputRows.ReadArrow(arrow);
        Assert.True(expected.Count >= 4, fileOut);
        Assert.Contains(expected, r => r[16] is not null); // sent_bytes: the exfil detection is there

        string cwdDefault = Path.GetFullPath("detections.arrow");
        bool existed = File.Exists(cwdDefault);
        var summary = Path.Combine(dir.Path, "s.json");
        var (code, stdout, stderr) = OutputRows.Hunt("scan", input, "--stdout", format, "--threads", "2", "--summary-json", summary);
        Assert.Equal(ExitCode.Detections, code);
        var actual = format == "ndjson" ? OutputRows.ParseNdjson(stdout) : OutputRows.ParseCsv(stdout);
        OutputRows.AssertSameRows(expected, actual);

        // The pipe carries only detections; the human summary is on stderr; no file was written.
        Assert.DoesNotContain("detections   ", stdout);
        Assert.Contains("detections   ", stderr);
        Assert.Contains($"output       stdout ({format})", stderr);
        Assert.DoesNotContain("event_time (UTC)", stderr); // no table: the detections are on stdout
        Assert.Equal(existed, File.Exists(cwdDefault));
        Assert.Single(Directory.GetFiles(dir.Path, "o.*"));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(summary));
        Assert.Equal("-", doc.RootElement.GetProperty("output").GetString());
    }

    [Fact]
    public void Stdout_with_out_writes_both_and_quiet_keeps_only_the_detections()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Corpus);
        var parquet = Path.Combine(dir.Path, "both.parquet");
        var (code, stdout, stderr) = OutputRows.Hunt("scan", input, "--stdout", "ndjson", "--format", "parquet", "-o", parquet, "--quiet");
        Assert.Equal(ExitCode.Detections, code);
        Assert.Equal("", stderr);
        OutputRows.AssertSameRows(OutputRows.ReadParquet(parquet), OutputRows.ParseNdjson(stdout));
    }

    [Fact]
    public void Ndjson_and_csv_writers_round_trip_every_column_across_flush_boundaries()
    {
        var detections = OutputRows.Synthetic(3000, seed: 7);
        var expected = OutputRows.FromDetections(detections);

        var ndjson = new StringWriter();
        DetectionNdjsonWriter.WriteAll(ndjson, detections);
        OutputRows.AssertSameRows(expected, OutputRows.ParseNdjson(ndjson.ToString()));

        var csv = new StringWriter();
        DetectionCsvWriter.WriteAll(csv, detections);
        OutputRows.AssertSameRows(expected, OutputRows.ParseCsv(csv.ToString()));

        // A Stream gets the same UTF-8 bytes as a TextWriter gets text.
        var bytes = new MemoryStream();
        using (var w = new DetectionNdjsonWriter(bytes)) w.WriteAll(detections);
        Assert.Equal(ndjson.ToString(), Encoding.UTF8.GetString(bytes.ToArray()));
        bytes = new MemoryStream();
        using (var w = new DetectionCsvWriter(bytes)) w.WriteAll(detections);
        Assert.Equal(csv.ToString(), Encoding.UTF8.GetString(bytes.ToArray()));
    }

    [Fact]
    public void Times_are_iso_8601_utc_with_milliseconds_and_text_is_utf8_not_escaped()
    {
        long ms = DateTimeOffset.Parse("2026-11-20T10:15:30.123Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var d = new Detection { EventTimeMs = ms, WindowEndMs = ms - 123, DetectionType = "T", SourceFile = "f", Raw = "{}", Username = "zoë 中文" };
        var ndjson = new StringWriter();
        DetectionNdjsonWriter.WriteAll(ndjson, [d]);
        Assert.StartsWith("""{"event_time":"2026-11-20T10:15:30.123Z","username":"zoë 中文","source_ip":null,""", ndjson.ToString(), StringComparison.Ordinal);
        Assert.Contains(""","window_end":"2026-11-20T10:15:30.000Z"}""" + "\n", ndjson.ToString(), StringComparison.Ordinal);
        var csv = new StringWriter();
        DetectionCsvWriter.WriteAll(csv, [d]);
        Assert.StartsWith("2026-11-20T10:15:30.123Z,zoë 中文,,", csv.ToString().Split("\r\n")[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\",\"x\")", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"")]
    [InlineData("+1+cmd", "'+1+cmd")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1:A9)", "'@SUM(A1:A9)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("=1,2", "\"'=1,2\"")]
    [InlineData("a=1", "a=1")]
    [InlineData("'already", "'already")]
    [InlineData("", "\"\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Csv_cells_are_quoted_per_rfc_4180_and_formulas_neutralised(string value, string cell)
    {
        var d = new Detection { DetectionType = "T", SourceFile = "f", Raw = "{}", Username = value, AppName = value };
        var csv = new StringWriter();
        DetectionCsvWriter.WriteAll(csv, [d]);
        string row = csv.ToString()[(csv.ToString().IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
        // event_time is null (an empty cell), then username.
        Assert.StartsWith("," + cell + ",", row, StringComparison.Ordinal);
        var parsed = Rfc4180.Parse(csv.ToString());
        Assert.Equal(2, parsed.Count);
        int username = Array.IndexOf(OutputRows.Columns, "username");
        int app = Array.IndexOf(OutputRows.Columns, "app_name");
        Assert.Equal(parsed[1][username], parsed[1][app]);
        Assert.False(DetectionCsvWriter.LooksLikeFormula(parsed[1][username].Value));
    }

    [Fact]
    public void Csv_tells_null_from_empty_and_keeps_the_header()
    {
        var d = new Detection { DetectionType = "T", SourceFile = "f", Raw = null, Username = "", SentBytes = null, EventCount = 3 };
        var csv = new StringWriter();
        DetectionCsvWriter.WriteAll(csv, [d]);
        var lines = csv.ToString().Split("\r\n");
        Assert.Equal(string.Join(",", OutputRows.Columns), lines[0]);
        Assert.Equal(",\"\",,,,,,,,T,f,0,,,,,,,3,", lines[1]);
        Assert.Equal("", lines[2]);
    }
}
