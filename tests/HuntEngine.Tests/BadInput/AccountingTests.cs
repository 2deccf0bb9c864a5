using System.Text;
using System.Text.Json;
using HuntEngine.Cli;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.BadInput;

/// <summary>
/// The accounting identity end to end. (Every scan of this suite is also checked by
/// <see cref="Accounting.AssertHolds(HuntEngine.Scanning.ScanResult)"/>: framed = parsed + cleared + malformed + oversized per
/// file and in total, and a file read whole is consumed whole.)
/// </summary>
public sealed class AccountingTests
{
    private const string Teams = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk@evil.com","Workload":"MicrosoftTeams"}""";

    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>A folder with one file per kind of bad input, and good files, in every compression.</summary>
    private static Dictionary<string, byte[]> MixedArchive()
    {
        var files = new Dictionary<string, byte[]>();
        var ndjson = U(Teams + "\n{\"a\":tru}\n[1]\n" + Teams.Replace("10:15", "10:16", StringComparison.Ordinal) + "\n");
        var array = U("[" + Teams + ",\"x\",{\"b\":" + "\n");
        foreach (var codec in Codecs.All)
        {
            string ext = codec.ToString().ToLowerInvariant();
            files[$"ndjson.{ext}"] = Codecs.Compress(ndjson, codec, members: 2);
            files[$"array-cut.{ext}"] = Codecs.Compress(array, codec);
            if (codec != Codec.None) files[$"truncated.{ext}"] = Codecs.Compress(ndjson, codec)[..^3];
        }
        files["binary.png"] = [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D];
        files["oversized.json"] = U("{\"x\":\"" + new string('a', 3 << 20) + "\"}\n" + Teams + "\n");
        files["empty.json"] = [];
        files["blank.json"] = U("\n \r\n\t\n");
        return files;
    }

    [Fact]
    public void Identity_holds_per_file_and_in_total_over_a_mixed_archive()
    {
        var r = BadInputScan.Files(MixedArchive(), o => o with { MaxRecordBytes = 1 << 20 });
        Assert.True(r.Summary.HadBadInput);
        Assert.True(r.Summary.Malformed >= 8);
        Assert.Equal(1, r.Summary.Oversized);
        Assert.True(r.Summary.FailedFiles >= 4); // the binary file and three truncated streams
        Assert.All(r.Summary.Files.Where(f => f.Path.Contains("truncated", StringComparison.Ordinal)), f => Assert.Equal(f.DecompressedBytes, f.ErrorOffset));
        Assert.True(Accounting.CheckedResults > 0);
    }

    [Fact]
    public void Summary_json_of_the_cli_keeps_the_identity_and_the_exit_status_says_bad_input()
    {
        using var dir = new TempDir();
        string input = Path.Combine(dir.Path, "in");
        Directory.CreateDirectory(input);
        foreach (var (name, bytes) in MixedArchive()) File.WriteAllBytes(Path.Combine(input, name), bytes);
        string summary = Path.Combine(dir.Path, "s.json");
        foreach (bool validate in new[] { true, false })
        {
            var err = new StringWriter();
            string[] args = ["scan", input, "-o", Path.Combine(dir.Path, "o.arrow"), "--summary-json", summary, "--max-record-bytes", "1048576", "-q"];
            int code = HuntEngine.Cli.Cli.Run(validate ? [.. args, "--validate"] : args, new StringWriter(), err);
            Assert.Equal(ExitCode.BadInputWithDetections, code);
            using var doc = JsonDocument.Parse(File.ReadAllText(summary));
            Accounting.AssertHolds(doc.RootElement);
            Assert.Equal("completed", doc.RootElement.GetProperty("status").GetString());
            Assert.True(doc.RootElement.GetProperty("first_bad_records").GetArrayLength() > 0);
        }
    }

    [Fact]
    public void Cli_rejects_file_gets_every_bad_record_and_the_exit_status_says_bad_input()
    {
        using var dir = new TempDir();
        string input = Path.Combine(dir.Path, "in");
        Directory.CreateDirectory(input);
        foreach (var (name, bytes) in MixedArchive()) File.WriteAllBytes(Path.Combine(input, name), bytes);
        string summary = Path.Combine(dir.Path, "s.json");
        string rejects = Path.Combine(dir.Path, "r.ndjson");
        int code = HuntEngine.Cli.Cli.Run(["scan", input, "-o", Path.Combine(dir.Path, "o.arrow"), "--summary-json", summary, "--rejects", rejects, "--max-record-bytes", "1048576", "--validate", "-q"], new StringWriter(), new StringWriter());
        Assert.Equal(ExitCode.BadInputWithDetections, code);
        using var doc = JsonDocument.Parse(File.ReadAllText(summary));
        var records = doc.RootElement.GetProperty("records");
        Assert.Equal(records.GetProperty("malformed").GetInt64() + records.GetProperty("oversized").GetInt64(), File.ReadAllLines(rejects).Length);
    }
}
