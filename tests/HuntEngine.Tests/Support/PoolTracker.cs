using System.Diagnostics.Tracing;

namespace HuntEngine.Tests.Support;

/// <summary>
/// Watches ArrayPool&lt;byte&gt;.Shared on the calling thread (ArrayPoolEventSource: rented, returned) while
/// it is open: which arrays went back more times than they were rented, and which were rented and not
/// given back. In-process listeners are called on the thread that writes the event, so only what this
/// thread rents and returns counts (one-thread scans run wholly on it); with <c>allThreads</c>, the
/// engine's own threads (named <c>hunt-*</c>) count too, but not the test runner's, whose buffers
/// come and go at any time.
/// </summary>
internal sealed class PoolTracker : EventListener
{
    [ThreadStatic] private static PoolTracker? t_active;
    private readonly Dictionary<int, int> _balance = new(); // buffer id -> rents - returns
    private readonly Dictionary<int, int> _sizes = new();
    private readonly HashSet<int> _rentedHere = new();
    private readonly HashSet<int> _rentedBefore = new();
    private bool _ready;
    private readonly bool _allThreads;
    private readonly object _gate = new();
    private readonly int _creator = Environment.CurrentManagedThreadId;

    /// <param name="allThreads">Every thread's rents and returns (only when nothing else runs in the process).</param>
    public PoolTracker(bool allThreads = false)
    {
        _allThreads = allThreads;
        _ready = true;
        foreach (var s in EventSource.GetSources()) OnEventSourceCreated(s);
        t_active = this;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "System.Buffers.ArrayPoolEventSource" && _ready) EnableEvents(source, EventLevel.Verbose, EventKeywords.All);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.Payload is null || e.Payload.Count < 2) return;
        if (_allThreads ? !IsScanThread() : t_active != this) return;
        int id = (int)e.Payload[0]!;
        int size = (int)e.Payload[1]!;
        if (size < 1024) return; // the engine's buffers; not small scratch rents
        lock (_gate)
        switch (e.EventName)
        {
            case "BufferRented":
                if (_rentedBefore.Contains(id)) break;
                _balance[id] = _balance.GetValueOrDefault(id) + 1;
                _sizes[id] = size;
                _rentedHere.Add(id);
                break;
            case "BufferReturned":
                // An array whose first event here is its return was rented before tracking began
                // (by another thread, when all threads are watched): its later rents and returns
                // would leave it one short, which is no double return. It is not counted.
                if (!_balance.ContainsKey(id)) { _rentedBefore.Add(id); break; }
                if (_rentedBefore.Contains(id)) break;
                _balance[id] = _balance.GetValueOrDefault(id) - 1;
                _sizes[id] = size;
                break;
        }
    }

    private bool IsScanThread() =>
        Environment.CurrentManagedThreadId == _creator || Thread.CurrentThread.Name?.StartsWith("hunt-", StringComparison.Ordinal) == true;

    /// <summary>Arrays (by id, with size) given back more often than rented while tracking.</summary>
    public List<(int Id, int Size, int Times)> ReturnedTwice => Snapshot().Where(x => x.Balance < 0).Select(x => (x.Id, x.Size, -x.Balance)).ToList();

    /// <summary>Arrays rented while tracking and not given back.</summary>
    public List<(int Id, int Size)> Outstanding => Snapshot().Where(x => x.Balance > 0).Select(x => (x.Id, x.Size)).ToList();

    // An array rented before tracking began (another thread's) and returned during it is not counted.
    private List<(int Id, int Size, int Balance)> Snapshot()
    {
        lock (_gate) return _balance.Where(kv => _rentedHere.Contains(kv.Key)).Select(kv => (kv.Key, _sizes[kv.Key], kv.Value)).ToList();
    }

    /// <summary>The largest array rented or returned while tracking.</summary>
    public int Largest { get { lock (_gate) return _sizes.Count == 0 ? 0 : _sizes.Values.Max(); } }

    public override void Dispose()
    {
        t_active = null;
        base.Dispose();
    }
}
