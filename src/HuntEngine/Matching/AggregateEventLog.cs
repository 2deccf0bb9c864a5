using HuntEngine.Sinks;

namespace HuntEngine.Matching;

/// <summary>
/// One worker's events of the aggregate patterns (spec §7.3), kept until every file is read. In
/// memory each event is only what the burst scan needs: its pattern, group and sort key (time, file,
/// offset; about 64 bytes, group keys shared). Its full row, raw record included, goes to a
/// <see cref="DetectionRowFile"/> and is read back only for the first event of a burst. Holding
/// whole rows grew the heap by about 26 MiB per GiB of a typical archive (every guest invitation
/// is an event), so memory grew with the archive instead of with the bursts. The raw record is
/// written as its UTF-8 bytes, and made a string only when read back: as a string for every event
/// it was three quarters of what a scan allocated (28 of 38 MiB for 1 GiB of a typical archive).
/// </summary>
internal sealed class AggregateEventLog : IDisposable
{
    /// <summary>An event as the burst scan sees it; <see cref="Row"/> is where its full row is in the log's file.</summary>
    internal readonly record struct Entry(int Spec, string Group, Detection.SortKey Key, long Row);

    private readonly List<Entry> _entries = new();
    private readonly Dictionary<string, string> _groups = new(StringComparer.Ordinal);
    private readonly DetectionRowFile _rows;

    /// <param name="directory">Where the temporary file goes (created on the first event; never left behind).</param>
    public AggregateEventLog(string directory) => _rows = new DetectionRowFile(directory, "the burst pattern's events");

    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>
    /// Records <paramref name="row"/> as an event of aggregate pattern number <paramref name="spec"/>;
    /// its raw record is <paramref name="rawUtf8"/> (empty: none, a store part written without it),
    /// and the row's own <see cref="Detection.Raw"/> is not used. Read back, the row has it as text.
    /// </summary>
    public void Add(int spec, AggregateSpec aggregate, Detection row, ReadOnlySpan<byte> rawUtf8)
    {
        string key = GroupKey(aggregate, row);
        if (!_groups.TryGetValue(key, out var group)) _groups[key] = group = key;
        var order = new Detection.SortKey(row) with { RawIsNull = rawUtf8.IsEmpty };
        _entries.Add(new Entry(spec, group, order, _rows.Append(row, rawUtf8)));
    }

    /// <summary>
    /// The group of an event: each group-by column's value length-prefixed (unambiguous whatever the
    /// text holds), "-" for null, so null is a group value of its own and differs from "".
    /// </summary>
    internal static string GroupKey(AggregateSpec aggregate, Detection row) =>
        string.Concat(aggregate.GroupBy.Select(c => row.Text(c) is { } v ? $"{v.Length}:{v}" : "-"));

    /// <summary>The full row of an event of this log, as it was added.</summary>
    public Detection Read(Entry entry) => _rows.Read(entry.Row);

    public void Dispose() => _rows.Dispose();
}
