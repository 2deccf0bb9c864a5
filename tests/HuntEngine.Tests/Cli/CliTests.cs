using System.Text.Json;
using HuntEngine.Cli;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Cli;

/// <summary>The <c>hunt</c> command line: arguments, exit statuses, output files.</summary>
public sealed class CliTests
{
    private const string Detection = """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"helpdesk@evil.com"}""";
    private const string Clean = """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"alice@corp.com"}""";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = HuntEngine.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Version_names_the_build_and_exits_zero()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^hunt \d+\.\d+\.\d+\S* \(\.NET 10\.", output);
    }

    [Fact]
    public void Exit_status_tells_apart_found_none_bad_input_and_could_not_run()
    {
        using var dir = new TempDir();
        string Write(string name, string text) { var p = Path.Combine(dir.Path, name); File.WriteAllText(p, text); return p; }
        var found = Write("found.json", Detection + "\n");
        var none = Write("none.json", Clean + "\n");
        var badFound = Write("bad-found.json", Detection + "\n{broken\n");
        var badNone = Write("bad-none.json", Clean + "\n{broken\n");
        string outFile = Path.Combine(dir.Path, "o.arrow");
        Assert.Equal(ExitCode.Detections, Run("scan", found, "-o", outFile).Code);
        Assert.Equal(ExitCode.NoDetections, Run("scan", none, "-o", outFile).Code);
        Assert.Equal(ExitCode.BadInputWithDetections, Run("scan", badFound, "-o", outFile, "--validate").Code);
        Assert.Equal(ExitCode.BadInputNoDetections, Run("scan", badNone, "-o", outFile, "--validate").Code);
        // Without --validate: a record cut short is still found bad; one that looks whole ('{' to '}')
        // but is broken inside, holding none of the patterns' literals, is cleared, not parsed.
        Assert.Equal(ExitCode.BadInputWithDetections, Run("scan", badFound, "-o", outFile).Code);
        var wholeLooking = Write("whole-looking.json", Detection + "\n{\"x\":tru}\n");
        Assert.Equal(ExitCode.Detections, Run("scan", wholeLooking, "-o", outFile).Code);
        Assert.Equal(ExitCode.BadInputWithDetections, Run("scan", wholeLooking, "-o", outFile, "--validate").Code);
        Assert.Equal(ExitCode.CouldNotRun, Run("scan", Path.Combine(dir.Path, "missing.json"), "-o", outFile).Code);
    }

    [Fact]
    public void An_output_path_that_is_a_link_or_a_device_is_refused_and_left_alone()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Detection + "\n");
        var target = Path.Combine(dir.Path, "real.arrow");
        File.WriteAllText(target, "keep");
        var link = Path.Combine(dir.Path, "link.arrow");
        File.CreateSymbolicLink(link, target);
        var (code, _, err) = Run("scan", input, "-o", link);
        Assert.Equal(ExitCode.CouldNotRun, code);
        Assert.Contains("symbolic link", err);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("keep", File.ReadAllText(target));
        if (OperatingSystem.IsLinux())
        {
            (code, _, err) = Run("scan", input, "-o", "/dev/full");
            Assert.Equal(ExitCode.CouldNotRun, code);
            Assert.Contains("not a regular file", err);
        }
    }

    [Theory]
    [InlineData("--from", "yesterday", "--from 'yesterday': not a time")]
    [InlineData("--to", "2026-13-01", "--to '2026-13-01': not a time")]
    [InlineData("--last", "7x", "--last '7x'")]
    [InlineData("--last", "99999999999d", "--last '99999999999d': at most 10000 years")]
    [InlineData("--last", "2635249153387078803w", "--last '2635249153387078803w': at most 10000 years")]
    [InlineData("--last", "9223372036854775807s", "--last '9223372036854775807s': at most 10000 years")]
    [InlineData("--threads", "0", "--threads '0'")]
    [InlineData("--compression", "brotli", "--compression 'brotli'")]
    [InlineData("--format", "csv", "--format 'csv'")]
    [InlineData("--detection-memory", "-1", "--detection-memory '-1'")]
    public void Bad_arguments_fail_before_any_data_is_read(string option, string value, string message)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Detection);
        var outFile = Path.Combine(dir.Path, "o.arrow");
        var (code, _, err) = Run("scan", input, option, value, "-o", outFile);
        Assert.Equal(ExitCode.CouldNotRun, code);
        Assert.Contains(message, err);
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public void Missing_input_and_unwritable_output_fail_before_scanning()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Detection);
        var (code, _, err) = Run("scan", input, Path.Combine(dir.Path, "nope"), "-o", Path.Combine(dir.Path, "o.arrow"));
        Assert.Equal(ExitCode.CouldNotRun, code);
        Assert.Contains("input path not found", err);
        (code, _, err) = Run("scan", input, "-o", Path.Combine(dir.Path, "no-such-dir", "o.arrow"));
        Assert.Equal(ExitCode.CouldNotRun, code);
        Assert.Contains("does not exist", err);
        (code, _, err) = Run("scan", input, "--from", "2026-11-21", "--to", "2026-11-20", "-o", Path.Combine(dir.Path, "o.arrow"));
        Assert.Equal(ExitCode.CouldNotRun, code);
        Assert.Contains("--from must be before --to", err);
    }

    /// <summary>With no memory for detections, every row waits in a temporary file and is read back for the output: the same bytes.</summary>
    [Fact]
    public void Detections_spilled_to_disk_give_the_same_output_files()
    {
        using var dir = new TempDir();
        string archive = Path.Combine(dir.Path, "archive");
        HuntEngine.DataGen.CorpusGenerator.WriteArchive(archive, new HuntEngine.DataGen.GeneratorOptions(61, 800_000, PlantRate: 0.05));
        string held = Path.Combine(dir.Path, "held.arrow"), spilled = Path.Combine(dir.Path, "spilled.arrow");
        var (code, _, _) = Run("scan", archive, "-o", held, "-q");
        var (code2, _, _) = Run("scan", archive, "-o", spilled, "-q", "--detection-memory", "0");
        Assert.Equal(ExitCode.Detections, code);
        Assert.Equal(code, code2);
        Assert.Equal(File.ReadAllBytes(held), File.ReadAllBytes(spilled));
        var (_, ndjsonHeld, _) = Run("scan", archive, "--stdout", "ndjson", "-q");
        var (_, ndjsonSpilled, _) = Run("scan", archive, "--stdout", "ndjson", "-q", "--detection-memory", "0");
        Assert.Equal(ndjsonHeld, ndjsonSpilled);
        Assert.True(ndjsonHeld.Split('\n').Length > 20);
    }

    [Fact]
    public void No_mmap_reads_a_file_the_default_maps_and_the_summary_says_which()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "big.ndjson");
        File.WriteAllText(input, string.Concat(Enumerable.Repeat(Clean + "\n", 9000)) + Detection + "\n");
        Assert.True(new FileInfo(input).Length >= HuntEngine.Sources.MappedFile.MinimumBytes);
        File.SetLastWriteTimeUtc(input, DateTime.UtcNow.AddHours(-1));
        bool MappedIn(string summary) =>
            System.Text.Json.JsonDocument.Parse(File.ReadAllText(summary)).RootElement.GetProperty("file_details")[0].GetProperty("memory_mapped").GetBoolean();
        string mappedSummary = Path.Combine(dir.Path, "m.json"), readSummary = Path.Combine(dir.Path, "r.json");
        var (code, mapped, _) = Run("scan", input, "--stdout", "ndjson", "-q", "--summary-json", mappedSummary);
        var (code2, read, _) = Run("scan", input, "--stdout", "ndjson", "-q", "--summary-json", readSummary, "--no-mmap");
        Assert.Equal(ExitCode.Detections, code);
        Assert.Equal(code, code2);
        Assert.Equal(mapped, read);
        Assert.Contains("Teams_ITImpersonation", mapped);
        Assert.True(MappedIn(mappedSummary));
        Assert.False(MappedIn(readSummary));
    }

    [Fact]
    public void Scan_writes_arrow_and_summary_json_and_prints_a_table()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Clean + "\n" + Detection + "\n{oops\n");
        var outFile = Path.Combine(dir.Path, "o.arrow");
        var summary = Path.Combine(dir.Path, "s.json");
        var (code, stdout, _) = Run("scan", input, "-o", outFile, "--summary-json", summary, "--threads", "1", "--validate");
        Assert.Equal(ExitCode.BadInputWithDetections, code);
        Assert.True(File.Exists(outFile));
        Assert.Contains("Teams_ITImpersonation 1", stdout);
        Assert.Contains("helpdesk@evil.com", stdout);
        Assert.Contains($"{input} @ {Clean.Length + Detection.Length + 2}", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(summary));
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        Assert.Equal(3, root.GetProperty("records").GetProperty("framed").GetInt64());
        Assert.Equal(1, root.GetProperty("records").GetProperty("malformed").GetInt64());
        Assert.Equal(1, root.GetProperty("detections_by_type").GetProperty("Teams_ITImpersonation").GetInt64());
        Assert.Equal(2, root.GetProperty("records_by_kind").GetProperty("ual").GetInt64());
        var bad = root.GetProperty("first_bad_records")[0];
        Assert.Equal(input, bad.GetProperty("file").GetString());
        Assert.Equal(Clean.Length + Detection.Length + 2, bad.GetProperty("offset").GetInt64());
        // The phases add up to the scan's wall time (each rounded to 1 ms); writing the file is apart.
        var phases = root.GetProperty("phase_seconds");
        double[] parts = [.. new[] { "start", "scan", "finish" }.Select(p => phases.GetProperty(p).GetDouble())];
        Assert.All(parts, p => Assert.True(p >= 0));
        Assert.InRange(parts.Sum() - root.GetProperty("elapsed_seconds").GetDouble(), -0.0025, 0.0025);
        Assert.True(phases.GetProperty("output").GetDouble() >= 0); // a number: the file was written
    }

    [Fact]
    public void Last_is_relative_to_now_and_counts_records_outside_the_window()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Detection + "\n" + Detection.Replace("2026-11-20", "2026-11-01") + "\n" + Detection.Replace("\"2026-11-20T10:15:30Z\"", "null") + "\n");
        var summary = Path.Combine(dir.Path, "s.json");
        var (code, _, _) = Run("scan", input, "-o", Path.Combine(dir.Path, "o.arrow"), "--last", "7d", "--now", "2026-11-22T00:00:00Z", "--summary-json", summary);
        Assert.Equal(ExitCode.Detections, code);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(summary));
        Assert.Equal(1, doc.RootElement.GetProperty("detections").GetInt64());
        Assert.Equal(1, doc.RootElement.GetProperty("records").GetProperty("outside_window").GetInt64());
        Assert.Equal(1, doc.RootElement.GetProperty("records").GetProperty("without_time_in_window").GetInt64());
    }

    [Fact]
    public void Window_counts_are_of_parsed_records_and_validate_counts_every_record()
    {
        // Neither record holds a pattern's literal, so the prefilter clears both unparsed.
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, """
            {"CreationTime":"bad","Operation":"TeamCreated","RecordType":25,"UserId":"bob"}
            {"CreationTime":"2020-01-01T00:00:00Z","Operation":"TeamCreated","RecordType":25,"UserId":"bob"}

            """);
        foreach (var validate in new[] { false, true })
        {
            var summary = Path.Combine(dir.Path, $"s{validate}.json");
            string[] args = ["scan", input, "-o", Path.Combine(dir.Path, "o.arrow"), "--from", "2026-01-01", "--summary-json", summary];
            var (code, output, _) = Run(validate ? [.. args, "--validate"] : args);
            Assert.Equal(ExitCode.NoDetections, code);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(summary));
            var records = doc.RootElement.GetProperty("records");
            Assert.Equal(validate ? 0 : 2, records.GetProperty("cleared_by_prefilter").GetInt64());
            Assert.Equal(validate ? 1 : 0, records.GetProperty("outside_window").GetInt64());
            Assert.Equal(validate ? 1 : 0, records.GetProperty("without_time_in_window").GetInt64());
            // The terminal says the counts are partial whenever they are.
            Assert.Equal(!validate, output.Contains("window       0 outside, 0 without a time (excluded) (parsed records; --validate checks all)", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("2026-11-20T10:15:30Z", false)]      // exactly --now: out, as with --to now
    [InlineData("2026-11-20T10:15:29.999Z", true)]   // the last millisecond before it
    [InlineData("2026-11-20T09:15:30Z", true)]       // exactly --now - 1h: in, as with --from
    [InlineData("2026-11-20T09:15:29.999Z", false)]
    public void Last_is_the_half_open_window_before_now(string time, bool inside)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Detection.Replace("2026-11-20T10:15:30Z", time) + "\n");
        var last = Run("scan", input, "-o", Path.Combine(dir.Path, "a.arrow"), "--last", "1h", "--now", "2026-11-20T10:15:30Z").Code;
        var fromTo = Run("scan", input, "-o", Path.Combine(dir.Path, "b.arrow"), "--from", "2026-11-20T09:15:30Z", "--to", "2026-11-20T10:15:30Z").Code;
        Assert.Equal(inside ? ExitCode.Detections : ExitCode.NoDetections, last);
        Assert.Equal(fromTo, last);
    }

    [Theory]
    [InlineData("--from", "2026-11-20T10:15:30.0005Z", "2026-11-20T10:15:29.999Z", false)]
    [InlineData("--from", "2026-11-20T10:15:30.0005Z", "2026-11-20T10:15:30Z", false)] // before from, in the same millisecond
    [InlineData("--from", "2026-11-20T10:15:30.0005Z", "2026-11-20T10:15:30.001Z", true)]
    [InlineData("--from", "2026-11-20T10:15:30.0000001Z", "2026-11-20T10:15:30Z", false)]
    [InlineData("--to", "2026-11-20T10:15:30.0005Z", "2026-11-20T10:15:30Z", true)] // before to, in the same millisecond
    [InlineData("--to", "2026-11-20T10:15:30.0005Z", "2026-11-20T10:15:30.001Z", false)]
    [InlineData("--to", "2026-11-20T10:15:30Z", "2026-11-20T10:15:30Z", false)]
    [InlineData("--now", "2026-11-20T10:15:30.0005Z", "2026-11-20T10:15:30Z", true)] // with --last 1h
    [InlineData("--now", "2026-11-20T10:15:30.0005Z", "2026-11-20T09:15:30Z", false)]
    [InlineData("--now", "2026-11-20T10:15:30.0005Z", "2026-11-20T09:15:30.001Z", true)]
    public void Window_bounds_finer_than_a_millisecond_are_exact(string option, string bound, string time, bool inside)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, Detection.Replace("2026-11-20T10:15:30Z", time) + "\n");
        string[] window = option == "--now" ? ["--last", "1h", "--now", bound] : [option, bound];
        var (code, _, _) = Run(["scan", input, "-o", Path.Combine(dir.Path, "o.arrow"), .. window]);
        Assert.Equal(inside ? ExitCode.Detections : ExitCode.NoDetections, code);
    }

    [Fact]
    public void Window_arguments_parse_iso_dates()
    {
        var a = ScanCommand.Parse(["x", "--from", "2026-11-20", "--to", "2026-11-20T12:00:00+02:00"]);
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), a.FromMs);
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), a.ToMs);
        Assert.Equal(TimeSpan.FromDays(14), ScanCommand.ParseDuration("2w"));
        Assert.Equal(TimeSpan.FromMinutes(90), ScanCommand.ParseDuration("90m"));
        Assert.Equal(TimeSpan.FromDays(520_000), ScanCommand.ParseDuration("520000d"));
    }
}
