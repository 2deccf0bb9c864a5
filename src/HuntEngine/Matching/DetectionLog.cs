using HuntEngine.Sinks;

namespace HuntEngine.Matching;

/// <summary>
/// One worker's detections, kept for the final sort (spec §4 orders the whole output). They are
/// held in memory up to a byte budget; past it, each row goes to a <see cref="DetectionRowFile"/>
/// and only its sort key and type stay in memory (about 64 bytes), so a hunt that finds millions of
/// detections does not hold millions of raw records.
/// </summary>
internal sealed class DetectionLog : IDisposable
{
    /// <summary>A detection past the budget: its sort key (with its type, for the counts) and where its row is.</summary>
    internal readonly record struct Spilled(Detection.SortKey Key, long Row);

    private readonly List<Detection> _held = new();
    private readonly List<Spilled> _spilled = new();
    private readonly DetectionRowFile _rows;
    private readonly long _budget;
    private long _heldBytes;

    /// <param name="directory">Where the temporary file goes, if the budget is ever exceeded.</param>
    /// <param name="budgetBytes">How much of the detections' estimated size is held in memory.</param>
    public DetectionLog(string directory, long budgetBytes)
    {
        _rows = new DetectionRowFile(directory, "the detections past the memory budget");
        _budget = budgetBytes;
    }

    public int Count => _held.Count + _spilled.Count;
    public IReadOnlyList<Detection> Held => _held;
    public IReadOnlyList<Spilled> SpilledRows => _spilled;

    public void Add(Detection d)
    {
        long size = SizeOf(d);
        if (_spilled.Count == 0 && _heldBytes + size <= _budget)
        {
            _held.Add(d);
            _heldBytes += size;
            return;
        }
        _spilled.Add(new Spilled(new Detection.SortKey(d), _rows.Append(d)));
    }

    public Detection Read(Spilled s) => _rows.Read(s.Row);

    /// <summary>Drops the spilled rows' keys once the result holds them (their rows stay readable).</summary>
    internal void ForgetKeys()
    {
        _spilled.Clear();
        _spilled.TrimExcess();
    }

    /// <summary>A detection's heap size, roughly: the object and its strings (UTF-16), the raw record most of it.</summary>
    internal static long SizeOf(Detection d)
    {
        long chars = 0;
        foreach (var s in (ReadOnlySpan<string?>)[d.Username, d.SourceIp, d.EventName, d.LogSourceType, d.AppName, d.AppDisplayName,
                     d.UserType, d.RiskLevel, d.Raw, d.TargetUser, d.RemoteHost, d.ProcessName, d.DeviceName])
            if (s is not null) chars += s.Length + 12; // + the string object's header
        return 192 + 2 * chars;
    }

    public void Dispose() => _rows.Dispose();
}

/// <summary>
/// The detections of a scan in output order (spec §4) when some of them were spilled: held ones
/// are returned as they are, spilled ones read back from their worker's file when asked for. It
/// owns those files: dispose it (through <c>ScanResult</c>) once the output is written.
/// </summary>
internal sealed class SpilledDetections : IReadOnlyList<Detection>, IDisposable
{
    private readonly (Detection? Held, DetectionLog? Log, DetectionLog.Spilled Row)[] _order;
    private readonly IReadOnlyList<DetectionLog> _logs;

    public SpilledDetections(IEnumerable<Detection> held, IReadOnlyList<DetectionLog> logs)
    {
        _logs = logs;
        _order = held.Select(d => ((Detection?)d, (DetectionLog?)null, new DetectionLog.Spilled(new Detection.SortKey(d), -1)))
            .Concat(logs.SelectMany(log => log.SpilledRows.Select(s => ((Detection?)null, (DetectionLog?)log, s))))
            .ToArray();
        foreach (var log in logs) log.ForgetKeys(); // the keys live on here only: not held twice
        // The order of Detection.CompareOutputOrder, on the keys alone.
        Array.Sort(_order, static (a, b) => Detection.CompareOutputOrder(a.Row.Key, b.Row.Key));
    }

    public int Count => _order.Length;

    public Detection this[int index] => _order[index].Held ?? _order[index].Log!.Read(_order[index].Row);

    /// <summary>How many detections of each type, from the keys (no row is read).</summary>
    public int CountOf(string type) => _order.Count(o => o.Row.Key.Type == type);

    public IEnumerator<Detection> GetEnumerator()
    {
        for (int i = 0; i < _order.Length; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var log in _logs) log.Dispose();
    }
}
