using System.Text;
using HuntEngine.Batches;
using HuntEngine.Parsing;

namespace HuntEngine.Matching;

/// <summary>Counts the matcher keeps per worker; merged once at the end.</summary>
internal struct MatchCounters
{
    public long OutsideWindow;
    public long NoTimeInWindow;
}

/// <summary>The patterns compiled once per scan; shared read-only by every worker's matcher.</summary>
internal sealed class CompiledPatterns
{
    public CompiledPatterns(IReadOnlyList<PatternSpec> patterns, IReadOnlyList<AggregateSpec> aggregates)
    {
        Patterns = patterns.Select(p => (p.Name, Order(p.AllOf))).ToArray();
        Aggregates = aggregates.Select(a => (a, Order(a.Events))).ToArray();
    }

    public static CompiledPatterns Default { get; } = new(PatternCatalog.Patterns, PatternCatalog.Aggregates);

    public (string Name, CompiledCondition[] Conditions)[] Patterns { get; }
    public (AggregateSpec Spec, CompiledCondition[] Conditions)[] Aggregates { get; }

    // Cheapest, most selective tests first: exact and ordinal literals before lowering a value.
    private static CompiledCondition[] Order(Condition[] conditions) =>
        conditions.Select(c => new CompiledCondition(c)).OrderBy(c => Cost(c.Spec.Op)).ToArray();

    private static int Cost(MatchOp op) => op switch
    {
        MatchOp.NotNull or MatchOp.GreaterThan => 0,
        MatchOp.EqualsAny => 1,
        MatchOp.Contains => 2,
        MatchOp.AsciiIgnoreCaseContains => 3,
        MatchOp.HostInDomains => 3,
        _ => 4,
    };
}

/// <summary>
/// Applies the compiled patterns to a <see cref="NormalizedBatch"/> column by column: each
/// condition narrows a selection vector of row numbers, so a value is tested only while its row is
/// still a candidate. A row takes the label of the first pattern, in catalog order, that it matches.
/// One per worker (it owns its scratch).
/// </summary>
internal sealed class BatchMatcher
{
    private readonly CompiledPatterns _patterns;
    private readonly TimeWindow? _window;
    private int[] _inWindow = new int[1024];
    private int[] _candidates = new int[1024];
    private bool[] _labelled = new bool[1024];
    private byte[] _scratch = new byte[256];

    public BatchMatcher(CompiledPatterns patterns, TimeWindow? window)
    {
        _patterns = patterns;
        _window = window;
    }

    public void Match(NormalizedBatch batch, string sourceFile, DetectionLog detections, AggregateEventLog aggregateEvents, ref MatchCounters counters)
    {
        int n = batch.Count;
        if (_inWindow.Length < n)
        {
            _inWindow = new int[n * 2];
            _candidates = new int[n * 2];
            _labelled = new bool[n * 2];
        }
        int inWindow = 0;
        for (int r = 0; r < n; r++)
        {
            if (_window is { } w)
            {
                var t = batch.EventTime.Get(r);
                if (t is null) { counters.NoTimeInWindow++; continue; }
                if (!w.Contains(t.Value)) { counters.OutsideWindow++; continue; }
            }
            _inWindow[inWindow++] = r;
        }
        Array.Clear(_labelled, 0, n);

        foreach (var (name, conditions) in _patterns.Patterns)
        {
            int count = 0;
            for (int i = 0; i < inWindow; i++)
            {
                int r = _inWindow[i];
                if (!_labelled[r]) _candidates[count++] = r;
            }
            count = Narrow(batch, conditions, count);
            for (int i = 0; i < count; i++)
            {
                int r = _candidates[i];
                _labelled[r] = true;
                detections.Add(ToDetection(batch, r, name, sourceFile));
            }
        }

        for (int a = 0; a < _patterns.Aggregates.Length; a++)
        {
            var (spec, conditions) = _patterns.Aggregates[a];
            _inWindow.AsSpan(0, inWindow).CopyTo(_candidates);
            int count = Narrow(batch, conditions, inWindow);
            for (int i = 0; i < count; i++)
            {
                // The raw record goes to the events' file as the UTF-8 it is: only a burst's first
                // event is read back, so the others never need it as a string.
                int r = _candidates[i];
                var row = ToDetection(batch, r, spec.Name, sourceFile, withRaw: false);
                aggregateEvents.Add(a, spec, row, batch.TryRaw(r, out var raw) ? raw : default);
            }
        }
    }

    private int Narrow(NormalizedBatch batch, CompiledCondition[] conditions, int count)
    {
        foreach (var c in conditions)
        {
            if (count == 0) break;
            count = c.Filter(batch, _candidates, count, ref _scratch);
        }
        return count;
    }

    /// <summary>The only place a row becomes objects: it is a detection (or an aggregate's event).</summary>
    internal static Detection ToDetection(NormalizedBatch b, int r, string type, string sourceFile, bool withRaw = true) => new()
    {
        EventTimeMs = b.EventTime.Get(r),
        Username = b.Strings(Column.Username).GetString(r),
        SourceIp = b.Strings(Column.SourceIp).GetString(r),
        EventName = b.Strings(Column.EventName).GetString(r),
        LogSourceType = b.Strings(Column.LogSourceType).GetString(r),
        AppName = b.Strings(Column.AppName).GetString(r),
        AppDisplayName = b.Strings(Column.AppDisplayName).GetString(r),
        UserType = b.Strings(Column.UserType).GetString(r),
        RiskLevel = b.Strings(Column.RiskLevel).GetString(r),
        DetectionType = type,
        SourceFile = b.FromStore ? b.StoredSourceFile.GetString(r) ?? sourceFile : sourceFile,
        SourceOffset = b.Offset(r),
        Raw = withRaw && b.TryRaw(r, out var raw) ? Encoding.UTF8.GetString(raw) : null,
        TargetUser = b.Strings(Column.TargetUser).GetString(r),
        RemoteHost = b.Strings(Column.RemoteHost).GetString(r),
        ProcessName = b.Strings(Column.ProcessName).GetString(r),
        SentBytes = b.SentBytes.Get(r),
        DeviceName = b.Strings(Column.DeviceName).GetString(r),
    };
}
