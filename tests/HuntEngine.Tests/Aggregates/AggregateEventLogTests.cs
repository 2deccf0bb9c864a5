using HuntEngine.Matching;
using HuntEngine.Parsing;

namespace HuntEngine.Tests.Aggregates;

/// <summary>
/// The burst pattern's events are kept as (group, time, file, offset) in memory and their rows in
/// a temporary file: every row must come back exactly as it went in, and the file must go.
/// </summary>
public sealed class AggregateEventLogTests
{
    private static readonly AggregateSpec Spec = PatternCatalog.Aggregates[0];

    private static string? Text(Random rng)
    {
        if (rng.Next(5) == 0) return null;
        string[] pieces = ["a", "é", "#EXT#", "\ud83d\ude00", "\ud800", "\udc00", "\"", "\\", "\n", "", "203.0.113.7", "\u212A"];
        var sb = new System.Text.StringBuilder();
        int n = rng.Next(0, 12);
        for (int i = 0; i < n; i++) sb.Append(pieces[rng.Next(pieces.Length)]);
        return sb.ToString();
    }

    private static long? Long(Random rng) => rng.Next(4) == 0 ? null : rng.NextInt64(long.MinValue, long.MaxValue);

    private static Detection RandomRow(Random rng, string file) => new()
    {
        EventTimeMs = Long(rng),
        Username = Text(rng),
        SourceIp = Text(rng),
        EventName = Text(rng),
        LogSourceType = Text(rng),
        AppName = Text(rng),
        AppDisplayName = Text(rng),
        UserType = Text(rng),
        RiskLevel = Text(rng),
        DetectionType = PatternCatalog.InviteBurst,
        SourceFile = file,
        SourceOffset = rng.NextInt64(0, long.MaxValue),
        Raw = rng.Next(3) == 0 ? null : new string('x', rng.Next(0, 70_000)) + Text(rng),
        TargetUser = Text(rng),
        RemoteHost = Text(rng),
        ProcessName = Text(rng),
        SentBytes = Long(rng),
        DeviceName = Text(rng),
        EventCount = rng.Next(),
        WindowEndMs = Long(rng),
    };

    [Fact]
    public void Every_row_reads_back_exactly_as_added_and_no_file_is_left()
    {
        string dir = Directory.CreateTempSubdirectory("hunt-log-").FullName;
        try
        {
            var rng = new Random(5);
            var rows = Enumerable.Range(0, 400).Select(i => RandomRow(rng, i % 2 == 0 ? "a.ndjson" : "b.ndjson")).ToList();
            using (var log = new AggregateEventLog(dir))
            {
                foreach (var row in rows) log.Add(0, Spec, row);
                // On Unix the file is unlinked as soon as it is open, so a killed scan leaves nothing.
                Assert.Equal(OperatingSystem.IsWindows() ? 1 : 0, Directory.GetFiles(dir).Length);
                Assert.Equal(rows.Count, log.Entries.Count);
                // Read in a scrambled order, as bursts are found group by group.
                foreach (int i in Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()))
                {
                    var e = log.Entries[i];
                    Assert.Equal(rows[i], log.Read(e));
                    Assert.Equal((rows[i].EventTimeMs, rows[i].SourceFile, rows[i].SourceOffset), (e.TimeMs, e.SourceFile, e.SourceOffset));
                    Assert.Equal(AggregateEventLog.GroupKey(Spec, rows[i]), e.Group);
                }
                // Adding after reading appends, and earlier rows stay readable.
                var extra = RandomRow(rng, "c.ndjson");
                log.Add(0, Spec, extra);
                Assert.Equal(extra, log.Read(log.Entries[^1]));
                for (int i = 0; i < rows.Count; i++) Assert.Equal(rows[i], log.Read(log.Entries[i]));
            }
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Groups_are_told_apart_by_value_and_null_differs_from_empty()
    {
        Detection Row(string? user, string? ip) => new() { Username = user, SourceIp = ip, DetectionType = "x", SourceFile = "f" };
        var keys = new[] { Row("a", "b"), Row("a", null), Row("a", ""), Row(null, "a"), Row("", "a"), Row("a:1", "b"), Row("a", "1:b"), Row(null, null) }
            .Select(r => AggregateEventLog.GroupKey(Spec, r)).ToList();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(AggregateEventLog.GroupKey(Spec, Row("a", "b")), AggregateEventLog.GroupKey(Spec, Row("a", "b")));
        Assert.Equal([Column.Username, Column.SourceIp], Spec.GroupBy);
    }

    [Fact]
    public void A_folder_that_cannot_take_the_file_is_named_in_the_error()
    {
        string missing = Path.Combine(Path.GetTempPath(), "hunt-no-such-folder-" + Guid.NewGuid().ToString("N"));
        using var log = new AggregateEventLog(missing);
        var e = Assert.Throws<HuntTemporaryFileException>(() => log.Add(0, Spec, RandomRow(new Random(1), "a.ndjson")));
        Assert.Contains(missing, e.Message);
        Assert.Contains("TMPDIR", e.Message);
    }
}
