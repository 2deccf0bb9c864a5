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
        var groups = events.GroupBy(e => GroupKey(spec, e));
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

    private static (string?, string?) GroupKey(AggregateSpec spec, Detection e)
    {
        string? Value(Parsing.Column c) => c switch
        {
            Parsing.Column.Username => e.Username,
            Parsing.Column.SourceIp => e.SourceIp,
            Parsing.Column.TargetUser => e.TargetUser,
            Parsing.Column.DeviceName => e.DeviceName,
            Parsing.Column.EventName => e.EventName,
            _ => throw new NotSupportedException($"grouping by {c} is not supported"),
        };
        return (spec.GroupBy.Length > 0 ? Value(spec.GroupBy[0]) : null, spec.GroupBy.Length > 1 ? Value(spec.GroupBy[1]) : null);
    }
}
