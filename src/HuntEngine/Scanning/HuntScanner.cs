using System.Diagnostics;
using HuntEngine.Matching;
using HuntEngine.Parsing;
using HuntEngine.Sources;

namespace HuntEngine.Scanning;

/// <summary>
/// Runs a hunt: sources → framing (<see cref="FileFramer"/>) → parse/normalize → batch → match
/// (<see cref="ScanWorker"/>), on the threads of <see cref="ScanThreads"/>, each with its own
/// parser, batch and matcher. A bounded queue and a block per thread are all that is held, so
/// memory stays bounded whatever the archive size. Results are merged and sorted once at the end,
/// so the output does not depend on thread count or timing.
/// <para>
/// Error policy: bad arguments and missing paths throw <see cref="HuntConfigurationException"/>
/// before any data is read; a file that cannot be opened or decompressed is recorded in its
/// <see cref="FileSummary"/> and the scan goes on; a bad record is counted with its offset.
/// </para>
/// </summary>
public static class HuntScanner
{
    public static ScanResult Run(ScanOptions options, CancellationToken cancel = default)
    {
        Validate(options);
        int threads = options.Threads;
        // --threads 1 is one thread: the caller's frames each block and processes it at once, with
        // no other thread beside it (no read-ahead either), so a user who asks for one core gets one.
        bool oneThread = threads == 1;
        // The compiled tables are built on first use, each one mostly JIT and one-off work; side by
        // side they cost about half the start-up they cost one after another in the first worker.
        var tables = oneThread ? null : Task.Run(() => BuildTables(options, sideBySide: true));
        var inputs = InputFiles.Expand(options.Paths);
        options.Progress?.Start(inputs.Select(f => f.Length).ToArray());
        var files = inputs.Select(f => new FileSummary { Path = f.Path, Error = f.Problem, ErrorOffset = f.Problem is null ? null : 0 }).ToArray();
        var context = new ScanContext(options, files);
        var readAhead = options.ReadAhead ?? (oneThread ? ReadAheadSettings.Off : ReadAheadSettings.Default);
        var clock = Stopwatch.StartNew();
        if (options.Store is { } store) Directory.CreateDirectory(store.Directory);
        var framer = new FileFramer(inputs, files, options, readAhead);
        TimeSpan startEnded = default, scanEnded = default;
        ScanWorker[] workers;
        using (var scanThreads = new ScanThreads(threads, framer.FrameFiles, cancel))
        {
            workers = scanThreads.Run(count =>
            {
                if (tables is null) BuildTables(options, sideBySide: false);
                else tables.GetAwaiter().GetResult();
                var made = Enumerable.Range(0, count).Select(i => new ScanWorker(context, i)).ToArray();
                startEnded = clock.Elapsed;
                return made;
            }, threadsDone: () => scanEnded = clock.Elapsed);
        }
        var detections = new List<Detection>(); // held in memory: every worker's within its budget, and the bursts
        var byKind = new long[RecordKinds.Count];
        long outside = 0, noTime = 0;
        bool spilled = false;
        try
        {
            foreach (var w in workers)
            {
                detections.AddRange(w.Detections.Held);
                spilled |= w.Detections.SpilledRows.Count > 0;
                for (int k = 0; k < byKind.Length; k++) byKind[k] += w.RecordsByKind[k];
                outside += w.Counters.OutsideWindow;
                noTime += w.Counters.NoTimeInWindow;
            }
            var logs = workers.Select(w => w.AggregateEvents).ToArray();
            for (int a = 0; a < CompiledPatterns.Default.Aggregates.Length; a++)
                detections.AddRange(BurstAggregator.FindBursts(a, CompiledPatterns.Default.Aggregates[a].Spec, logs));
        }
        catch
        {
            foreach (var w in workers) w.Detections.Dispose();
            throw;
        }
        finally
        {
            // The events' temporary files go whether the scan succeeded or not (Dispose never throws).
            foreach (var w in workers) w.AggregateEvents.Dispose();
        }
        IReadOnlyList<Detection> result;
        Func<string, long> countOf;
        if (!spilled)
        {
            foreach (var w in workers) w.Detections.Dispose();
            detections.Sort(Detection.CompareOutputOrder);
            result = detections;
            countOf = type => detections.Count(d => d.DetectionType == type);
        }
        else
        {
            // Past the memory budget: the rows stay in the workers' files until the output is
            // written, and the result reads them back in order (disposed with the ScanResult).
            var sorted = new SpilledDetections(detections, workers.Select(w => w.Detections).ToArray());
            result = sorted;
            countOf = type => sorted.CountOf(type);
        }
        clock.Stop();

        var detectionTypes = CompiledPatterns.Default.Patterns.Select(p => p.Name)
            .Concat(CompiledPatterns.Default.Aggregates.Select(a => a.Spec.Name))
            .ToDictionary(n => n, countOf);
        var summary = new ScanSummary
        {
            Files = files,
            RecordsByKind = Enumerable.Range(0, RecordKinds.Count).ToDictionary(k => RecordKinds.Name((RecordKind)k), k => byKind[k]),
            DetectionsByType = detectionTypes,
            Windowed = options.Window is not null,
            RecordsOutsideWindow = outside,
            RecordsWithoutTimeInWindow = noTime,
            Elapsed = clock.Elapsed,
            Phases = new ScanPhases(startEnded, scanEnded - startEnded, clock.Elapsed - scanEnded),
            PeakWorkingSetBytes = Process.GetCurrentProcess().PeakWorkingSet64,
            Threads = threads,
            Interrupted = cancel.IsCancellationRequested,
        };
        return new ScanResult(result, summary);
    }

    /// <summary>Builds the compiled tables, side by side on the thread pool or one after another.</summary>
    private static void BuildTables(ScanOptions options, bool sideBySide)
    {
        Action[] builds =
        [
            () => _ = FieldPlan.Default,
            () => _ = CompiledPatterns.Default,
            () => _ = options.Prefilter ? RecordPrefilter.Default : null,
            () => _ = InvariantLowering.NonAsciiToAscii,
        ];
        if (sideBySide)
            Parallel.Invoke(builds);
        else
            foreach (var build in builds) build();
    }

    private static void Validate(ScanOptions o)
    {
        if (o.Threads is < 1 or > 1024) ThrowHelper.ArgumentException_Threads(o.Threads);
        if (o.Paths.Count == 0) throw new HuntConfigurationException("no input paths given");
        if (o.Window is { FromMs: { } f, ToMs: { } t } && f >= t)
            ThrowHelper.ArgumentException_Window($"from ({DateTimeOffset.FromUnixTimeMilliseconds(f):O}) must be before to ({DateTimeOffset.FromUnixTimeMilliseconds(t):O})");
        if (o.MaxRecordBytes < 1024) throw new HuntConfigurationException($"max record size {o.MaxRecordBytes}: must be at least 1024 bytes");
        if (o.MaxDepth is < 2 or > 100_000) throw new HuntConfigurationException($"max depth {o.MaxDepth}: must be between 2 and 100000");
        if (o.MaxErrorsPerFile < 0) throw new HuntConfigurationException($"max errors per file {o.MaxErrorsPerFile}: must not be negative");
        if (o.DetectionMemoryBytes < 0) throw new HuntConfigurationException($"detection memory {o.DetectionMemoryBytes}: must not be negative");
    }
}
