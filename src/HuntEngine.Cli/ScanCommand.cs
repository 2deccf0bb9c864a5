using System.Globalization;
using HuntEngine.Matching;
using HuntEngine.Parquet;
using HuntEngine.Scanning;
using HuntEngine.Sinks;

namespace HuntEngine.Cli;

/// <summary>Exit statuses (README "Exit codes"). Distinct for each outcome a script needs to tell apart.</summary>
internal static class ExitCode
{
    public const int Detections = 0;
    public const int NoDetections = 1;
    public const int CouldNotRun = 2;
    public const int BadInputNoDetections = 3;
    public const int BadInputWithDetections = 4;
    /// <summary>Stopped by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM (128 + SIGTERM).</summary>
    public const int Terminated = 143;
}

/// <summary>The parsed arguments of <c>hunt scan</c>.</summary>
internal sealed record ScanArguments
{
    public List<string> Paths { get; } = new();
    /// <summary>The detections file given with <c>-o</c> (null: the default, or none with <c>--stdout</c>).</summary>
    public string? Out { get; set; }
    public string Format { get; set; } = "arrow";
    /// <summary>Arrow IPC buffer compression, when given (Arrow only).</summary>
    public OutputCompression? Compression { get; set; }
    /// <summary><c>--stdout ndjson|csv</c>: detections streamed to stdout, the human summary to stderr.</summary>
    public string? Stdout { get; set; }

    /// <summary>The detections file to write: <c>-o</c>, else the format's default name; none with <c>--stdout</c> and no <c>-o</c>.</summary>
    public string? Output => Out ?? (Stdout is not null ? null : Format == "parquet" ? "detections.parquet" : "detections.arrow");
    public string? SummaryJson { get; set; }
    public long? FromMs { get; set; }
    public long? ToMs { get; set; }
    public TimeSpan? Last { get; set; }
    public long? NowMs { get; set; }
    public int Threads { get; set; } = Environment.ProcessorCount;
    public int MaxRecordBytes { get; set; } = new ScanOptions { Paths = [] }.MaxRecordBytes;
    public int MaxDepth { get; set; } = new ScanOptions { Paths = [] }.MaxDepth;
    /// <summary>Detections printed in the summary; by default 20, none with <c>--stdout</c> (they are on stdout).</summary>
    public int? Show { get; set; }
    public bool Quiet { get; set; }
    public bool Validate { get; set; }
    public bool NoMemoryMap { get; set; }
    public string? Rejects { get; set; }
    public long MaxDecompressedBytes { get; set; } = new ScanOptions { Paths = [] }.MaxDecompressedBytes;
    public double MaxRatio { get; set; } = new ScanOptions { Paths = [] }.MaxRatio;
    public long MaxErrorsPerFile { get; set; } = new ScanOptions { Paths = [] }.MaxErrorsPerFile;
    public long DetectionMemoryBytes { get; set; } = new ScanOptions { Paths = [] }.DetectionMemoryBytes;

    public TimeWindow? Window()
    {
        if (Last is { } last)
        {
            long now = NowMs ?? ScanCommand.CeilingMilliseconds(DateTimeOffset.UtcNow);
            // The same half-open window as --from now-D --to now (spec §3 gives one window rule).
            return new TimeWindow(now - (long)last.TotalMilliseconds, now);
        }
        return FromMs is null && ToMs is null ? null : new TimeWindow(FromMs, ToMs);
    }
}

internal static class ScanCommand
{
    /// <param name="stopSignal">Set to 130 or 143 by the signal handler that cancelled <paramref name="cancel"/>.</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel, Func<int>? stopSignal = null)
    {
        ScanArguments a;
        ScanOptions options;
        try
        {
            a = Parse(args);
            options = new ScanOptions
            {
                Paths = a.Paths,
                Window = a.Window(),
                Threads = a.Threads,
                MaxRecordBytes = a.MaxRecordBytes,
                MaxDepth = a.MaxDepth,
                Prefilter = !a.Validate,
                MemoryMap = !a.NoMemoryMap,
                MaxDecompressedBytes = a.MaxDecompressedBytes,
                MaxRatio = a.MaxRatio,
                MaxErrorsPerFile = a.MaxErrorsPerFile,
                DetectionMemoryBytes = a.DetectionMemoryBytes,
                StoreFormats = Cli.StoreFormats,
            };
            foreach (var p in a.Paths)
                if (!File.Exists(p) && !Directory.Exists(p)) throw new HuntConfigurationException($"input path not found: '{p}'");
            if (a.Output is not null) AtomicFile.CheckWritable(a.Output);
            if (a.SummaryJson is not null) AtomicFile.CheckWritable(a.SummaryJson);
            if (a.Rejects is not null) AtomicFile.CheckWritable(a.Rejects);
        }
        catch (HuntConfigurationException e)
        {
            stderr.WriteLine($"hunt scan: {e.Message}");
            stderr.WriteLine("usage: hunt scan PATH... [-o FILE] [--format arrow|parquet] [--stdout ndjson|csv] [--compression none|lz4|zstd] [--summary-json FILE] [--from T] [--to T] [--last 7d] [--now T] [--threads N]");
            return ExitCode.CouldNotRun;
        }

        ScanResult result;
        using var rejects = a.Rejects is null ? null : new RejectsFile(a.Rejects);
        var progress = new ScanProgress();
        try
        {
            // The live line is on stderr only where stderr is a terminal (ProgressLine.ShouldShow).
            using (ProgressLine.ShouldShow(stderr, a.Quiet) ? new ProgressLine(stderr, progress) : null)
                result = HuntScanner.Run(options with { Rejects = rejects, Progress = progress }, cancel);
        }
        catch (HuntConfigurationException e)
        {
            stderr.WriteLine($"hunt scan: {e.Message}");
            return ExitCode.CouldNotRun;
        }
        catch (Exception e) when (TemporaryFileProblem(e) is { } problem)
        {
            // The burst pattern's events could not be kept in their temporary file: the machine's
            // problem, not the input's, and a result without those events would be wrong.
            stderr.WriteLine($"hunt scan: {problem.Message}");
            stderr.WriteLine("hunt scan: no result file written");
            return ExitCode.CouldNotRun;
        }
        using var owned = result; // detections past the memory budget are read back from temporary files until then

        var s = result.Summary;
        if (s.Interrupted)
        {
            // No result file: a partial one could be taken for the whole answer. The summary says what was scanned.
            int stopped = stopSignal?.Invoke() ?? ExitCode.Interrupted;
            if (a.SummaryJson is not null) SummaryJson.Write(a.SummaryJson, s, "interrupted", null, stopped);
            stderr.WriteLine($"hunt scan: interrupted after {s.DecompressedBytes} bytes; no result file written");
            return stopped;
        }
        int code = s.HadBadInput
            ? (s.Detections > 0 ? ExitCode.BadInputWithDetections : ExitCode.BadInputNoDetections)
            : (s.Detections > 0 ? ExitCode.Detections : ExitCode.NoDetections);
        string status = "completed";
        string target = a.Output ?? "stdout";
        TimeSpan? outputTime = null;
        try
        {
            var writing = System.Diagnostics.Stopwatch.StartNew();
            if (a.Output is not null && a.Format == "parquet") ParquetFileSink.Write(a.Output, result.Detections, cancel);
            else if (a.Output is not null) ArrowFileSink.Write(a.Output, result.Detections, a.Compression ?? OutputCompression.None, cancel);
            target = "stdout";
            if (a.Stdout == "ndjson") DetectionNdjsonWriter.WriteAll(stdout, result.Detections, cancel);
            else if (a.Stdout == "csv") DetectionCsvWriter.WriteAll(stdout, result.Detections, cancel);
            rejects?.Complete();
            outputTime = writing.Elapsed;
        }
        catch (OperationCanceledException)
        {
            code = stopSignal?.Invoke() ?? ExitCode.Interrupted;
            status = "interrupted";
            stderr.WriteLine("hunt scan: interrupted while writing the result; no result file written");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"hunt scan: could not write '{target}': {e.Message}");
            code = ExitCode.CouldNotRun;
            status = "output-failed";
        }
        // "output" in the summary: the detections file, or "-" when they went to stdout only.
        if (a.SummaryJson is not null)
            SummaryJson.Write(a.SummaryJson, s, status, status == "completed" ? a.Output ?? "-" : null, code, outputTime);
        if (!a.Quiet && status == "completed")
        {
            // With --stdout the pipe carries only detections: the human summary goes to stderr.
            string shown = a.Stdout is null ? a.Output! : a.Output is null ? $"stdout ({a.Stdout})" : $"{a.Output} and stdout ({a.Stdout})";
            TerminalReport.Write(a.Stdout is null ? stdout : stderr, result, shown, a.Show ?? (a.Stdout is null ? 20 : 0));
        }
        return code;
    }

    /// <summary>The temporary-file failure behind <paramref name="e"/>: raised on this thread, or by every worker that failed.</summary>
    private static HuntTemporaryFileException? TemporaryFileProblem(Exception e) => e switch
    {
        HuntTemporaryFileException t => t,
        AggregateException a when a.InnerExceptions.All(x => x is HuntTemporaryFileException) => (HuntTemporaryFileException)a.InnerExceptions[0],
        _ => null,
    };

    internal static ScanArguments Parse(string[] args)
    {
        var a = new ScanArguments();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new HuntConfigurationException($"{arg} needs a value");
                return args[++i];
            }
            switch (arg)
            {
                case "-o":
                case "--out": a.Out = Value(); break;
                case "--format":
                    a.Format = Value();
                    if (a.Format is not ("arrow" or "parquet")) throw new HuntConfigurationException($"--format '{a.Format}': supported: arrow, parquet");
                    break;
                case "--stdout":
                    a.Stdout = Value();
                    if (a.Stdout is not ("ndjson" or "csv")) throw new HuntConfigurationException($"--stdout '{a.Stdout}': expected ndjson or csv");
                    break;
                case "--compression":
                    string c = Value();
                    a.Compression = c switch
                    {
                        "none" => OutputCompression.None,
                        "lz4" => OutputCompression.Lz4,
                        "zstd" => OutputCompression.Zstd,
                        _ => throw new HuntConfigurationException($"--compression '{c}': expected none, lz4 or zstd"),
                    };
                    break;
                case "--summary-json": a.SummaryJson = Value(); break;
                case "--from": a.FromMs = ParseTime(arg, Value()); break;
                case "--to": a.ToMs = ParseTime(arg, Value()); break;
                case "--now": a.NowMs = ParseTime(arg, Value()); break;
                case "--last": a.Last = ParseDuration(Value()); break;
                case "--threads": a.Threads = ParseInt(arg, Value(), 1, 1024); break;
                case "--max-record-bytes": a.MaxRecordBytes = ParseInt(arg, Value(), 1024, int.MaxValue / 2); break;
                case "--max-depth": a.MaxDepth = ParseInt(arg, Value(), 2, 100_000); break;
                case "--show": a.Show = ParseInt(arg, Value(), 0, 1_000_000); break;
                case "--rejects": a.Rejects = Value(); break;
                case "--max-decompressed-bytes": a.MaxDecompressedBytes = ParseLong(arg, Value(), 1 << 20, long.MaxValue); break;
                case "--detection-memory": a.DetectionMemoryBytes = ParseLong(arg, Value(), 0, long.MaxValue); break;
                case "--max-ratio": a.MaxRatio = ParseLong(arg, Value(), 2, 1_000_000); break;
                case "--max-errors-per-file": a.MaxErrorsPerFile = ParseLong(arg, Value(), 0, long.MaxValue); break;
                case "--validate":
                case "--no-prefilter": a.Validate = true; break;
                case "--no-mmap": a.NoMemoryMap = true; break;
                case "-q":
                case "--quiet": a.Quiet = true; break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1) throw new HuntConfigurationException($"unknown option '{arg}'");
                    a.Paths.Add(arg);
                    break;
            }
        }
        if (a.Paths.Count == 0) throw new HuntConfigurationException("no input PATH given");
        if (a.Compression is not null && a.Format != "arrow")
            throw new HuntConfigurationException("--compression applies to --format arrow; Parquet output is always Snappy-compressed");
        if (a.Compression is not null && a.Output is null)
            throw new HuntConfigurationException("--compression applies to the detections file, and --stdout without -o writes none");
        if (a.Last is not null && (a.FromMs is not null || a.ToMs is not null))
            throw new HuntConfigurationException("--last cannot be combined with --from or --to");
        if (a.NowMs is not null && a.Last is null)
            throw new HuntConfigurationException("--now only applies with --last");
        if (a.FromMs is { } f && a.ToMs is { } t && f >= t)
            throw new HuntConfigurationException($"--from must be before --to, in whole milliseconds (the window is [from, to), and record times are to the millisecond)");
        return a;
    }

    /// <summary>
    /// ISO 8601 date or date-time; no zone means UTC. As milliseconds rounded up: record times are
    /// whole milliseconds, so for any record time t, t ≥ from and t &lt; to hold exactly when they
    /// hold for the bounds rounded up (rounded down, a bound of 10:15:30.0005 would take in a record
    /// of 10:15:30.000 as --from and leave out a record of 10:15:30.000 as --to).
    /// </summary>
    internal static long ParseTime(string option, string value)
    {
        string[] formats =
        [
            "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
            "yyyy-MM-ddTHH:mmK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
        ];
        if (DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return CeilingMilliseconds(t);
        throw new HuntConfigurationException($"{option} '{value}': not a time; use ISO 8601 such as 2026-11-20 or 2026-11-20T10:15:30Z (no zone = UTC)");
    }

    /// <summary>Unix milliseconds of <paramref name="t"/>, rounded up to the next whole millisecond.</summary>
    internal static long CeilingMilliseconds(DateTimeOffset t) =>
        t.ToUnixTimeMilliseconds() + (t.UtcTicks % TimeSpan.TicksPerMillisecond == 0 ? 0 : 1);

    /// <summary>A duration such as <c>7d</c>, <c>36h</c>, <c>90m</c>, <c>30s</c> or <c>2w</c>.</summary>
    internal static TimeSpan ParseDuration(string value)
    {
        // At most 10,000 years: any window longer covers every possible log time, and the bound keeps
        // the arithmetic (and "now" minus it) far from overflowing.
        const long MaxSeconds = 10_000L * 366 * 86_400;
        if (value.Length >= 2 && long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0)
        {
            long? unit = value[^1] switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => null,
            };
            if (unit is { } u)
            {
                if (n > MaxSeconds / u) throw new HuntConfigurationException($"--last '{value}': at most 10000 years");
                return TimeSpan.FromSeconds(n * u);
            }
        }
        throw new HuntConfigurationException($"--last '{value}': expected a positive number and a unit s, m, h, d or w (e.g. 7d)");
    }

    private static long ParseLong(string option, string value, long min, long max)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n >= min && n <= max) return n;
        throw new HuntConfigurationException($"{option} '{value}': expected a whole number from {min} to {max}");
    }

    private static int ParseInt(string option, string value, int min, int max)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max) return n;
        throw new HuntConfigurationException($"{option} '{value}': expected a whole number from {min} to {max}");
    }
}
