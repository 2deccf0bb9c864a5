using HuntEngine.Cli;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Outputs;

/// <summary>The live progress line: off unless stderr is a terminal; the engine's counters add up.</summary>
public sealed class ProgressTests
{
    [Fact]
    public void No_progress_line_when_stderr_is_not_the_terminal()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "in.json");
        File.WriteAllText(input, StdoutOutputTests.Corpus);
        foreach (var args in new[]
        {
            new[] { "scan", input, "-o", Path.Combine(dir.Path, "o.arrow") },
            new[] { "scan", input, "--stdout", "csv" },
        })
        {
            var (code, stdout, stderr) = OutputRows.Hunt(args);
            Assert.Equal(ExitCode.Detections, code);
            Assert.DoesNotContain('\r', stderr);
            Assert.DoesNotContain("MB/s  ETA", stderr);
            Assert.DoesNotContain("\e[", stderr);
            Assert.DoesNotContain("MB/s  ETA", stdout);
        }
        Assert.False(ProgressLine.ShouldShow(new StringWriter(), quiet: false));
        Assert.False(ProgressLine.ShouldShow(Console.Error, quiet: true));
    }

    [Fact]
    public void Scan_progress_counts_every_byte_file_record_and_detection()
    {
        var files = new Dictionary<string, byte[]>();
        for (int i = 0; i < 5; i++) files[$"f{i}.json"] = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(StdoutOutputTests.Corpus, 200)));
        files["empty.json"] = [];
        var progress = new ScanProgress();
        Assert.False(progress.Started);
        Assert.Equal(default, progress.Read());
        var result = EngineProbe.ScanFiles(files, o => o with { Progress = progress, BlockBytes = 64 * 1024 });
        var s = progress.Read();
        Assert.True(progress.Started);
        Assert.Equal(6, s.FilesTotal);
        Assert.Equal(6, s.FilesDone);
        Assert.Equal(files.Values.Sum(b => (long)b.Length), s.BytesTotal);
        Assert.Equal(s.BytesTotal, s.BytesDone);
        Assert.Equal(result.Summary.RecordsFramed, s.RecordsFramed);
        Assert.Equal(result.Detections.Count(d => d.DetectionType != HuntEngine.Matching.PatternCatalog.InviteBurst), s.Detections);
        Assert.True(s.Detections > 0);
    }

    [Fact]
    public void Progress_text_shows_bytes_rate_eta_files_records_and_detections()
    {
        var text = ProgressLine.Format(new ScanProgress.Snapshot(1_200_000_000, 4_000_000_000, 3, 12, 1_234_567, 42), TimeSpan.FromSeconds(3));
        Assert.Equal("1.2 GB of 4.0 GB (30%)  400 MB/s  ETA 0:07  files 3/12  records 1,234,567  detections 42", text);
        Assert.Contains("ETA --", ProgressLine.Format(new ScanProgress.Snapshot(0, 10, 0, 1, 0, 0), TimeSpan.FromSeconds(0.1)));
    }
}
