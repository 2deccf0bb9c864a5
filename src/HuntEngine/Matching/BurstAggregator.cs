namespace HuntEngine.Matching;

/// <summary>
/// Finds bursts (spec §7.3) once every partition and file is done: events grouped by the spec's
/// columns (null is a group value of its own), each group sorted by (time, file, offset), then
/// scanned greedily. Sorting first makes the result independent of partitioning, thread count and
/// the order in which files finish.
/// </summary>
internal static class BurstAggregator
{
    public static List<Detection> FindBursts(AggregateSpec spec, IEnumerable<Detection> events)
    {
        var result = new List<Detection>();
        long spanMs = (long)spec.Span.TotalMilliseconds;
        // Group key: each column's value length-prefixed (unambiguous whatever the text holds), "-" for null,
        // so null is a group value of its own and differs from "".
        var groups = events.GroupBy(e => string.Concat(spec.GroupBy.Select(c => e.Text(c) is { } v ? $"{v.Length}:{v}" : "-")));
        foreach (var group in groups)
        {
            var ev = group.ToList();
            ev.Sort(Detection.CompareOutputOrder);
            int i = 0;
            while (i < ev.Count)
            {
                long limit = ev[i].EventTimeMs!.Value + spanMs;
                int j = i;
                while (j + 1 < ev.Count && ev[j + 1].EventTimeMs!.Value < limit) j++;
                int size = j - i + 1;
                if (size > spec.MoreThan)
                {
                    result.Add(ev[i] with { EventCount = size, WindowEndMs = ev[j].EventTimeMs });
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
