using System.Diagnostics;
using System.Text.Json;
using HuntEngine.DataGen;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.BadInput;

/// <summary>A ~300 MB generated NDJSON archive, written once for the interruption tests.</summary>
public sealed class LargeCorpusFixture : IDisposable
{
    public LargeCorpusFixture()
    {
        Folder = new TempDir();
        Path = System.IO.Path.Combine(Folder.Path, "large.ndjson");
        // 8 MB of generated records (CRLF, blank lines and all), repeated to ~300 MB: the generator
        // is the slow part on a busy 2-core machine, the copies cost only the disk.
        string chunkPath = System.IO.Path.Combine(Folder.Path, "chunk.ndjson");
        CorpusGenerator.WriteFile(chunkPath, Container.Ndjson, Compression.None, new GeneratorOptions(4242, 8_000_000, PlantRate: 0.01), "chunk.ndjson");
        var chunk = File.ReadAllBytes(chunkPath);
        File.Delete(chunkPath);
        using (var fs = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            while (fs.Length < 300_000_000)
            {
                fs.Write(chunk);
                fs.WriteByte((byte)'\n');
            }
        }
        Length = new FileInfo(Path).Length;
    }

    internal TempDir Folder { get; }
    public string Path { get; }
    public long Length { get; }

    public void Dispose() => Folder.Dispose();
}

/// <summary>
/// Interruption (spec §4): <c>hunt scan</c> in a child process receiving SIGINT or SIGTERM mid-scan
/// exits 130 / 143 within seconds, leaves no result file and no temporary file, and writes a
/// summary with status "interrupted".
/// </summary>
public sealed class InterruptionTests(LargeCorpusFixture corpus) : IClassFixture<LargeCorpusFixture>
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task Signal_mid_scan_stops_it_with_no_result_file_and_an_interrupted_summary(string signal, int expectedCode)
    {
        using var outDir = new TempDir();
        string result = Path.Combine(outDir.Path, "detections.arrow");
        string summary = Path.Combine(outDir.Path, "summary.json");
        string rejects = Path.Combine(outDir.Path, "rejects.ndjson");
        string hunt = Path.Combine(AppContext.BaseDirectory, "hunt.dll");
        Assert.True(File.Exists(hunt), $"hunt.dll not beside the tests: {hunt}");

        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { hunt, "scan", corpus.Path, "-o", result, "--summary-json", summary, "--rejects", rejects, "--validate", "--threads", "2" })
            psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEndAsync();
        try
        {
            // "Started" = the child has read 16 MB of input (assemblies are mapped, not read): then signal it.
            var started = Stopwatch.StartNew();
            long read = 0;
            while (!child.HasExited && (read = BytesRead(child.Id)) < 16_000_000)
            {
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), "the scan did not start reading within 60 s");
                Thread.Sleep(5);
            }
            Assert.False(child.HasExited, $"the scan ended before it could be interrupted (exit {SafeExitCode(child)}): make the corpus larger");
            Shell.Run("kill", "-" + signal, child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var signalled = Stopwatch.StartNew();
            bool exited = child.WaitForExit((int)ExitWithin.TotalMilliseconds);
            Assert.True(exited, $"still running {ExitWithin.TotalSeconds} s after SIG{signal}");
            child.WaitForExit();
            var tookAfterSignal = signalled.Elapsed;

            string err = await stderr;
            await stdout;
            Assert.True(child.ExitCode == expectedCode, $"exit {child.ExitCode} after SIG{signal} (read {read} bytes when signalled); stderr: {err}");
            Assert.Contains("interrupted", err);
            Assert.False(File.Exists(result), "an interrupted scan must leave no result file");
            Assert.False(File.Exists(rejects), "an interrupted scan must leave no rejects file");
            // No temporary file (.NAME.PID.tmp) beside any output: only the summary is left.
            Assert.Equal(["summary.json"], Directory.GetFileSystemEntries(outDir.Path).Select(Path.GetFileName));

            using var doc = JsonDocument.Parse(File.ReadAllText(summary));
            var root = doc.RootElement;
            Assert.Equal("interrupted", root.GetProperty("status").GetString());
            Assert.Equal(expectedCode, root.GetProperty("exit_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("output").ValueKind);
            long scanned = root.GetProperty("bytes_decompressed").GetInt64();
            Assert.True(scanned < corpus.Length, $"the summary says {scanned} of {corpus.Length} bytes: the scan was not interrupted");
            Assert.True(tookAfterSignal < ExitWithin, $"{tookAfterSignal.TotalSeconds:0.0} s after the signal");
            var records = root.GetProperty("records");
            Assert.Equal(records.GetProperty("framed").GetInt64(),
                records.GetProperty("parsed").GetInt64() + records.GetProperty("cleared_by_prefilter").GetInt64()
                + records.GetProperty("malformed").GetInt64() + records.GetProperty("oversized").GetInt64());
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Bytes the process has read through read(2) so far (Linux <c>/proc/PID/io</c>).</summary>
    private static long BytesRead(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/io"))
                if (line.StartsWith("rchar:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // exited meanwhile
        }
        return 0;
    }

    private static string SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    /// <summary>The dotnet host running these tests (testhost runs under it), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
