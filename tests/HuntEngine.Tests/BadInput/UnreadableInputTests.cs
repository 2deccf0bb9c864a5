using System.Text;
using HuntEngine.Cli;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.BadInput;

/// <summary>
/// Inputs that cannot be read as files: FIFOs, permissions, broken and looping links, links to
/// folders, names that are not UTF-8, unwritable outputs. Each is reported and the scan goes on;
/// none hangs or crashes it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnreadableInputTests
{
    private const string Teams = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk@evil.com","Workload":"MicrosoftTeams"}""";
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(20);

    private static ScanResult ScanFolder(string dir) =>
        BadInputScan.Run(new ScanOptions { Paths = [dir], Threads = 2, Prefilter = false }, Short);

    private static void WriteRecord(string path) => File.WriteAllText(path, Teams + "\n");

    private static FileSummary FileNamed(ScanResult r, string name) =>
        Assert.Single(r.Summary.Files, f => Path.GetFileName(f.Path) == name);

    [Fact]
    public void Fifo_in_a_scanned_folder_is_reported_not_a_regular_file_without_hanging()
    {
        using var dir = new TempDir();
        WriteRecord(Path.Combine(dir.Path, "a.json"));
        string fifo = Path.Combine(dir.Path, "b-fifo.json");
        Shell.Run("mkfifo", fifo);
        WriteRecord(Path.Combine(dir.Path, "c.json"));
        try
        {
            var r = ScanFolder(dir.Path);
            var f = FileNamed(r, "b-fifo.json");
            Assert.Contains("not a regular file", f.Error);
            Assert.Equal(0, f.ErrorOffset);
            Assert.Equal(2, r.Detections.Count);
            Assert.True(r.Summary.HadBadInput);

            // Named directly, too.
            r = BadInputScan.Run(new ScanOptions { Paths = [fifo], Threads = 1 }, Short);
            Assert.Contains("not a regular file", Assert.Single(r.Summary.Files).Error);
        }
        finally
        {
            // Should a scan be blocked in open(2), a writer releases it so the test process can end.
            ReleaseFifo(fifo);
        }
    }

    private static void ReleaseFifo(string fifo)
    {
        try
        {
            // O_WRONLY|O_NONBLOCK fails at once (ENXIO) when no reader waits, and unblocks one that does.
            Shell.Run("bash", "-c", "exec 3<>\"$1\"; exec 3>&-", "bash", fifo);
        }
        catch (Exception)
        {
            // nothing was blocked
        }
    }

    [Fact]
    public void Unreadable_file_and_folder_are_reported_or_read_and_the_scan_goes_on()
    {
        using var dir = new TempDir();
        WriteRecord(Path.Combine(dir.Path, "a.json"));
        string locked = Path.Combine(dir.Path, "b-locked.json");
        WriteRecord(locked);
        string lockedDir = Path.Combine(dir.Path, "c-locked-folder");
        Directory.CreateDirectory(lockedDir);
        WriteRecord(Path.Combine(lockedDir, "inner.json"));
        WriteRecord(Path.Combine(dir.Path, "d.json"));
        File.SetUnixFileMode(locked, UnixFileMode.None);
        File.SetUnixFileMode(lockedDir, UnixFileMode.None);
        try
        {
            var r = ScanFolder(dir.Path);
            var f = FileNamed(r, "b-locked.json");
            if (Shell.IsRoot)
            {
                // root reads through mode 000 (see Permission_denied_is_reported for the real check).
                Assert.Null(f.Error);
                Assert.Equal(4, r.Detections.Count);
            }
            else
            {
                Assert.Contains("permission denied", f.Error);
                Assert.Contains(r.Summary.Files, x => x.Path == lockedDir && x.Error!.Contains("cannot list folder"));
                Assert.Equal(2, r.Detections.Count);
            }
            Assert.Null(FileNamed(r, "a.json").Error);
            Assert.Null(FileNamed(r, "d.json").Error);
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(lockedDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [NotRootFact]
    public void Permission_denied_is_reported()
    {
        using var dir = new TempDir();
        string locked = Path.Combine(dir.Path, "locked.json");
        WriteRecord(locked);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        try
        {
            var r = ScanFolder(dir.Path);
            var f = Assert.Single(r.Summary.Files);
            Assert.Contains("permission denied", f.Error);
            Assert.Equal(0, f.ErrorOffset);
            Assert.True(r.Summary.HadBadInput);
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void Dangling_and_looping_links_and_links_to_folders_are_reported_and_the_scan_goes_on()
    {
        using var dir = new TempDir();
        WriteRecord(Path.Combine(dir.Path, "a.json"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "b-dangling.json"), Path.Combine(dir.Path, "nowhere.json"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "c-loop1.json"), Path.Combine(dir.Path, "c-loop2.json"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "c-loop2.json"), Path.Combine(dir.Path, "c-loop1.json"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        WriteRecord(Path.Combine(dir.Path, "sub", "s.json"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "d-folder-link"), Path.Combine(dir.Path, "sub"));
        // A link to the folder that holds it: followed, it would walk forever.
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "sub", "up"), dir.Path);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "e-file-link.json"), Path.Combine(dir.Path, "a.json"));

        var r = ScanFolder(dir.Path);
        Assert.Contains("broken symbolic link", FileNamed(r, "b-dangling.json").Error);
        Assert.Contains("loop", FileNamed(r, "c-loop1.json").Error);
        Assert.Contains("loop", FileNamed(r, "c-loop2.json").Error);
        Assert.NotNull(FileNamed(r, "d-folder-link").Error);
        Assert.NotNull(FileNamed(r, "up").Error);
        Assert.All(r.Summary.Files.Where(f => f.Error is not null), f => Assert.Equal(0, f.ErrorOffset));
        // a.json and sub/s.json are scanned; the link to a.json reaches a file already scanned, so it
        // is not scanned again (its detections would be counted twice).
        Assert.Equal(2, r.Detections.Count);
        Assert.DoesNotContain(r.Summary.Files, f => f.Path.EndsWith("e-file-link.json", StringComparison.Ordinal));
        // A link to a file the scan does not otherwise reach is read, under the link's name.
        var outside = new TempDir();
        WriteRecord(Path.Combine(outside.Path, "elsewhere.json"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "f-outside-link.json"), Path.Combine(outside.Path, "elsewhere.json"));
        var again = ScanFolder(dir.Path);
        Assert.Equal(3, again.Detections.Count);
        Assert.Contains(again.Detections, d => d.SourceFile.EndsWith("f-outside-link.json", StringComparison.Ordinal));
        outside.Dispose();
        Assert.True(r.Summary.HadBadInput);
    }

    [Fact]
    public void Link_to_a_folder_is_reported_as_not_followed()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        WriteRecord(Path.Combine(dir.Path, "sub", "s.json"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "link"), Path.Combine(dir.Path, "sub"));
        var r = ScanFolder(dir.Path);
        Assert.Contains("folder", FileNamed(r, "link").Error);
    }

    [Fact]
    public void File_name_that_is_not_utf8_is_reported_or_read_never_a_crash()
    {
        using var dir = new TempDir();
        WriteRecord(Path.Combine(dir.Path, "a.json"));
        // bash writes the name as raw bytes: 'bad', 0xFF, '.json'.
        Shell.Run("bash", "-c", "printf '%s\\n' \"$2\" > \"$1\"/$'bad\\xff.json'", "bash", dir.Path, Teams);
        WriteRecord(Path.Combine(dir.Path, "z.json"));
        Assert.Equal(3, Directory.GetFileSystemEntries(dir.Path).Length);

        var r = ScanFolder(dir.Path);
        Assert.Equal(3, r.Summary.Files.Count);
        var odd = Assert.Single(r.Summary.Files, f => Path.GetFileName(f.Path).StartsWith("bad", StringComparison.Ordinal));
        if (odd.Error is null)
            Assert.Equal(3, r.Detections.Count); // read
        else
            Assert.Equal(2, r.Detections.Count); // reported (today: it cannot be reopened by its decoded name)
        Assert.Null(FileNamed(r, "a.json").Error);
        Assert.Null(FileNamed(r, "z.json").Error);
    }

    [Fact]
    public void File_name_that_is_not_utf8_is_not_reported_as_a_link_loop()
    {
        using var dir = new TempDir();
        Shell.Run("bash", "-c", "printf '%s\\n' \"$2\" > \"$1\"/$'bad\\xff.json'", "bash", dir.Path, Teams);
        var r = ScanFolder(dir.Path);
        var odd = Assert.Single(r.Summary.Files);
        Assert.DoesNotContain("symbolic link", odd.Error ?? "");
    }

    [Fact]
    public void Output_in_a_missing_folder_fails_before_reading_and_creates_nothing()
    {
        using var dir = new TempDir();
        string input = Path.Combine(dir.Path, "in.json");
        WriteRecord(input);
        string missing = Path.Combine(dir.Path, "no-such-folder");
        string ok = Path.Combine(dir.Path, "ok");
        Directory.CreateDirectory(ok);
        string[][] variants =
        [
            ["-o", Path.Combine(missing, "o.arrow"), "--summary-json", Path.Combine(ok, "s.json"), "--rejects", Path.Combine(ok, "r.ndjson")],
            ["-o", Path.Combine(ok, "o.arrow"), "--summary-json", Path.Combine(missing, "s.json"), "--rejects", Path.Combine(ok, "r.ndjson")],
            ["-o", Path.Combine(ok, "o.arrow"), "--summary-json", Path.Combine(ok, "s.json"), "--rejects", Path.Combine(missing, "r.ndjson")],
        ];
        foreach (var args in variants)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = HuntEngine.Cli.Cli.Run(["scan", input, .. args, "--validate"], stdout, stderr);
            Assert.Equal(ExitCode.CouldNotRun, code);
            Assert.Contains("does not exist", stderr.ToString());
            Assert.Empty(Directory.GetFileSystemEntries(ok));
            Assert.False(Directory.Exists(missing));
            Assert.Equal([input, ok], Directory.GetFileSystemEntries(dir.Path).OrderBy(p => p, StringComparer.Ordinal));
        }
    }
}
