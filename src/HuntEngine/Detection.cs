namespace HuntEngine;

/// <summary>
/// One row of the detections file (spec §4, §7.1). Strings are the normalized column values;
/// times are UTC milliseconds since the Unix epoch. Only detections are materialized as objects:
/// they are few, and the hot path never builds one for a record that does not match.
/// </summary>
public sealed record Detection
{
    public long? EventTimeMs { get; init; }
    public string? Username { get; init; }
    public string? SourceIp { get; init; }
    public string? EventName { get; init; }
    public string? LogSourceType { get; init; }
    public string? AppName { get; init; }
    public string? AppDisplayName { get; init; }
    public string? UserType { get; init; }
    public string? RiskLevel { get; init; }
    public required string DetectionType { get; init; }
    public required string SourceFile { get; init; }
    public long SourceOffset { get; init; }
    /// <summary>The record's text; null only for a detection from a columnar store written without <c>--keep-raw</c>.</summary>
    public string? Raw { get; init; }
    public string? TargetUser { get; init; }
    public string? RemoteHost { get; init; }
    public string? ProcessName { get; init; }
    public long? SentBytes { get; init; }
    public string? DeviceName { get; init; }
    public int EventCount { get; init; } = 1;
    public long? WindowEndMs { get; init; }

    /// <summary>The value of a string column (an aggregate's group-by, say); null for the int64 columns.</summary>
    internal string? Text(Parsing.Column column) => column switch
    {
        Parsing.Column.Username => Username,
        Parsing.Column.SourceIp => SourceIp,
        Parsing.Column.EventName => EventName,
        Parsing.Column.LogSourceType => LogSourceType,
        Parsing.Column.AppName => AppName,
        Parsing.Column.AppDisplayName => AppDisplayName,
        Parsing.Column.UserType => UserType,
        Parsing.Column.RiskLevel => RiskLevel,
        Parsing.Column.TargetUser => TargetUser,
        Parsing.Column.RemoteHost => RemoteHost,
        Parsing.Column.ProcessName => ProcessName,
        Parsing.Column.DeviceName => DeviceName,
        _ => throw new ArgumentOutOfRangeException(nameof(column), column, "not a string column"),
    };

    /// <summary>The output order of spec §4: event_time (nulls last), source_file (by code point: <see cref="CodePointOrder"/>), source_offset.</summary>
    /// <remarks>
    /// Rows equal on those three (a store converted without <c>--keep-raw</c> hunted beside its
    /// archive gives the same record twice) are ordered by detection type, then the row without raw
    /// text first, so the output is the same whatever the threads and the memory budget.
    /// </remarks>
    public static int CompareOutputOrder(Detection a, Detection b) =>
        CompareOutputOrder(new SortKey(a), new SortKey(b));

    /// <summary>What the output order looks at: the spec's three columns and the two tie-breakers.</summary>
    internal readonly record struct SortKey(long? TimeMs, string SourceFile, long SourceOffset, string Type, bool RawIsNull)
    {
        public SortKey(Detection d) : this(d.EventTimeMs, d.SourceFile, d.SourceOffset, d.DetectionType, d.Raw is null) { }
    }

    /// <summary>The same order on the sort key alone (for rows held as keys, their text elsewhere).</summary>
    internal static int CompareOutputOrder(in SortKey a, in SortKey b)
    {
        int c = (a.TimeMs, b.TimeMs) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            ({ } x, { } y) => x.CompareTo(y),
        };
        if (c != 0) return c;
        c = CodePointOrder.Compare(a.SourceFile, b.SourceFile);
        if (c != 0) return c;
        c = a.SourceOffset.CompareTo(b.SourceOffset);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Type, b.Type);
        return c != 0 ? c : b.RawIsNull.CompareTo(a.RawIsNull);
    }
}
