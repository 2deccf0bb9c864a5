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
        var groups = logs
            .SelectMany(log => log.Entries.Where(e => e.Spec == specIndex).Select(e => (Log: log, Event: e)))
            .GroupBy(x => x.Event.Group, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var ev = group.ToList();
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
