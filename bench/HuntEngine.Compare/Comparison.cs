namespace HuntEngine.Compare;

/// <summary>All timed runs of one tool on one file.</summary>
internal sealed class ToolRuns(ToolSpec spec)
{
    public ToolSpec Spec { get; } = spec;
    public List<double> Seconds { get; } = new();
    /// <summary>CPU seconds of all runs (GNU time), or null when not measured.</summary>
    public double? CpuSeconds { get; private set; } = 0;
    public long PeakRssBytes { get; private set; }
    public ToolCount? LastCount { get; private set; }
    /// <summary>Set when runs counted different things (a tool that is not deterministic, or a bug).</summary>
    public bool CountsDiffer { get; private set; }
    public string? Failure { get; private set; }

    public void Add(ChildResult r)
    {
        if (!Spec.Succeeded(r.ExitCode))
        {
            // The first line says what went wrong (an unhandled exception's type and message); stack frames follow.
            string first = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no message)";
            Failure = $"exit {r.ExitCode}: {(first.Length > 240 ? first[..240] + "…" : first)}";
            return;
        }
        Seconds.Add(r.WallSeconds);
        CpuSeconds = r.CpuSeconds is { } c && CpuSeconds is { } sum ? sum + c : null;
        PeakRssBytes = Math.Max(PeakRssBytes, r.PeakRssBytes);
        var count = Spec.Read(r);
        if (LastCount is not null && count?.Value != LastCount.Value) CountsDiffer = true;
        LastCount = count ?? LastCount;
    }

    public double MedianSeconds
    {
        get
        {
            if (Seconds.Count == 0) return double.NaN;
            var s = Seconds.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }
    }
}

/// <summary>The timed runs over one file, and what the report needs to show about them.</summary>
/// <param name="OtherCpuSeconds">
/// CPU time the rest of the machine used while this file was timed: all busy CPU time (/proc/stat)
/// minus the children's and this process's own. Near zero on a quiet machine; null when unknown.
/// </param>
internal sealed record FileComparison(Corpus Corpus, CorpusFile File, IReadOnlyList<ToolRuns> Tools, IReadOnlyList<string> Skipped, IReadOnlyList<string> Notes, double WallSeconds, double? OtherCpuSeconds);

/// <summary>
/// Times every tool on one file: <c>--runs</c> rounds, each running every tool once, the starting
/// tool rotating from round to round so no tool always runs right after the same neighbour.
/// </summary>
internal static class Comparison
{
    public static FileComparison Run(Corpus corpus, CorpusFile file, ToolCatalog catalog, ComparisonOptions options, string scratch, TextWriter log)
    {
        var (specs, skipped, notes) = catalog.For(file);
        var runs = specs.Select(s => new ToolRuns(s)).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double? busyBefore = ChildProcess.MachineBusySeconds();
        var self = System.Diagnostics.Process.GetCurrentProcess();
        double selfBefore = self.TotalProcessorTime.TotalSeconds;
        for (int round = 0; round < options.Runs; round++)
        {
            // Untimed, before each round: the VM this was measured on keeps far less of its free
            // memory as page cache than it could, and evicts a large corpus between rounds.
            if (!options.Cold) ToolCatalog.WarmPageCache(file.Path);
            for (int k = 0; k < runs.Count; k++)
            {
                var tool = runs[(round + k) % runs.Count];
                if (tool.Failure is not null) continue;
                if (options.Cold) ToolCatalog.EvictFromPageCache(file.Path);
                var result = ChildProcess.Run(tool.Spec.FileName, tool.Spec.Arguments, scratch);
                tool.Add(result);
                log.WriteLine(tool.Failure is null
                    ? $"    run {round + 1}/{options.Runs} {tool.Spec.Key,-10} {result.WallSeconds,7:F2} s  {file.DecompressedBytes / 1e6 / result.WallSeconds,8:F1} MB/s  {result.PeakRssBytes / 1048576.0,7:F0} MiB  count {tool.LastCount?.Value.ToString() ?? "-"}"
                    : $"    run {round + 1}/{options.Runs} {tool.Spec.Key,-10} FAILED {tool.Failure}");
            }
        }
        double? busyAfter = ChildProcess.MachineBusySeconds();
        self.Refresh();
        double selfCpu = self.TotalProcessorTime.TotalSeconds - selfBefore;
        double? childCpu = runs.Aggregate((double?)0, (sum, t) => sum is { } a && t.CpuSeconds is { } b ? a + b : null);
        double? other = busyBefore is { } b0 && busyAfter is { } b1 && childCpu is { } c ? Math.Max(0, b1 - b0 - c - selfCpu) : null;
        return new FileComparison(corpus, file, runs, skipped, notes, clock.Elapsed.TotalSeconds, other);
    }
}
