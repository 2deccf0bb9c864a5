using System.Globalization;
using System.Text.Json;
using HuntEngine.DataGen;

namespace HuntEngine.Compare;

/// <summary>What a tool counted in one run: detections (hunt, DuckDB), matching lines (ripgrep) or bytes (decompressor).</summary>
internal sealed record ToolCount(long Value, IReadOnlyDictionary<string, long>? ByType = null, double? InProcessSeconds = null);

/// <summary>One timed command: how to start it and how to read what it counted.</summary>
internal sealed record ToolSpec(string Key, string Label, string FileName, IReadOnlyList<string> Arguments, Func<ChildResult, ToolCount?> Read, Func<int, bool> Succeeded)
{
    /// <summary>The command as a person would type it (for the report).</summary>
    public string CommandLine => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=,:%+".Contains(c)) ? s : $"'{s.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}

/// <summary>Builds the command of each compared tool for one file.</summary>
internal sealed class ToolCatalog
{
    private readonly ComparisonOptions _options;
    private readonly string _dotnet;
    private readonly string _self;
    private readonly string _scratch;

    public ToolCatalog(ComparisonOptions options, string scratch)
    {
        _options = options;
        _scratch = scratch;
        _dotnet = FindDotnet();
        _self = typeof(ToolCatalog).Assembly.Location;
        RipgrepPath = FindOnPath("rg");
        JqPath = FindOnPath("jq");
        _jqProgram = Path.Combine(scratch, "hunt-rules.jq");
        File.WriteAllText(_jqProgram, RgJqHunt.Program);
    }

    private readonly string _jqProgram;

    public string? RipgrepPath { get; }
    public string? JqPath { get; }

    /// <summary>Set for the decoder alone: tiered compilation and dynamic PGO off, loops optimized at first call.</summary>
    public static readonly string[] DecoderJitSettings = ["DOTNET_TieredCompilation=0", "DOTNET_TieredPGO=0", "DOTNET_TC_QuickJitForLoops=0"];

    /// <summary>
    /// The command that runs the hunt build: a native executable as it is; its own launcher when it is
    /// self-contained (the runtime ships with it and <c>dotnet hunt.dll</c> would not use it), else
    /// <c>dotnet hunt.dll</c>.
    /// </summary>
    private (string FileName, List<string> Arguments) Hunt(IEnumerable<string> arguments)
    {
        // A native hunt (Native AOT) runs as it is.
        if (!_options.HuntDll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) return (_options.HuntDll, [.. arguments]);
        string launcher = Path.Combine(Path.GetDirectoryName(_options.HuntDll)!, "hunt");
        return IsSelfContained(_options.HuntDll) && File.Exists(launcher)
            ? (launcher, [.. arguments])
            : (_dotnet, [_options.HuntDll, .. arguments]);
    }

    /// <summary>Whether the build next to <paramref name="dll"/> carries its runtime (its runtimeconfig lists included frameworks).</summary>
    public static bool IsSelfContained(string dll)
    {
        string config = Path.ChangeExtension(dll, ".runtimeconfig.json");
        return File.Exists(config) && File.ReadAllText(config).Contains("\"includedFrameworks\"", StringComparison.Ordinal);
    }

    /// <summary>The tools timed on a file, in the order they take turns; with a note for each one skipped.</summary>
    public (List<ToolSpec> Tools, List<string> Skipped, List<string> Notes) For(CorpusFile file)
    {
        var tools = new List<ToolSpec>();
        var skipped = new List<string>();
        var notes = new List<string>();
        bool Wanted(string key) => _options.Tools.Contains(key);
        int n = _options.Threads;
        string nText = n.ToString(CultureInfo.InvariantCulture);

        foreach (var (key, flag, label) in new[]
        {
            ("hunt", (string?)null, $"HuntEngine `hunt scan` ({n} threads)"),
            // Parses every record, as DuckDB does: the same work, without the raw-bytes prefilter.
            ("hunt-all", "--no-prefilter", $"HuntEngine `hunt scan --no-prefilter` ({n} threads)"),
        })
        {
            if (!Wanted(key)) continue;
            string summary = Path.Combine(_scratch, $"{key}-summary.json");
            string output = Path.Combine(_scratch, $"{key}-detections.arrow");
            var (huntExe, args) = Hunt(["scan", file.Path, "-o", output, "--summary-json", summary, "--threads", nText, "-q"]);
            if (flag is not null) args.Add(flag);
            tools.Add(new ToolSpec(key, label, huntExe, args, _ => ReadHuntSummary(summary, output), code => code is 0 or 1 or 3 or 4));
        }

        if (Wanted("duckdb"))
        {
            string? compression = file.Compression switch
            {
                Compression.None => "uncompressed",
                Compression.Gzip => "gzip",
                Compression.Zstd => "zstd",
                _ => null,
            };
            if (compression is null)
                skipped.Add($"DuckDB: its JSON reader has no {CorpusFiles.Name(file.Compression)} decompression");
            else
                tools.Add(new ToolSpec("duckdb", $"DuckDB SQL ({n} threads)", _dotnet,
                    [_self, "duckdb-worker", file.Path, nText, compression],
                    r => ReadWorkerResult(r.Stdout),
                    code => code == 0));
        }

        // `rg -z` runs the file's decompressor program; null for a plain file.
        string? decoder = file.Compression switch
        {
            Compression.None => null,
            Compression.Gzip => "gzip",
            Compression.Lz4 => "lz4",
            _ => "zstd",
        };
        bool decoderMissing = decoder is not null && FindOnPath(decoder) is null;

        if (Wanted("rg"))
        {
            if (RipgrepPath is null)
                skipped.Add("ripgrep: `rg` is not on PATH (apt-get install ripgrep)");
            else if (decoderMissing)
                skipped.Add($"ripgrep -z: it runs the `{decoder}` program, which is not on PATH");
            else
                tools.Add(new ToolSpec("rg", decoder is null ? "ripgrep `rg -c -F helpdesk`" : $"ripgrep `rg -z -c -F helpdesk` (runs `{decoder} -d`)",
                    RipgrepPath, decoder is null ? ["-c", "-F", "helpdesk", file.Path] : ["-z", "-c", "-F", "helpdesk", file.Path],
                    r => long.TryParse(r.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long c) ? new ToolCount(c) : new ToolCount(0),
                    code => code is 0 or 1));
        }

        if (Wanted("rgjq"))
        {
            if (RipgrepPath is null || JqPath is null)
                skipped.Add("ripgrep + jq: `rg` or `jq` is not on PATH (apt-get install ripgrep jq)");
            else if (decoderMissing)
                skipped.Add($"ripgrep + jq: `rg -z` runs the `{decoder}` program, which is not on PATH");
            else
            {
                var (exe, args) = RgJqHunt.Command(RipgrepPath, JqPath, _jqProgram, file.Path, compressed: decoder is not null);
                tools.Add(new ToolSpec("rgjq", $"ripgrep + jq (`rg {(decoder is null ? "" : "-z ")}-a -i -F` the keywords, `jq` the §3 rules)", exe, args,
                    r => RgJqHunt.Read(r.Stdout), RgJqHunt.Succeeded));
            }
        }

        // The decoder runs with the JIT settings it is fastest with, which are hunt's own (measured:
        // K4os LZ4 1.26 s → 0.97 s for 1 GiB), so the ratio is against the best the decoder does here.
        if (Wanted("decompress") && file.Compression != Compression.None)
            tools.Add(new ToolSpec("decompress", $"{DecoderName(file.Compression)} alone, to /dev/null", "/usr/bin/env",
                [.. DecoderJitSettings, _dotnet, _self, "decompress-worker", file.Path],
                r => long.TryParse(r.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? new ToolCount(b) : null,
                code => code == 0));
        // The stock decoder hunt's own LZ4 frame reader replaced, for comparison (not the ratio's floor).
        if (Wanted("decompress") && file.Compression == Compression.Lz4)
            tools.Add(new ToolSpec("decompress-k4os", "K4os LZ4Stream.Decode alone, to /dev/null", "/usr/bin/env",
                [.. DecoderJitSettings, _dotnet, _self, "decompress-worker", file.Path, "k4os"],
                r => long.TryParse(r.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? new ToolCount(b) : null,
                code => code == 0));

        if (_options.Store && file.Compression == Compression.None) AddStores(file, tools, notes);

        if (Wanted("cat"))
            tools.Add(new ToolSpec("cat", "`cat FILE > /dev/null`", "/bin/bash", ["-c", "cat \"$1\" > /dev/null", "cat", file.Path], _ => null, code => code == 0));

        return (tools, skipped, notes);
    }

    /// <summary>
    /// "Scan once, hunt many": converts the file once to an Arrow and a Parquet store (timed, sized,
    /// reported as notes), then times hunting each store, and DuckDB's SQL over the Parquet one.
    /// </summary>
    private void AddStores(CorpusFile file, List<ToolSpec> tools, List<string> notes)
    {
        string nText = _options.Threads.ToString(CultureInfo.InvariantCulture);
        var inv = CultureInfo.InvariantCulture;
        foreach (string format in new[] { "arrow", "parquet" })
        {
            string dir = Path.Combine(_scratch, $"store-{format}-{Path.GetFileNameWithoutExtension(file.Path)}");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            var (convertExe, convertArgs) = Hunt(["convert", file.Path, "-o", dir, "--format", format, "--threads", nText]);
            var convert = ChildProcess.Run(convertExe, convertArgs, _scratch);
            if (convert.ExitCode != 0)
            {
                notes.Add($"`hunt convert --format {format}` failed (exit {convert.ExitCode}): {convert.Stderr.Split('\n')[0]}");
                continue;
            }
            long bytes = Directory.GetFiles(dir).Sum(f => new FileInfo(f).Length);
            notes.Add(string.Create(inv, $"{format} store (`hunt convert FILE -o DIR --format {format} --threads {nText}`): {bytes / 1e6:F1} MB, {100.0 * bytes / file.DecompressedBytes:F1} % of the file; converted in {convert.WallSeconds:F2} s ({file.DecompressedBytes / 1e6 / convert.WallSeconds:F0} MB/s), peak RSS {convert.PeakRssBytes / 1048576.0:F0} MiB."));
            foreach (string part in Directory.GetFiles(dir)) WarmPageCache(part);

            string summary = Path.Combine(_scratch, $"hunt-store-{format}-summary.json");
            string output = Path.Combine(_scratch, $"hunt-store-{format}-detections.arrow");
            var (scanExe, scanArgs) = Hunt(["scan", dir, "-o", output, "--summary-json", summary, "--threads", nText, "-q"]);
            tools.Add(new ToolSpec(format == "arrow" ? "hunt-store" : "hunt-storepq", $"HuntEngine `hunt scan` on the {format} store ({nText} threads)", scanExe,
                scanArgs, _ => ReadHuntSummary(summary, output), code => code is 0 or 1 or 3 or 4));
            if (format == "parquet" && _options.Tools.Contains("duckdb"))
                tools.Add(new ToolSpec("duckdb-store", $"DuckDB SQL on the parquet store ({nText} threads)", _dotnet,
                    [_self, "duckdb-store-worker", dir, nText], r => ReadWorkerResult(r.Stdout), code => code == 0));
        }
    }

    /// <summary>Reads the file once (untimed) so every timed run finds it in the page cache.</summary>
    public static void WarmPageCache(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        while (f.Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    /// <summary>
    /// Evicts the file from the page cache (<see cref="PageCache.Evict"/>), so the next run reads it
    /// from disk. Fails if a tenth of it is still cached afterwards (mapped by another process).
    /// </summary>
    public static void EvictFromPageCache(string path)
    {
        PageCache.Evict(path);
        double cached = PageCache.CachedFraction(path);
        if (cached > 0.1) throw new IOException($"--cold: {cached:P0} of {path} is still in the page cache after eviction (mapped by another process?)");
    }

    public static string DecoderName(Compression c) => c switch
    {
        Compression.Gzip => "GZipStream (System.IO.Compression)",
        Compression.Lz4 => "hunt's LZ4 frame reader (K4os LZ4Codec blocks)",
        Compression.Zstd => "ZstdSharp DecompressionStream",
        _ => "none",
    };

    private static ToolCount? ReadHuntSummary(string summaryPath, string outputPath)
    {
        if (!File.Exists(summaryPath)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(summaryPath));
        var root = doc.RootElement;
        var byType = root.GetProperty("detections_by_type").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        var count = new ToolCount(root.GetProperty("detections").GetInt64(), byType, root.GetProperty("elapsed_seconds").GetDouble());
        File.Delete(summaryPath);
        File.Delete(outputPath);
        return count;
    }

    private static ToolCount? ReadWorkerResult(string stdout)
    {
        string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (last is null) return null;
        var r = JsonSerializer.Deserialize(last, WorkerResultJson.Default.WorkerResult);
        if (r is null) return null;
        DuckDbVersion ??= r.Version;
        return new ToolCount(r.Detections, r.ByType, r.Seconds);
    }

    /// <summary>Reported by the first DuckDB worker run.</summary>
    public static string? DuckDbVersion { get; private set; }

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet") return p;
        if (FindOnPath("dotnet") is { } onPath) return onPath;
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }

    public static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
