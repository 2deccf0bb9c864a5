using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HuntEngine.DataGen;

namespace HuntEngine.Compare;

/// <summary>Writes the comparison as markdown: the machine, the command, then one table per file and the count check per mix.</summary>
internal static class MarkdownReport
{
    private static readonly string[] SpecPatterns = ["Teams_ITImpersonation", "SuspiciousOAuthGrant", "RiskyGuestSignin"];
    private static readonly string[] OtherPatterns = ["CloudStorageExfil", "GuestInviteBurst"];

    public static string Write(ComparisonOptions options, string[] args, IReadOnlyList<FileComparison> results, ToolCatalog catalog, DateTime startedUtc,
        string builtHunt, string loadBefore, string loadAfter)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("# HuntEngine end-to-end comparison");
        sb.AppendLine();
        sb.AppendLine(inv, $"- date (UTC): {startedUtc:yyyy-MM-dd HH:mm}");
        sb.AppendLine(inv, $"- machine: {Environment.ProcessorCount} logical CPUs (nproc), {CpuModel()}, {MemoryGiB():F1} GiB RAM");
        sb.AppendLine(inv, $"- OS: {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}");
        sb.AppendLine(inv, $"- HuntEngine: {GitDescribe() ?? "unknown commit"} ({builtHunt})");
        sb.AppendLine(inv, $"- load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}");
        sb.AppendLine(inv, $"- DuckDB: {ToolCatalog.DuckDbVersion ?? "not run"} (DuckDB.NET.Data.Full)");
        sb.AppendLine(inv, $"- ripgrep: {RipgrepVersion(catalog.RipgrepPath) ?? "not installed"}; jq: {(catalog.JqPath is null ? "not installed" : Capture(catalog.JqPath, "--version") ?? "unknown")}");
        sb.AppendLine(inv, $"- command: `dotnet run -c Release --project bench/HuntEngine.Compare -- {string.Join(' ', args)}`");
        sb.AppendLine(inv, $"- corpus: generator seed {options.Seed}, {options.SizeText} ({options.SizeBytes:N0} B) of NDJSON per mix; {options.Runs} timed runs per tool, taking turns; {ChildProcess.MemoryMethod}");
        sb.AppendLine();
        sb.AppendLine("MB/s is 10^6 bytes of *decompressed* NDJSON per second of wall time (median of the runs), for a whole child process:");
        sb.AppendLine("start-up and JIT included, and for hunt writing its Arrow file and summary. Ratios divide MB/s (above 1 = faster).");
        sb.AppendLine(options.Cold
            ? "Peak RSS is the largest of the runs. Page cache cold (`--cold`): before every run the file was evicted from the page cache (posix_fadvise DONTNEED, checked with mincore), so each tool read it from this machine's disk (on a VM whose host caches its disk, that is the guest kernel's cost of reading it in); the tools' own files stayed cached, and so did a store's parts (`--store` rows are hot)."
            : "Peak RSS is the largest of the runs. Every file was read once before the timed runs, and again before each round (page cache hot).");
        sb.AppendLine("The plain corpus's modification time is set an hour back, as an archive's would be: hunt memory-maps plain files not written in the last minute, and reads the others.");

        foreach (var group in results.GroupBy(r => r.Corpus.Mix))
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"## {CorpusFiles.MixName(group.Key)} mix");
            foreach (var file in group) WriteTable(sb, file);
            WriteCountCheck(sb, group.ToList());
        }

        sb.AppendLine();
        sb.AppendLine("## Commands timed (first file)");
        sb.AppendLine();
        if (results.Count > 0)
            foreach (var t in results[0].Tools) sb.AppendLine(inv, $"- {t.Spec.Key}: `{t.Spec.CommandLine}`");
        sb.AppendLine();
        sb.AppendLine("The DuckDB query: `dotnet run -c Release --project bench/HuntEngine.Compare -- duckdb-worker FILE THREADS uncompressed --sql`.");
        return sb.ToString();
    }

    private static void WriteTable(StringBuilder sb, FileComparison fc)
    {
        var inv = CultureInfo.InvariantCulture;
        var file = fc.File;
        bool compressed = file.Compression != Compression.None;
        sb.AppendLine();
        sb.AppendLine(compressed
            ? string.Create(inv, $"### {CorpusFiles.Name(file.Compression)}: {file.DiskBytes / 1e6:F1} MB on disk, {file.DecompressedBytes / 1e6:F1} MB decompressed ({(double)file.DecompressedBytes / file.DiskBytes:F1}:1)")
            : string.Create(inv, $"### plain NDJSON: {file.DecompressedBytes / 1e6:F1} MB"));
        sb.AppendLine();

        double Rate(ToolRuns? t) => t is null || t.Seconds.Count == 0 ? double.NaN : file.DecompressedBytes / 1e6 / t.MedianSeconds;
        var duck = fc.Tools.FirstOrDefault(t => t.Spec.Key == "duckdb");
        var cat = fc.Tools.FirstOrDefault(t => t.Spec.Key == "cat");
        var decoder = fc.Tools.FirstOrDefault(t => t.Spec.Key == "decompress");
        string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) || b == 0 ? "–" : string.Create(inv, $"{a / b:F2}×");

        sb.AppendLine(compressed
            ? "| tool | MB/s | MB/s on disk | vs DuckDB | vs decompressor alone | counted | peak RSS MiB | median s (min–max) |"
            : "| tool | MB/s | vs DuckDB | vs cat | counted | peak RSS MiB | median s (min–max) |");
        sb.AppendLine(compressed ? "|---|--:|--:|--:|--:|--:|--:|--:|" : "|---|--:|--:|--:|--:|--:|--:|");
        foreach (var t in fc.Tools)
        {
            if (t.Seconds.Count == 0)
            {
                sb.AppendLine(compressed
                    ? $"| {t.Spec.Label} | failed | | | | {t.Failure} | | |"
                    : $"| {t.Spec.Label} | failed | | | {t.Failure} | | |");
                continue;
            }
            double rate = Rate(t);
            string counted = Counted(t, file);
            string rss = (t.PeakRssBytes / 1048576.0).ToString("F0", inv);
            string secs = string.Create(inv, $"{t.MedianSeconds:F2} ({t.Seconds.Min():F2}–{t.Seconds.Max():F2})");
            string label = t.Failure is null ? t.Spec.Label : $"{t.Spec.Label} (later run failed: {t.Failure})";
            sb.AppendLine(compressed
                ? string.Create(inv, $"| {label} | {rate:F1} | {file.DiskBytes / 1e6 / t.MedianSeconds:F1} | {Ratio(rate, Rate(duck))} | {Ratio(rate, Rate(decoder))} | {counted} | {rss} | {secs} |")
                : string.Create(inv, $"| {label} | {rate:F1} | {Ratio(rate, Rate(duck))} | {Ratio(rate, Rate(cat))} | {counted} | {rss} | {secs} |"));
        }
        foreach (string s in fc.Notes) sb.AppendLine(inv, $"\n{s}");
        foreach (string s in fc.Skipped) sb.AppendLine(inv, $"\nSkipped: {s}.");
        if (fc.OtherCpuSeconds is double other)
        {
            double share = other / (fc.WallSeconds * Environment.ProcessorCount);
            sb.AppendLine(inv, $"\nOther processes used {other:F1} CPU-s while this table was timed ({share:P0} of the machine){(share > 0.05 ? " — **the machine was not quiet: treat these timings as noisy**" : "")}.");
        }
        foreach (var hunt in fc.Tools.Where(t => t.Spec.Key is "hunt" or "hunt-all"))
            if (hunt.LastCount?.InProcessSeconds is double scan and > 0)
                sb.AppendLine(inv, $"\n`{(hunt.Spec.Key == "hunt" ? "hunt scan" : "hunt scan --no-prefilter")}`'s own summary: {file.DecompressedBytes / 1e6 / scan:F1} MB/s for the scan alone (last run: {scan:F2} s of {hunt.Seconds[^1]:F2} s wall; the rest is process start-up, JIT and writing the output).");
        if (duck?.LastCount?.InProcessSeconds is double q and > 0)
            sb.AppendLine(inv, $"\nDuckDB worker, in process: {file.DecompressedBytes / 1e6 / q:F1} MB/s for connect + query (last run: {q:F2} s of {duck.Seconds[^1]:F2} s wall).");
    }

    private static string Counted(ToolRuns t, CorpusFile file)
    {
        var c = t.LastCount;
        string differ = t.CountsDiffer ? " (runs disagree!)" : "";
        return t.Spec.Key switch
        {
            "hunt" or "hunt-all" or "hunt-store" or "hunt-storepq" when c?.ByType is { } by => $"{c.Value} detections ({SpecPatterns.Sum(p => by.GetValueOrDefault(p))} of §3){differ}",
            "duckdb" or "duckdb-store" or "rgjq" when c is not null => $"{c.Value} detections (§3){differ}",
            "rg" when c is not null => $"lines with `helpdesk`: {c.Value}{differ}",
            "decompress" or "decompress-k4os" when c is not null => c.Value == file.DecompressedBytes ? "all bytes" : $"{c.Value} B of {file.DecompressedBytes} B!",
            _ => "–",
        };
    }

    private static string CountColumn(string key, CorpusFile file) => key switch
    {
        "hunt" => $"hunt ({CorpusFiles.Name(file.Compression)})",
        "duckdb" => $"DuckDB ({CorpusFiles.Name(file.Compression)})",
        "hunt-store" => "hunt (arrow store)",
        "hunt-storepq" => "hunt (parquet store)",
        "rgjq" => $"rg + jq ({CorpusFiles.Name(file.Compression)})",
        _ => "DuckDB (parquet store)",
    };

    /// <summary>Per pattern: what the generator planted, what hunt and DuckDB found on each file of the mix.</summary>
    private static void WriteCountCheck(StringBuilder sb, List<FileComparison> files)
    {
        var inv = CultureInfo.InvariantCulture;
        var planted = files[0].Corpus.PlantedByType;
        var columns = new List<(string Name, IReadOnlyDictionary<string, long>? ByType)>();
        foreach (var f in files)
            foreach (var t in f.Tools.Where(t => t.Spec.Key is "hunt" or "duckdb" or "rgjq" or "hunt-store" or "hunt-storepq" or "duckdb-store"))
                columns.Add((CountColumn(t.Spec.Key, f.File), t.LastCount?.ByType));
        // hunt --no-prefilter must find exactly what hunt finds; show it only where it does not.
        foreach (var f in files)
        {
            var a = f.Tools.FirstOrDefault(t => t.Spec.Key == "hunt")?.LastCount?.ByType;
            var b = f.Tools.FirstOrDefault(t => t.Spec.Key == "hunt-all")?.LastCount?.ByType;
            if (b is not null && (a is null || !a.OrderBy(x => x.Key).SequenceEqual(b.OrderBy(x => x.Key))))
                columns.Add(($"hunt --no-prefilter ({CorpusFiles.Name(f.File.Compression)})", b));
        }
        if (columns.Count == 0) return;
        sb.AppendLine();
        sb.AppendLine("### Detections by pattern");
        sb.AppendLine();
        sb.AppendLine("| pattern | planted (generator ground truth) | " + string.Join(" | ", columns.Select(c => c.Name)) + " |");
        sb.AppendLine("|---|--:|" + string.Concat(columns.Select(_ => "--:|")));
        foreach (string p in SpecPatterns.Concat(OtherPatterns))
        {
            var cells = columns.Select(c => c.ByType is null ? "–" : c.ByType.TryGetValue(p, out long v) ? v.ToString(inv) : "not in SQL");
            sb.AppendLine(inv, $"| {p} | {planted.GetValueOrDefault(p)} | {string.Join(" | ", cells)} |");
        }
        sb.AppendLine();
        sb.AppendLine("The DuckDB query and the rg + jq pipeline write only the three §3 patterns (rg + jq: bench/HuntEngine.Compare/RgJqHunt.cs;");
        sb.AppendLine("its keyword filter reads raw bytes, so a keyword written with a JSON escape never reaches jq).");
        sb.AppendLine("The DuckDB query writes only the three §3 patterns. Where its counts differ from the ground truth, see bench/README.md");
        sb.AppendLine("(\"Where DuckDB counts differently\"): duplicate keys (DuckDB reads the first, the spec the last), Unicode `lower()`");
        sb.AppendLine("and RE2's Unicode `(?i)`. `duckdb-worker FILE N uncompressed --list` prints the records DuckDB matched.");
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static double MemoryGiB()
    {
        try
        {
            string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null)
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576.0;
        }
        catch (IOException)
        {
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30);
    }

    private static string? GitDescribe() => Capture("git", "-C", Path.GetDirectoryName(typeof(MarkdownReport).Assembly.Location)!, "describe", "--always", "--dirty");

    private static string? RipgrepVersion(string? rg) => rg is null ? null : Capture(rg, "--version")?.Split('\n')[0];

    private static string? Capture(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
