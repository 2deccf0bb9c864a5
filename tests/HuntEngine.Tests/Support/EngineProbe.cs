using System.Text;
using HuntEngine.Batches;
using HuntEngine.Matching;
using HuntEngine.Parsing;
using HuntEngine.Scanning;

namespace HuntEngine.Tests.Support;

/// <summary>One record through the engine's own parser, normalizer and matcher, for focused rule tests.</summary>
internal static class EngineProbe
{
    public sealed record Row(RecordKind Kind, IReadOnlyDictionary<Column, object?> Values)
    {
        public object? this[Column c] => Values[c];
    }

    public static Row Normalize(string json, bool csvTimestamps = false)
    {
        var (batch, kind) = Build(json, csvTimestamps);
        var values = new Dictionary<Column, object?>();
        for (int c = 0; c < Columns.Count; c++)
        {
            var col = (Column)c;
            values[col] = col switch
            {
                Column.EventTime => batch.EventTime.Get(0),
                Column.SentBytes => batch.SentBytes.Get(0),
                _ => batch.Strings(col).GetString(0),
            };
        }
        return new Row(kind, values);
    }

    /// <summary>The label the engine gives the record (null when it is no detection).</summary>
    public static string? Detect(string json, TimeWindow? window = null)
    {
        var (batch, _) = Build(json, false);
        using var detections = new DetectionLog(Path.GetTempPath(), long.MaxValue);
        using var events = new AggregateEventLog(Path.GetTempPath());
        var counters = new MatchCounters();
        new BatchMatcher(CompiledPatterns.Default, window).Match(batch, "probe", detections, events, ref counters);
        return detections.Held.SingleOrDefault()?.DetectionType;
    }

    private static (NormalizedBatch, RecordKind) Build(string json, bool csvTimestamps)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var parser = new RecordParser(FieldPlan.Default, 512);
        var outcome = parser.Parse(bytes, 0, bytes.Length);
        if (outcome != ParseOutcome.Ok) throw new InvalidOperationException($"record rejected: {outcome} {parser.LastError}");
        var normalizer = new RecordNormalizer(parser, KindCatalog.Kinds) { UsPortalTimestamps = csvTimestamps };
        var kind = normalizer.Classify();
        var batch = new NormalizedBatch { Source = bytes };
        normalizer.AppendRow(batch, kind, 0, 0, bytes.Length);
        return (batch, kind);
    }

    /// <summary>Every record of a file as the engine frames and normalizes it (malformed ones as null).</summary>
    public static List<(long Offset, Row? Row)> RowsOf(string path)
    {
        var rows = new List<(long, Row?)>();
        using var source = HuntEngine.Sources.SourceStream.Open(path);
        var blocks = new List<HuntEngine.Framing.RecordBlock>();
        var framer = new HuntEngine.Framing.JsonStreamFramer(source.Decoded, 0, HuntEngine.Framing.FramingLimits.Default, blocks.Add, CancellationToken.None);
        var head = framer.Prefetch(4096);
        framer.Run(head.StartsWith("\uFEFF"u8) ? 3 : 0);
        foreach (var block in blocks)
        {
            void Add(long offset, byte[] bytes) =>
                rows.Add((offset, ParseOutcomeOf(bytes) == ParseOutcome.Ok ? Normalize(System.Text.Encoding.UTF8.GetString(bytes)) : null));
            foreach (var f in block.Frames)
            {
                switch (f.Kind)
                {
                    case HuntEngine.Framing.FrameKind.Record:
                        Add(f.Offset, block.Bytes(f).ToArray());
                        break;
                    case HuntEngine.Framing.FrameKind.LineChunk:
                        var chunk = block.Bytes(f);
                        int pos = 0;
                        while (HuntEngine.Framing.NdjsonLines.Next(chunk, ref pos, out int start, out int length))
                            Add(f.Offset + start, chunk.Slice(start, length).ToArray());
                        break;
                    default:
                        rows.Add((f.Offset, null));
                        break;
                }
            }
            block.Release();
        }
        return rows;
    }

    public static ParseOutcome ParseOutcomeOf(byte[] bytes)
    {
        var parser = new RecordParser(FieldPlan.Default, 512);
        return parser.Parse(bytes, 0, bytes.Length);
    }

    /// <summary>
    /// Scans files written to a fresh temp folder (name → bytes) and returns the result. Every record
    /// is parsed (no prefilter) unless <paramref name="tweak"/> says otherwise, so counts of kinds and
    /// malformed records are complete; the differential and prefilter tests run both ways.
    /// </summary>
    public static ScanResult ScanFiles(IReadOnlyDictionary<string, byte[]> files, Func<ScanOptions, ScanOptions>? tweak = null)
    {
        using var dir = new TempDir();
        foreach (var (name, content) in files) File.WriteAllBytes(Path.Combine(dir.Path, name), content);
        var options = new ScanOptions { Paths = [dir.Path], Threads = 2, Prefilter = false };
        if (tweak is not null) options = tweak(options);
        return HuntScanner.Run(options);
    }

    public static ScanResult ScanText(string content, Func<ScanOptions, ScanOptions>? tweak = null) =>
        ScanFiles(new Dictionary<string, byte[]> { ["input.json"] = Encoding.UTF8.GetBytes(content) }, tweak);
}

/// <summary>A temp folder removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hunt-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Where the repository and the shared samples are, from the test binary's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary><c>../shared</c> beside the checkout (CI has it; a user's clone may not). HUNTENGINE_SHARED overrides.</summary>
    public static string? Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("HUNTENGINE_SHARED");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
            var p = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", "shared"));
            return Directory.Exists(System.IO.Path.Combine(p, "samples", "real")) ? p : null;
        }
    }

    public static string RealSample(string relative) =>
        System.IO.Path.Combine(Shared ?? throw new InvalidOperationException("../shared is absent"), "samples", "real", relative);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "HuntEngine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("HuntEngine.sln not found above the test binaries");
    }
}

/// <summary>A fact that needs <c>../shared/samples/real</c>: skipped, with the reason shown, where it is absent.</summary>
public sealed class RealSamplesFactAttribute : FactAttribute
{
    public RealSamplesFactAttribute()
    {
        if (RepoPaths.Shared is null) Skip = "../shared/samples/real is absent (a user's clone); CI has it";
    }
}

/// <summary>Interrupts a scan the way Ctrl+C does, once it is under way.</summary>
internal static class ScanInterruption
{
    /// <summary>A started thread that cancels <paramref name="cancel"/> as soon as the scan has framed its first records; join it after the scan.</summary>
    public static Thread CancelOnceFramed(ScanProgress progress, CancellationTokenSource cancel)
    {
        var watcher = new Thread(() =>
        {
            while (!cancel.IsCancellationRequested && progress.Read().RecordsFramed == 0) Thread.Sleep(1);
            cancel.Cancel();
        });
        watcher.Start();
        return watcher;
    }
}
