using System.Text;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Framing;

/// <summary>
/// A pretty-printed top-level object that is cut short or broken is one malformed record (spec §5),
/// whatever its nested lines hold: a nested object on one line is not a record, so it can never
/// become a detection. Framing goes on at the next line that opens an object (the next object of a
/// <c>jq .</c> stream). A broken first line of an NDJSON file still loses only that line.
/// </summary>
public sealed class BrokenPrettyObjectTests
{
    private const string InnerRiskyGuest = """{"createdDateTime":"2026-11-20T10:15:30Z","userPrincipalName":"inner-line","ipAddress":"1.1.1.1","appDisplayName":"Microsoft Teams","userType":"guest","riskLevelDuringSignIn":"high"}""";

    private static string PrettyTeams(string user) => $$"""
        {
          "CreationTime": "2026-11-20T10:15:30",
          "Operation": "MessageSent",
          "RecordType": 25,
          "Workload": "MicrosoftTeams",
          "UserId": "{{user}}"
        }

        """;

    private static IEnumerable<Func<ScanOptions, ScanOptions>> Modes() =>
    [
        o => o,
        o => o with { Prefilter = true },
        o => o with { MapEveryFile = true, MemoryMap = true },
        o => o with { MemoryMap = false, Threads = 1 },
    ];

    /// <summary>The file's one bad record: where it is and why (a part of the reason), among the records framed.</summary>
    private static void AssertOneBadRecord(FileSummary f, long framed, long offset, string reason)
    {
        Assert.Equal((framed, 1L), (f.RecordsFramed, f.Malformed));
        Assert.Equal(offset, f.MalformedSamples[0].Offset);
        Assert.Contains(reason, f.MalformedSamples[0].Reason, StringComparison.Ordinal);
    }

    /// <summary>The file mapped, read, and gzipped (1 MiB reads plain, 64 KiB of decoded bytes compressed).</summary>
    private static (string Name, byte[] Content, Func<ScanOptions, ScanOptions> Mode)[] ReadPaths(byte[] text) =>
        Support.ReadPaths.Of("a.json", text, Codec.Gzip);

    [Fact]
    public void A_truncated_pretty_record_is_one_malformed_record_and_its_nested_lines_are_not_records()
    {
        string cut = "{\n  \"id\": \"outer-1\",\n  \"category\": \"Export\",\n  \"events\": [\n    " + InnerRiskyGuest + "\n  ],\n  \"note\": \"this record was cut";
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(cut, mode);
            Assert.Empty(r.Detections);
            AssertOneBadRecord(r.Summary.Files[0], framed: 1, offset: 0, "pretty-printed");
        }
    }

    [Fact]
    public void A_broken_object_in_a_jq_stream_loses_only_itself()
    {
        // Three pretty objects; the second has a bracket that does not balance and a one-line nested object that would fire.
        string broken = "{\n  \"id\": \"broken\",\n  \"events\": [\n    " + InnerRiskyGuest + "\n  },\n  \"x\": 1\n}\n";
        string text = PrettyTeams("helpdesk-a@x.com") + broken + PrettyTeams("helpdesk-c@x.com");
        long brokenAt = PrettyTeams("helpdesk-a@x.com").Length;
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(text, mode);
            var f = r.Summary.Files[0];
            Assert.Equal(["helpdesk-a@x.com", "helpdesk-c@x.com"], r.Detections.Select(d => d.Username).Order(StringComparer.Ordinal));
            Assert.Equal(1, f.Malformed);
            Assert.Equal(brokenAt, f.MalformedSamples[0].Offset);
            Assert.Equal(3, f.RecordsFramed);
            Assert.Null(f.Error);
        }
    }

    [Fact]
    public void A_pretty_object_closed_early_by_a_stray_brace_is_one_malformed_record_with_the_lines_after_it()
    {
        // As in the Entra docs' sign-in sample: "location" has one "}" too many, so the object's
        // brackets balance early, and its nested one-line objects (here two that would fire) follow
        // as top-level lines. The object is not valid JSON up to there (a trailing comma).
        string broken = "{\n  \"id\": \"x\",\n  \"location\": {\n      \"city\": \"City\",\n      }\n  },\n  \"events\": [\n    "
            + InnerRiskyGuest + ",\n    " + InnerRiskyGuest.Replace("inner-line", "inner-line-2", StringComparison.Ordinal) + "\n  ]\n}\n";
        string text = broken + PrettyTeams("helpdesk-b@x.com");
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(text, mode);
            Assert.Equal("helpdesk-b@x.com", Assert.Single(r.Detections).Username);
            AssertOneBadRecord(r.Summary.Files[0], framed: 2, offset: 0, "pretty-printed");
        }
    }

    [Fact]
    public void A_whole_pretty_object_followed_by_stray_content_stays_a_record_and_the_stray_lines_are_one_bad_record()
    {
        // Valid JSON up to its closing brace: a record. What follows up to the next object's first
        // line is one bad record, and a nested-looking object in it is not a record.
        string first = PrettyTeams("helpdesk-a@x.com");
        string stray = "  ],\n  \"more\": [\n    " + InnerRiskyGuest + "\n  ]\n}\n";
        string text = first + stray + PrettyTeams("helpdesk-c@x.com");
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(text, mode);
            Assert.Equal(["helpdesk-a@x.com", "helpdesk-c@x.com"], r.Detections.Select(d => d.Username).Order(StringComparer.Ordinal));
            // At the first stray byte that is not a blank.
            AssertOneBadRecord(r.Summary.Files[0], framed: 3, offset: first.Length + 2, "content after the end");
        }
    }

    [Fact]
    public void A_pretty_object_that_never_closes_before_the_next_one_is_one_malformed_record()
    {
        // The first object lost its closing brace: the next object's "{" at the start of a line ends it.
        string text = PrettyTeams("helpdesk-a@x.com").Replace("}\n", "\n", StringComparison.Ordinal) + PrettyTeams("helpdesk-b@x.com");
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(text, mode);
            var f = r.Summary.Files[0];
            Assert.Equal("helpdesk-b@x.com", Assert.Single(r.Detections).Username);
            Assert.Equal(1, f.Malformed);
            Assert.Equal(0, f.MalformedSamples[0].Offset);
        }
    }

    [Fact]
    public void The_record_after_a_broken_pretty_object_is_read_wherever_the_reads_end()
    {
        // The broken object ends so that the next line starts at, or around, the end of a read:
        // 1 MiB for a plain file (mapped or read), 64 KiB of decoded bytes for a compressed one.
        string after = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"Workload":"MicrosoftTeams","UserId":"helpdesk-after@x.com"}""" + "\n";
        string head = "{\n  \"note\": \"a\tb\",\n  \"pad\": \"";
        foreach (int boundary in new[] { 1 << 20, 64 << 10 })
            for (int shift = -2; shift <= 2; shift++)
            {
                int pad = boundary + shift - head.Length - "\"\n}\n".Length;
                var text = Encoding.ASCII.GetBytes(head + new string('p', pad) + "\"\n}\n" + after);
                Assert.Equal(boundary + shift, text.Length - after.Length);
                foreach (var (name, content, mode) in ReadPaths(text))
                {
                    var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [name] = content }, mode);
                    var f = r.Summary.Files[0];
                    string ctx = $"next line at {boundary + shift}, {name}";
                    Assert.True(r.Detections.Count == 1, $"{ctx}: {r.Detections.Count} detections, {f.RecordsFramed} framed");
                    Assert.Equal((2L, 1L), (f.RecordsFramed, f.Malformed));
                }
            }
    }

    [Fact]
    public void Stray_content_after_a_pretty_object_is_framed_alike_wherever_the_reads_end()
    {
        // The object's closing brace falls at, or around, the end of a read, so the look past it
        // for what follows crosses a read. Valid up to there, it stays a record; with a trailing
        // comma it is one bad record with the stray lines. Either way the nested object in the stray
        // lines is not a record, and the next object is read.
        string stray = "\n  ],\n  \"more\": [\n    " + InnerRiskyGuest + "\n  ]\n}\n";
        string head = "{\n  \"CreationTime\": \"2026-11-20T10:15:30\",\n  \"Operation\": \"MessageSent\",\n  \"RecordType\": 25,\n  \"Workload\": \"MicrosoftTeams\",\n  \"UserId\": \"helpdesk-a@x.com\",\n  \"pad\": \"";
        foreach (bool valid in new[] { true, false })
            foreach (int boundary in new[] { 1 << 20, 64 << 10 })
                for (int shift = -3; shift <= 3; shift++)
                {
                    string close = valid ? "\"\n}" : "\",\n}";
                    int pad = boundary + shift - head.Length - close.Length;
                    var text = Encoding.ASCII.GetBytes(head + new string('p', pad) + close + stray + PrettyTeams("helpdesk-b@x.com"));
                    foreach (var (name, content, mode) in ReadPaths(text))
                    {
                        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [name] = content }, mode);
                        var f = r.Summary.Files[0];
                        string ctx = $"valid {valid}, brace ends at {boundary + shift}, {name}";
                        string[] expected = valid ? ["helpdesk-a@x.com", "helpdesk-b@x.com"] : ["helpdesk-b@x.com"];
                        Assert.True(expected.SequenceEqual(r.Detections.Select(d => d.Username!).Order(StringComparer.Ordinal)), ctx);
                        Assert.True((valid ? 3L : 2L, 1L) == (f.RecordsFramed, f.Malformed), $"{ctx}: {f.RecordsFramed} framed, {f.Malformed} malformed");
                        Assert.True(f.MalformedSamples[0].Offset == (valid ? boundary + shift + 3 : 0), $"{ctx}: bad record at {f.MalformedSamples[0].Offset}");
                    }
                }
    }

    [Fact]
    public void Stray_content_is_looked_for_within_the_record_limit_alike_on_every_read_path()
    {
        // What follows a pretty object is looked for up to the record limit from its start: the
        // same outcome mapped, read and gzipped, whether the object and its blanks end inside the
        // limit or past it, and wherever the reads end (64 KiB decoded, 1 MiB plain). A review
        // found gzip framing the nested object of the stray lines as a record where plain did not.
        const int Limit = 4096;
        string stray = "\n  ],\n  \"more\": [\n    " + InnerRiskyGuest + "\n  ]\n}\n";
        static string Pretty(string user, int pad) => $"{{\n  \"CreationTime\": \"2026-11-20T10:15:30\",\n  \"Operation\": \"MessageSent\",\n  \"RecordType\": 25,\n  \"Workload\": \"MicrosoftTeams\",\n  \"UserId\": \"{user}\",\n  \"pad\": \"{new string('p', pad)}\"\n}}";
        int bare = Pretty("helpdesk-a@x.com", 0).Length;
        foreach (int size in new[] { 400, Limit - 4, Limit - 3, Limit - 1, Limit })
            foreach (int blanks in new[] { 0, Limit - size - 3, Limit - size + 1, 2 * Limit })
                foreach (int endAt in new[] { 0, (64 << 10) - 1, (64 << 10) + 1, (1 << 20) - 1, 1 << 20 })
                {
                    if (blanks < 0) continue;
                    string record = Pretty("helpdesk-a@x.com", size - bare);
                    int fill = endAt - size;
                    string filler = fill <= 0 ? "" : Pretty("nobody", fill - bare - 1) + "\n";
                    if (fill > 0 && fill < bare + 1) continue;
                    string text = filler + record + new string(' ', blanks) + stray + Pretty("helpdesk-b@x.com", 0) + "\n";
                    var outcomes = ReadPaths(Encoding.ASCII.GetBytes(text)).Select(path =>
                    {
                        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [path.Name] = path.Content }, o => path.Mode(o with { MaxRecordBytes = Limit }));
                        var f = r.Summary.Files[0];
                        return $"{string.Join(",", r.Detections.Select(d => d.Username).Order(StringComparer.Ordinal))} framed {f.RecordsFramed} malformed {f.Malformed}";
                    }).ToList();
                    Assert.True(outcomes.Distinct().Count() == 1, $"size {size}, blanks {blanks}, end at {endAt}: {string.Join(" | ", outcomes)}");
                    // Within the limit the stray lines are one bad record and their nested object is not a record.
                    if (size + blanks + 3 <= Limit) Assert.DoesNotContain("inner-line", outcomes[0], StringComparison.Ordinal);
                }
    }

    [Fact]
    public void An_oversized_object_and_a_files_leading_blanks_are_framed_alike_on_every_read_path()
    {
        // Two decisions that used to look as far as a read happened to go (1 MiB plain, 64 KiB of
        // decoded bytes): whether an object over the limit is an NDJSON first line that lost its
        // brace (the next line opens an object), and where a file's first non-blank byte is (it
        // tells the container). Both now look within the record limit only. A review's cases:
        const int Limit = 1024;
        string Teams(string user) => $$"""{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"{{user}}","Workload":"MicrosoftTeams"}""";
        string[] texts =
        [
            "{\"a\":\"" + new string('x', 100_000) + "\"}\n{\"broken\":1\n" + Teams("helpdesk@evil.com") + "\n}\n",
            PrettyTeams("helpdesk-a@x.com") + "{\"big\":\"" + new string('x', 100_000) + "\"}\n" + Teams("helpdesk-b@x.com") + "\n" + PrettyTeams("helpdesk-c@x.com"),
            "{\"a\":\"" + new string('x', 700) + "\"}\n" + Teams("helpdesk-d@x.com") + "\n",
            new string('\n', 100_000) + "CreationTime,Operation,Workload,UserId,AuditData\n2026-11-20T10:15:30,MessageSent,MicrosoftTeams,helpdesk@evil.com,\"" + Teams("helpdesk@evil.com").Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\n",
            string.Concat(Enumerable.Repeat("\u00a0\n", 40_000)) + Teams("helpdesk-e@x.com") + "\n",
            "\n\n" + Teams("helpdesk-f@x.com") + "\n",
        ];
        foreach (var text in texts)
        {
            var outcomes = ReadPaths(Encoding.UTF8.GetBytes(text)).Select(path =>
            {
                var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [path.Name] = path.Content }, o => path.Mode(o with { MaxRecordBytes = Limit }));
                var f = r.Summary.Files[0];
                return $"{string.Join(",", r.Detections.Select(d => d.Username).Order(StringComparer.Ordinal))} {f.Container} framed {f.RecordsFramed} malformed {f.Malformed} oversized {f.Oversized} "
                    + string.Join(";", f.MalformedSamples.Select(m => $"{m.Offset}:{m.Reason}"));
            }).ToList();
            Assert.True(outcomes.Distinct().Count() == 1, $"{text[..Math.Min(40, text.Length)].ReplaceLineEndings(" ")}...: {string.Join(" | ", outcomes)}");
        }
    }

    [Fact]
    public void A_whole_unindented_pretty_object_followed_by_a_stray_line_loses_nothing_after_it()
    {
        // json.dumps(o, indent=0): nested objects and the next object both start in the first
        // column, so the stray line is read line by line, as before, and the records after it are read.
        string Flat(string user) => string.Join("\n", "{", "\"CreationTime\": \"2026-11-20T10:15:30\",", "\"Operation\": \"MessageSent\",", "\"RecordType\": 25,", "\"Workload\": \"MicrosoftTeams\",", $"\"UserId\": \"{user}\"", "}") + "\n";
        string text = Flat("helpdesk-1@x.com") + ",\n" + Flat("helpdesk-2@x.com") + Flat("helpdesk-3@x.com");
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(text, mode);
            var f = r.Summary.Files[0];
            Assert.Equal(3, r.Detections.Count);
            Assert.Equal((4L, 1L), (f.RecordsFramed, f.Malformed));
        }
    }

    [Fact]
    public void A_broken_object_whose_printer_does_not_indent_is_one_bad_record_to_the_end()
    {
        // json.dumps(o, indent=0) / Go MarshalIndent(v, "", ""): nested objects start in the first column too.
        string Flat(string user) => string.Join("\n", "{", "\"CreationTime\": \"2026-11-20T10:15:30\",", "\"Operation\": \"MessageSent\",", "\"RecordType\": 25,", "\"Workload\": \"MicrosoftTeams\",", $"\"UserId\": \"{user}\"", "}");
        string text = string.Join("\n", "{", "\"batch\": \"x\",", "\"items\": [", Flat("helpdesk-1@x.com") + ",", Flat("helpdesk-2@x.com"), "]", "}") + "\n";
        string cut = text[..^3];
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(cut, mode);
            var f = r.Summary.Files[0];
            Assert.Empty(r.Detections);
            Assert.Equal((1L, 1L), (f.RecordsFramed, f.Malformed));
        }
    }

    [Fact]
    public void A_lone_surrogate_in_a_top_level_members_string_is_read_not_a_crash()
    {
        foreach (string text in new[] { "{\"a\": \"\\ud800x\"}\n", "{\n  \"a\": \"\\ud800x\",\n  \"b\": 1\n}\n", "{\"\\udc00\": 1, \"value\": [{\"a\": 1}]}" })
        {
            var r = EngineProbe.ScanText(text);
            var f = r.Summary.Files[0];
            Assert.Null(f.Error);
            Assert.Equal((1L, 1L, 0L), (f.RecordsFramed, f.RecordsParsed, f.Malformed));
        }
    }

    [Fact]
    public void A_broken_first_line_of_ndjson_still_loses_only_that_line()
    {
        string good = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"Workload":"MicrosoftTeams","UserId":"helpdesk@x.com"}""";
        string text = good[..^1] + "\n" + good + "\n" + InnerRiskyGuest + "\n";
        foreach (var mode in Modes())
        {
            var r = EngineProbe.ScanText(text, mode);
            Assert.Equal(2, r.Detections.Count);
            Assert.Equal(1, r.Summary.Files[0].Malformed);
        }
    }
}
