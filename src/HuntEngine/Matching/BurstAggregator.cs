namespace HuntEngine.Matching;

/// <summary>
/// Finds bursts (spec §7.3) once every partition and file is done: events grouped by the spec's
/// columns (null is a group value of its own), each group sorted by (time, file, offset), then
/// scanned greedily. Sorting first makes the result independent of partitioning, thread count and
/// the order in which files finish. Events come from the workers' <see cref="AggregateEventLog"/>s;
/// only the first event of a burst is read back whole, as the burst's row.
/// </summary>
internal static class BurstAggregator
{
    public static List<Detection> FindBursts(int specIndex, AggregateSpec spec, IReadOnlyList<AggregateEventLog> logs)
    {
        var result = new List<Detection>();
        long spanMs = (long)spec.Span.TotalMilliseconds;
        // Plain loops, not Linq's GroupBy: over these tuple types its generic code is not in the
        // ReadyToRun image, and JIT-compiling it was most of this step's time (at the scan's end, on one core).
        var groups = new Dictionary<string, List<(AggregateEventLog Log, AggregateEventLog.Entry Event)>>(StringComparer.Ordinal);
        foreach (var log in logs)
        {
            foreach (var e in log.Entries)
            {
                if (e.Spec != specIndex) continue;
                if (!groups.TryGetValue(e.Group, out var events)) groups[e.Group] = events = new();
                events.Add((log, e));
            }
        }
        foreach (var ev in groups.Values)
        {
            ev.Sort((a, b) => Detection.CompareOutputOrder(a.Event.Key, b.Event.Key));
            int i = 0;
            while (i < ev.Count)
            {
                long limit = ev[i].Event.Key.TimeMs!.Value + spanMs;
                int j = i;
                while (j + 1 < ev.Count && ev[j + 1].Event.Key.TimeMs!.Value < limit) j++;
                int size = j - i + 1;
                if (size > spec.MoreThan)
                {
                    result.Add(ev[i].Log.Read(ev[i].Event) with { EventCount = size, WindowEndMs = ev[j].Event.Key.TimeMs });
                    i = j + 1;
                }
                else
                {
                    i++;
                }
            }
        }
        return result;
    }
}
