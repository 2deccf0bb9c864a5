using System.Text;
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

    /// <summary>
    /// The output tests' synthetic detections (every column, nulls, CSV- and JSON-hostile text), with
    /// what a row file must also carry through: lone surrogates (which a UTF-8 round trip would
    /// replace), long raw records, and the extremes of the numbers.
    /// </summary>
    private static List<Detection> Rows(int count, int seed)
    {
        string[] odd = ["\ud800", "a\udc00b", "\ud83d\ude00", "\u212A", ""];
        return Outputs.OutputRows.Synthetic(count, seed).Select((d, i) => (i % 4) switch
        {
            0 => d with { Username = odd[i % odd.Length], SourceIp = odd[(i + 1) % odd.Length] },
            1 => d with { Raw = new string('x', 70_000 + i) + odd[i % odd.Length], EventTimeMs = long.MinValue },
            2 => d with { SourceOffset = long.MaxValue, SentBytes = long.MinValue, EventCount = int.MaxValue, WindowEndMs = long.MaxValue },
            _ => d,
        }).ToList();
    }

    /// <summary>
    /// Adds a row as the matcher does: its raw record as the UTF-8 bytes of the file. What comes
    /// back is the row with that raw text as the matcher would have decoded it (a lone surrogate,
    /// which a file's bytes cannot hold, comes back as U+FFFD).
    /// </summary>
    private static Detection Add(AggregateEventLog log, Detection row)
    {
        byte[]? raw = string.IsNullOrEmpty(row.Raw) ? null : Encoding.UTF8.GetBytes(row.Raw);
        log.Add(0, Spec, row with { Raw = "not this: the bytes given are the raw record" }, raw);
        return row with { Raw = raw is null ? null : Encoding.UTF8.GetString(raw) };
    }

    [Fact]
    public void Every_row_reads_back_exactly_as_added_and_no_file_is_left()
    {
        string dir = Directory.CreateTempSubdirectory("hunt-log-").FullName;
        try
        {
            var rng = new Random(5);
            var added = Rows(400, seed: 5);
            using (var log = new AggregateEventLog(dir))
            {
                var rows = added.Select(row => Add(log, row)).ToList();
                // On Unix the file is unlinked as soon as it is open, so a killed scan leaves nothing.
                Assert.Equal(OperatingSystem.IsWindows() ? 1 : 0, Directory.GetFiles(dir).Length);
                Assert.Equal(rows.Count, log.Entries.Count);
                // Read in a scrambled order, as bursts are found group by group.
                foreach (int i in Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()))
                {
                    var e = log.Entries[i];
                    Assert.Equal(rows[i], log.Read(e));
                    Assert.Equal(new Detection.SortKey(rows[i]), e.Key);
                    Assert.Equal(AggregateEventLog.GroupKey(Spec, rows[i]), e.Group);
                }
                // Adding after reading appends, and earlier rows stay readable.
                var extra = Add(log, Rows(1, seed: 6)[0] with { Raw = "{\"a\":\"\u00e9\u212a\ud83d\ude00\"}" });
                Assert.Equal("{\"a\":\"\u00e9\u212a\ud83d\ude00\"}", extra.Raw);
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
        Assert.Equal(AggregateEventLog.GroupKey(Spec, Row("a", "b")), AggregateEventLog.GroupKey(Spec, Row(new string('a', 1), new string('b', 1)))); // equal text, other string objects
        Assert.Equal([Column.Username, Column.SourceIp], Spec.GroupBy);
    }

    [Fact]
    public void A_folder_that_cannot_take_the_file_is_named_in_the_error()
    {
        string missing = Path.Combine(Path.GetTempPath(), "hunt-no-such-folder-" + Guid.NewGuid().ToString("N"));
        using var log = new AggregateEventLog(missing);
        var e = Assert.Throws<HuntTemporaryFileException>(() => Add(log, Rows(1, seed: 1)[0]));
        Assert.Contains(missing, e.Message);
        Assert.Contains("TMPDIR", e.Message);
    }
}
