using System.Text;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Framing;

/// <summary>Spec §1 containers and compressions, and §5 framing of bad input.</summary>
public sealed class ContainerTests
{
    // Three detections and two clean records, written compactly and with awkward whitespace.
    private static readonly string[] Records =
    [
        """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk@evil.com","Workload":"MicrosoftTeams"}""",
        """{"CreationTime":"2026-11-20T10:16:30","Operation":"MessageSent","RecordType":25,"UserId":"alice@corp.com","Workload":"MicrosoftTeams","Note":"brackets ] } [ { and a quote \" inside"}""",
        """{ "activityDateTime" : "2026-11-20T10:17:00Z" , "activityDisplayName" : "Consent to application", "targetResources" : [ { "displayName" : "Dropbox" } ] }""",
        """{"createdDateTime":"2026-11-20T10:18:00Z","userPrincipalName":"g#EXT#@corp","appDisplayName":"Microsoft Teams","userType":"guest","riskLevelDuringSignIn":"high"}""",
        """{"createdDateTime":"2026-11-20T10:19:00Z","userPrincipalName":"m@corp","appDisplayName":"Microsoft Teams","userType":"member","riskLevelDuringSignIn":"high"}""",
    ];

    private static readonly string[] Expected = ["Teams_ITImpersonation", "SuspiciousOAuthGrant", "RiskyGuestSignin"];

    public static TheoryData<string, Codec> Layouts()
    {
        var data = new TheoryData<string, Codec>();
        foreach (var layout in new[] { "ndjson", "ndjson-crlf-blank", "array", "array-pretty", "value", "records", "value-pretty", "records-oneline" })
            foreach (var codec in Codecs.All)
                data.Add(layout, codec);
        return data;
    }

    internal static string Write(string layout) => layout switch
    {
        "ndjson" => string.Join("\n", Records) + "\n",
        "ndjson-crlf-blank" => "\uFEFF" + "\r\n   \r\n" + string.Join("\r\n\t \r\n", Records), // BOM, blank lines, no final newline
        "array" => "[" + string.Join(",", Records) + "]",
        "array-pretty" => "[\n  " + string.Join(",\n  ", Records) + "\n]\n",
        "value" => """{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[""" + string.Join(",", Records) + "]}",
        "records" => "{\n  \"records\": [\n" + string.Join(",\n", Records) + "\n  ]\n}\n",
        "value-pretty" => "{\n  \"@odata.nextLink\": \"https://x/?$skiptoken=a]b}\",\n  \"value\" : [\n    " + string.Join(",\n    ", Records) + "\n  ],\n  \"@odata.count\": 5\n}",
        "records-oneline" => """{"records":[""" + string.Join(",", Records) + "]}",
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Same_records_give_the_same_detections_in_every_container_and_compression(string layout, Codec codec)
    {
        var text = Encoding.UTF8.GetBytes(Write(layout));
        var content = Codecs.Compress(text, codec, members: 3);
        var result = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["archive.bin"] = content });
        var prefiltered = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["archive.bin"] = content }, o => o with { Prefilter = true });
        Assert.Equal(Expected, prefiltered.Detections.Select(d => d.DetectionType));
        Assert.Equal(5, prefiltered.Summary.RecordsParsed + prefiltered.Summary.RecordsCleared);
        Assert.Equal(Expected, result.Detections.Select(d => d.DetectionType));
        Assert.Equal(5, result.Summary.RecordsParsed);
        Assert.Equal(0, result.Summary.Malformed);
        Assert.False(result.Summary.HadBadInput);
        Assert.Equal(text.Length, result.Summary.DecompressedBytes);
        foreach (var d in result.Detections)
        {
            // source_offset points at the record's '{' in the decompressed stream, and raw is the record as written.
            Assert.Equal(d.Raw, Encoding.UTF8.GetString(text, (int)d.SourceOffset, Encoding.UTF8.GetByteCount(d.Raw!)));
            Assert.Contains(d.Raw, Records);
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(257)]
    [InlineData(4096)]
    public void Tiny_blocks_frame_exactly_like_large_ones(int blockBytes)
    {
        foreach (var layout in new[] { "ndjson", "ndjson-crlf-blank", "array-pretty", "value-pretty", "records" })
        {
            using var dir = new TempDir();
            var path = Path.Combine(dir.Path, "x.json");
            File.WriteAllText(path, Write(layout));
            var big = HuntScanner.Run(new ScanOptions { Paths = [path], Threads = 1 });
            var tiny = HuntScanner.Run(new ScanOptions { Paths = [path], Threads = 3, BlockBytes = blockBytes });
            Assert.Equal(big.Detections, tiny.Detections);
            Assert.Equal(3, tiny.Detections.Count);
            Assert.Equal(big.Summary.RecordsFramed, tiny.Summary.RecordsFramed);
        }
    }

    [Fact]
    public void Single_pretty_printed_record_is_one_record()
    {
        var pretty = "{\n  \"CreationTime\": \"2026-11-20T10:15:30\",\n  \"Operation\": \"ChatCreated\",\n  \"Workload\": \"MicrosoftTeams\",\n  \"UserId\": \"ServiceDesk@x.com\"\n}\n";
        var r = EngineProbe.ScanText(pretty);
        Assert.Equal(1, r.Summary.RecordsParsed);
        Assert.Equal("Teams_ITImpersonation", Assert.Single(r.Detections).DetectionType);
        Assert.Equal(0, r.Detections[0].SourceOffset);
    }

    [Fact]
    public void Concatenated_pretty_printed_records_are_each_read()
    {
        var one = "{\n  \"CreationTime\": \"2026-11-20T10:15:30\",\n  \"Operation\": \"ChatCreated\",\n  \"Workload\": \"MicrosoftTeams\",\n  \"UserId\": \"ServiceDesk@x.com\"\n}";
        var r = EngineProbe.ScanText(one + "\n" + one.Replace("10:15", "10:16"));
        Assert.Equal(2, r.Summary.RecordsParsed);
        Assert.Equal([0L, one.Length + 1L], r.Detections.Select(d => d.SourceOffset));
    }

    [Fact]
    public void Non_object_elements_and_lines_are_malformed_and_the_scan_goes_on()
    {
        var r = EngineProbe.ScanText("[" + Records[0] + ", 42, \"text\", [1], null, " + Records[2] + "]");
        Assert.Equal(6, r.Summary.RecordsFramed);
        Assert.Equal(2, r.Summary.RecordsParsed);
        Assert.Equal(4, r.Summary.Malformed);
        Assert.Equal(2, r.Detections.Count);
        Assert.All(r.Summary.Files[0].MalformedSamples, b => Assert.Contains("not an object", b.Reason));

        var lines = EngineProbe.ScanText(Records[0] + "\n[1,2]\n\"x\"\n" + Records[2] + "\n");
        Assert.Equal(2, lines.Summary.Malformed);
        Assert.Equal(2, lines.Detections.Count);
    }

    [Fact]
    public void Malformed_ndjson_lines_are_counted_with_offsets_and_the_rest_is_read()
    {
        string bad1 = """{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent",""";
        string bad2 = """{"a":tru}""";
        string text = Records[0] + "\n" + bad1 + "\n" + bad2 + "\n" + Records[2] + "\n";
        var r = EngineProbe.ScanText(text);
        Assert.Equal(4, r.Summary.RecordsFramed);
        Assert.Equal(2, r.Summary.Malformed);
        Assert.Equal(2, r.Detections.Count);
        var samples = r.Summary.Files[0].MalformedSamples;
        Assert.Equal(new long[] { Records[0].Length + 1, Records[0].Length + 1 + bad1.Length + 1 }, samples.Select(s => s.Offset));
        Assert.All(samples, s => Assert.StartsWith("invalid JSON", s.Reason));
        Assert.True(r.Summary.HadBadInput);
    }

    [Theory]
    [InlineData("\f")]                  // form feed
    [InlineData("\v \t")]               // vertical tab among JSON blanks
    [InlineData("\u00A0")]              // no-break space (C2 A0)
    [InlineData("\u3000\u2028\u0085")]  // ideographic space, line separator, next line
    [InlineData(" \u2003 \r")]          // em space between blanks, CRLF line
    public void Lines_of_unicode_whitespace_are_blank(string blank)
    {
        // Spec §1: "blank or whitespace-only lines ignored"; whitespace as Unicode (and most trims) has it.
        string text = Records[0] + "\n" + blank + "\n" + Records[2] + "\n" + blank;
        foreach (bool prefilter in new[] { true, false })
        {
            var r = EngineProbe.ScanText(text, o => o with { Prefilter = prefilter });
            Assert.Equal((2L, 0L), (r.Summary.RecordsFramed, r.Summary.Malformed));
            Assert.Equal(2, r.Detections.Count);
        }
        // Not blank: a letter after the whitespace, or a byte that is not UTF-8.
        var letter = EngineProbe.ScanText(Records[0] + "\n" + blank + "x\n" + Records[2] + "\n");
        Assert.Equal((3L, 1L), (letter.Summary.RecordsFramed, letter.Summary.Malformed));
        var bytes = Encoding.UTF8.GetBytes(Records[0] + "\n\u00A0\n").Concat(new byte[] { 0xC2, (byte)'\n' }).ToArray();
        var invalid = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["x.json"] = bytes });
        Assert.Equal((2L, 1L), (invalid.Summary.RecordsFramed, invalid.Summary.Malformed));
    }

    /// <summary>
    /// Blank first lines (Unicode whitespace, spec §1) do not decide the container: the first
    /// non-blank byte does, so NDJSON after a line of no-break spaces is still NDJSON, not CSV. Also
    /// when the blank line is longer than the first bytes sniffed (4 KiB), with a character cut there.
    /// </summary>
    [Theory]
    [InlineData("\u00A0\n", Codec.None)]
    [InlineData("\f\r\n", Codec.Gzip)]
    [InlineData("\uFEFF \t\n\u3000 \n\n", Codec.Zstd)]
    [InlineData("LONG", Codec.None)]
    [InlineData("LONG", Codec.Lz4)]
    public void Blank_first_lines_of_unicode_whitespace_do_not_make_ndjson_a_csv(string blank, Codec codec)
    {
        if (blank == "LONG") blank = " " + new string('\u00A0', 5000) + "\n"; // byte 4096 falls inside a character
        string ndjson = string.Join("\n", Records) + "\n";
        var plain = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["a.json"] = Encoding.UTF8.GetBytes(ndjson) });
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["a.json"] = Codecs.Compress(Encoding.UTF8.GetBytes(blank + ndjson), codec) });
        var f = r.Summary.Files[0];
        Assert.Equal("ndjson", f.Container);
        Assert.Equal((5L, 0L), (f.RecordsFramed, f.Malformed));
        long shift = Encoding.UTF8.GetByteCount(blank);
        Assert.Equal(plain.Detections.Select(d => d.SourceOffset + shift), r.Detections.Select(d => d.SourceOffset));

        // A line that is not all whitespace is the first non-blank one, as before: here a CSV header.
        var csv = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["a.json"] = Encoding.UTF8.GetBytes("\u00A0x\n" + ndjson) });
        Assert.Equal("csv", csv.Summary.Files[0].Container);
    }

    [Fact]
    public void Damaged_first_line_of_ndjson_does_not_lose_the_following_lines()
    {
        // The first line is cut inside a string: the file is still read line by line.
        string text = """{"CreationTime":"2026-11-20T10:15""" + "\n" + Records[0] + "\n" + Records[2] + "\n";
        var r = EngineProbe.ScanText(text);
        Assert.Equal(1, r.Summary.Malformed);
        Assert.Equal(2, r.Detections.Count);

        // ... and cut between tokens, where brackets alone cannot tell.
        text = """{"CreationTime":"2026-11-20T10:15:00","Operation":1""" + "\n" + Records[0] + "\n" + Records[2] + "\n";
        r = EngineProbe.ScanText(text);
        Assert.Equal(1, r.Summary.Malformed);
        Assert.Equal(2, r.Detections.Count);
    }

    [Fact]
    public void Invalid_utf8_is_malformed()
    {
        var bytes = Encoding.UTF8.GetBytes(Records[0] + "\n" + """{"CreationTime":"x","Operation":"MessageSent","Workload":"w","UserId":"helpdesk""" + "\u00ff\"}\n");
        // Replace the UTF-8 of ÿ (C3 BF) by a lone continuation byte.
        int at = Array.IndexOf(bytes, (byte)0xC3);
        bytes[at] = 0xBF;
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["x.json"] = bytes });
        Assert.Equal(1, r.Summary.Malformed);
        Assert.Equal("invalid UTF-8", r.Summary.Files[0].MalformedSamples[0].Reason);
        Assert.Single(r.Detections);
    }

    [Fact]
    public void Array_cut_short_keeps_the_elements_before_the_cut()
    {
        var full = Write("array");
        var cut = full[..(full.IndexOf(Records[2], StringComparison.Ordinal) + 30)];
        var r = EngineProbe.ScanText(cut);
        Assert.Equal(2, r.Summary.RecordsParsed);
        Assert.Equal(1, r.Summary.Malformed);
        var sample = Assert.Single(r.Summary.Files[0].MalformedSamples);
        Assert.Equal(cut.IndexOf(Records[2][..20], StringComparison.Ordinal), sample.Offset);
        Assert.Contains("cut short", sample.Reason);
        Assert.Equal(["Teams_ITImpersonation"], r.Detections.Select(d => d.DetectionType));
    }

    [Fact]
    public void Wrapper_cut_short_keeps_the_elements_before_the_cut()
    {
        var full = Write("value-pretty");
        var cut = full[..(full.IndexOf(Records[3], StringComparison.Ordinal) + 10)];
        var r = EngineProbe.ScanText(cut);
        Assert.Equal(3, r.Summary.RecordsParsed);
        Assert.Equal(1, r.Summary.Malformed);
        Assert.Equal(["Teams_ITImpersonation", "SuspiciousOAuthGrant"], r.Detections.Select(d => d.DetectionType));
    }

    [Theory]
    [InlineData(Codec.Gzip)]
    [InlineData(Codec.Lz4)]
    [InlineData(Codec.Zstd)]
    public void Truncated_compressed_stream_fails_the_file_and_keeps_what_decompressed_whole(Codec codec)
    {
        // Distinct ids keep the data from compressing to a handful of blocks.
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i =>
            string.Join("\n", Records.Select(r => $"{{\"Seq\":\"{i}-{Guid.NewGuid():N}\"," + r[1..])) + "\n")));
        var compressed = Codecs.Compress(text, codec);
        var truncated = compressed[..(compressed.Length * 2 / 3)];
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]>
        {
            ["a-damaged.bin"] = truncated,
            ["b-intact.json"] = Encoding.UTF8.GetBytes(Write("ndjson")),
        });
        var damaged = r.Summary.Files[0];
        Assert.NotNull(damaged.Error);
        Assert.True(damaged.ErrorOffset > 0);
        Assert.Equal(damaged.DecompressedBytes, damaged.ErrorOffset);
        Assert.Equal(0, damaged.Malformed); // the partial record is part of the stream error
        Assert.True(damaged.RecordsParsed > 100);
        // what decompressed before the damage is scanned; nothing after it is invented
        // exactly the lines that decompressed whole before the damage are scanned
        Assert.Equal(text.AsSpan(0, (int)damaged.DecompressedBytes).Count((byte)'\n'), damaged.RecordsParsed);
        Assert.True(damaged.DecompressedBytes < text.Length);
        Assert.Null(r.Summary.Files[1].Error);
        Assert.Equal(3, r.Detections.Count(d => d.SourceFile.EndsWith("b-intact.json", StringComparison.Ordinal)));
        Assert.True(r.Summary.HadBadInput);
    }

    [Fact]
    public void A_zstd_file_that_starts_with_a_skippable_frame_is_read_as_zstd()
    {
        // pzstd writes a skippable frame (magic 0x184D2A50, little-endian) before the data frames.
        var text = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Records) + "\n");
        var zstd = new ZstdSharp.Compressor().Wrap(text).ToArray();
        byte[] skippable = [0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["pzstd.ndjson.zst"] = [.. skippable, .. zstd] });
        Assert.Null(r.Summary.Files[0].Error);
        Assert.Equal(3, r.Detections.Count);
    }

    [Fact]
    public void Binary_files_are_reported_as_unsupported()
    {
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["img.png"] = [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D] });
        Assert.Contains("not a text file", r.Summary.Files[0].Error);
        // The bytes read to find that out are counted on both sides (a plain file: the same).
        Assert.Equal((8L, 8L), (r.Summary.Files[0].CompressedBytes, r.Summary.Files[0].DecompressedBytes));
    }

    [Fact]
    public void Folders_are_walked_recursively_in_ordinal_order()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "b"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "a", "z"));
        File.WriteAllText(Path.Combine(dir.Path, "b", "x.json"), Records[0]);
        File.WriteAllText(Path.Combine(dir.Path, "a", "z", "y.json"), Records[0]);
        File.WriteAllText(Path.Combine(dir.Path, "C.json"), Records[0]);
        var r = HuntScanner.Run(new ScanOptions { Paths = [dir.Path] });
        Assert.Equal(
            new[] { Path.Combine(dir.Path, "C.json"), Path.Combine(dir.Path, "a", "z", "y.json"), Path.Combine(dir.Path, "b", "x.json") },
            r.Summary.Files.Select(f => f.Path));
        Assert.Equal(3, r.Detections.Count);
    }

    [Theory]
    [InlineData("[{0}}},{1},{2}]")]
    [InlineData("{{\"value\":[{0}}},{1},{2}]}}")]
    [InlineData("[\n  {0}}},\n  {1},\n  {2}\n]\n")]
    public void A_stray_brace_between_array_elements_is_one_bad_record_and_the_array_goes_on(string layout)
    {
        // One brace too many after an element (spec §5: the bad record is counted and the scan goes
        // on): the elements after it are read, and the file is not failed.
        string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, layout, Records[4], Records[0], Records[3]);
        foreach (var mode in new Func<ScanOptions, ScanOptions>[] { o => o, o => o with { Prefilter = false }, o => o with { MemoryMap = false, Threads = 1 } })
        {
            var r = EngineProbe.ScanText(text, mode);
            var f = r.Summary.Files[0];
            Assert.Null(f.Error);
            Assert.Equal(["RiskyGuestSignin", "Teams_ITImpersonation"], r.Detections.Select(d => d.DetectionType).Order(StringComparer.Ordinal));
            Assert.Equal((4L, 1L), (f.RecordsFramed, f.Malformed));
            Assert.Equal(text.IndexOf(Records[4], StringComparison.Ordinal) + Records[4].Length, f.MalformedSamples[0].Offset);
            Assert.StartsWith("a stray '}' between elements", f.MalformedSamples[0].Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_brace_where_the_arrays_end_is_missing_still_stops_framing()
    {
        // {"value":[A,B} then another page: the "}" is not followed by a comma or "]", so it is not
        // taken for a stray brace; what follows cannot be framed reliably, and the file says so.
        string text = "{\"value\":[" + Records[0] + "," + Records[3] + "}\n{\"value\":[" + Records[4] + "]}\n";
        var r = EngineProbe.ScanText(text);
        var f = r.Summary.Files[0];
        Assert.Contains("framing stopped", f.Error, StringComparison.Ordinal);
        Assert.Equal(2, r.Detections.Count);
        Assert.Equal(1, f.Malformed);
    }

    [Fact]
    public void Two_array_elements_without_a_comma_are_both_read_and_the_gap_is_reported_as_such()
    {
        string text = "[" + Records[0] + " " + Records[3] + "]";
        var r = EngineProbe.ScanText(text);
        var f = r.Summary.Files[0];
        Assert.Equal(2, r.Detections.Count);
        Assert.Equal((3L, 1L), (f.RecordsFramed, f.Malformed));
        Assert.Equal(Records[0].Length + 2, f.MalformedSamples[0].Offset);
        Assert.Equal("no comma between two elements of a JSON array", f.MalformedSamples[0].Reason);
    }
}
