using System.Globalization;
using System.Text;
using System.Text.Json;
using HuntEngine.Framing;
using HuntEngine.Parsing;
using HuntEngine.Scanning;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Csv;

/// <summary>Spec §1 CSV containers and §2 "Reading the table" for CSV rows, §4 raw and source_offset of a row.</summary>
public sealed class CsvContainerTests
{
    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>A cell as RFC 4180 writes it when it must be quoted.</summary>
    private static string Q(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A CSV text from rows, with the offset of each row's first byte (in UTF-8 bytes, after any BOM).</summary>
    private static (byte[] Bytes, long[] Offsets) Csv(IEnumerable<string> rows, string newline = "\n", bool bom = false, bool finalNewline = true)
    {
        var list = rows.ToList();
        var text = new StringBuilder(bom ? "\uFEFF" : "");
        var offsets = new long[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            offsets[i] = Encoding.UTF8.GetByteCount(text.ToString());
            text.Append(list[i]);
            if (i < list.Count - 1 || finalNewline) text.Append(newline);
        }
        return (Encoding.UTF8.GetBytes(text.ToString()), offsets);
    }

    private static ScanResult Scan(byte[] content, string name = "export.csv", Func<ScanOptions, ScanOptions>? tweak = null) =>
        EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [name] = content }, tweak);

    private static JsonElement Json(CsvProbe.Framed f) => JsonDocument.Parse(f.Bytes).RootElement.Clone();

    // ---- UAL records, as JSON and as the two Microsoft CSV layouts ----

    private static readonly string[] UalRecords =
    [
        """{"CreationTime":"2026-11-20T10:15:30","Id":"a1","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk@evil.onmicrosoft.com","Workload":"MicrosoftTeams","CommunicationType":"OneOnOne","Note":"comma, quote \" newline \n and \\ backslash"}""",
        """{"CreationTime":"2026-11-20T10:16:30","Id":"a2","Operation":"MessageSent","RecordType":25,"UserId":"bob@corp.com","Workload":"MicrosoftTeams"}""",
        """{"CreationTime":"2026-11-20T10:17:30","Id":"a3","Operation":"Consent to application.","RecordType":8,"UserId":"alice@corp.com","Workload":"AzureActiveDirectory","ClientIP":"203.0.113.5","Target":[{"ID":"Dropbox","Type":1}]}""",
        """{"CreationTime":"2026-11-20T10:18:30","Id":"a4","Operation":"ChatCreated","RecordType":25,"UserId":"ITSupport.Desk@partner.example","Workload":"MicrosoftTeams","Text":"zürich ☃ 😀"}""",
    ];

    private static readonly string[] UalExpected = ["Teams_ITImpersonation", "SuspiciousOAuthGrant", "Teams_ITImpersonation"];

    private static string Field(string json, string name) => JsonDocument.Parse(json).RootElement.GetProperty(name).ToString();

    /// <summary>Search-UnifiedAuditLog | Export-Csv: every field quoted, CRLF rows.</summary>
    private static (byte[] Bytes, long[] Offsets) PowerShellLayout(bool bom = true) => Csv(
        new[] { "\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\"" }.Concat(UalRecords.Select(r =>
            string.Join(",", Q(Field(r, "CreationTime") + ".0000000Z"), Q(Field(r, "UserId")), Q(Field(r, "Operation")), Q(r)))),
        newline: "\r\n", bom: bom);

    /// <summary>The Purview portal export: bare cells where no quote is needed, LF rows, no final newline.</summary>
    private static (byte[] Bytes, long[] Offsets) PurviewLayout() => Csv(
        new[] { "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames" }.Concat(UalRecords.Select(r =>
            string.Join(",", Field(r, "Id"), "11/20/2026 10:15:30 AM", Field(r, "RecordType"), Field(r, "Operation"), Field(r, "UserId"), Q(r), "", ""))),
        finalNewline: false);

    [Fact]
    public void Cr_only_line_ends_are_reported_not_read_as_one_silent_header()
    {
        var content = Encoding.UTF8.GetBytes("TimeGenerated [UTC],OperationName,UserType\r2026-01-01T00:00:00Z,Sign-in activity,Guest\r");
        var r = Scan(content);
        Assert.Equal(1, r.Summary.Malformed);
        Assert.Contains("carriage return", r.Summary.Files[0].MalformedSamples[0].Reason);
        Assert.True(r.Summary.HadBadInput);
        // CRLF is read as usual.
        var crlf = Scan(Encoding.UTF8.GetBytes("TimeGenerated [UTC],OperationName,UserType\r\n2026-01-01T00:00:00Z,Sign-in activity,Guest\r\n"));
        Assert.Equal(0, crlf.Summary.Malformed);
        Assert.Equal(1, crlf.Summary.RecordsFramed);
    }

    [Fact]
    public void Both_microsoft_ual_layouts_frame_each_row_as_its_audit_data()
    {
        foreach (var (bytes, offsets) in new[] { PowerShellLayout(), PurviewLayout() })
        {
            var r = CsvProbe.Frame(bytes);
            Assert.Equal(CsvLayout.UalAuditData, r.Layout);
            Assert.Equal(UalRecords, r.Frames.Select(f => f.Text));
            Assert.All(r.Frames, f => Assert.Equal(FrameKind.Record, f.Kind));
            Assert.Equal(offsets.Skip(1), r.Frames.Select(f => f.Offset));
            Assert.Equal(bytes.Length, r.BytesRead);
        }
    }

    [Fact]
    public void Ual_json_and_ual_csv_give_identical_detections()
    {
        var ndjson = Encoding.UTF8.GetBytes(string.Join("\n", UalRecords) + "\n");
        var (ps, psOffsets) = PowerShellLayout();
        var (purview, purviewOffsets) = PurviewLayout();
        var files = new Dictionary<string, byte[]> { ["a.ndjson"] = ndjson, ["b.csv"] = ps, ["c.csv"] = purview };
        foreach (int block in new[] { 4 << 20, 300, 64 })
        {
            var result = EngineProbe.ScanFiles(files, o => o with { BlockBytes = block, Threads = 3 });
            Assert.Equal(0, result.Summary.Malformed);
            Assert.Equal(["ndjson", "csv-ual", "csv-ual"], result.Summary.Files.Select(f => f.Container));
            var byFile = result.Detections.GroupBy(d => Path.GetFileName(d.SourceFile)).ToDictionary(g => g.Key, g => g.ToList());
            var json = byFile["a.ndjson"];
            Assert.Equal(UalExpected, json.Select(d => d.DetectionType));
            foreach (var (name, offsets) in new[] { ("b.csv", psOffsets), ("c.csv", purviewOffsets) })
            {
                var csv = byFile[name];
                Assert.Equal(json.Select(d => (d.DetectionType, d.Raw, d.EventTimeMs, d.Username, d.SourceIp, d.EventName, d.LogSourceType, d.AppName)),
                    csv.Select(d => (d.DetectionType, d.Raw, d.EventTimeMs, d.Username, d.SourceIp, d.EventName, d.LogSourceType, d.AppName)));
                // source_offset: the row's first byte (rows 1, 3 and 4 after the header fire).
                Assert.Equal(new[] { offsets[1], offsets[3], offsets[4] }, csv.Select(d => d.SourceOffset));
            }
        }
    }

    [Fact]
    public void A_windows_powershell_type_line_before_the_header_is_skipped_as_import_csv_skips_it()
    {
        var (ps, offsets) = PowerShellLayout(bom: false);
        var typeLine = "#TYPE System.Management.Automation.PSCustomObject\r\n"u8.ToArray();
        var r = Scan([.. typeLine, .. ps]);
        Assert.Equal("csv-ual", r.Summary.Files[0].Container);
        Assert.Equal(0, r.Summary.Malformed);
        Assert.Equal(UalExpected, r.Detections.Select(d => d.DetectionType));
        Assert.Equal(typeLine.Length + offsets[1], r.Detections[0].SourceOffset);
        // In any case and with or without a type name, as Import-Csv reads it.
        foreach (var line in new[] { "#Type System.Object\n", "#TYPE\r\n", "#type\tX\n" })
            Assert.Equal(UalExpected, Scan([.. Encoding.UTF8.GetBytes(line), .. ps]).Detections.Select(d => d.DetectionType));
        // Only before the header: a later row that starts so is a row like any other.
        var table = Csv(["Name,Value", "#TYPE x,1"]).Bytes;
        Assert.Equal(1, Scan(table).Summary.RecordsParsed);
        // Lines that end in CR alone make the whole file one "line": not skipped, reported as the header it cannot be.
        var crOnly = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString([.. typeLine, .. ps]).Replace("\r\n", "\r", StringComparison.Ordinal));
        var cr = Scan(crOnly);
        Assert.Equal(1, cr.Summary.Malformed);
        Assert.Contains("carriage return", cr.Summary.Files[0].MalformedSamples[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_lines_before_the_header_do_not_make_a_csv_json_however_many()
    {
        // Past the first read (4 KiB) and past a whole read buffer (1 MiB): the first non-blank byte still decides.
        var (purview, offsets) = PurviewLayout();
        foreach (int blanks in new[] { 10, 5000, 3 << 20 })
        {
            var lead = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(" \r\n\n", blanks / 4 + 1)));
            byte[] text = [.. lead, .. purview];
            foreach (var (name, content) in new[] { ("c.csv", text), ("c.csv.gz", Codecs.Compress(text, Codec.Gzip)) })
                foreach (bool map in new[] { true, false })
                {
                    var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { [name] = content }, o => o with { MemoryMap = map, MapEveryFile = map });
                    string ctx = $"{blanks} blanks, {name}, mapped {map}";
                    Assert.Equal("csv-ual", r.Summary.Files[0].Container);
                    Assert.Equal(0, r.Summary.Malformed);
                    Assert.Equal(UalExpected, r.Detections.Select(d => d.DetectionType));
                    Assert.Equal(lead.Length + offsets[1], r.Detections[0].SourceOffset);
                }
        }
    }

    // ---- RFC 4180 and the table rules of §2 ----

    private static readonly string TableHeader = string.Join(",", "Name", Q("Quoted \"Header\", with comma"), "Empty", "Multi", "TimeGenerated [UTC]", "Seen [Local Time]", "Last");

    private static readonly string[] TableNames = ["Name", "Quoted \"Header\", with comma", "Empty", "Multi", "TimeGenerated", "Last"];

    [Fact]
    public void Rfc4180_cells_become_a_json_object_named_by_the_header()
    {
        string[] rows =
        [
            TableHeader,
            string.Join(",", "plain", Q("a,b"), Q(""), "x", "9/20/2023 4:05:03 AM", "ignored", "z"),
            string.Join(",", Q("say \"hi\""), Q("line1\nline2"), "", Q("crlf\r\ninside"), Q("9/19/2023, 1:45:17.287 PM"), "", Q("ends with cr\r")),
            "only one cell",
            "a,b,c,d,e,f,g,extra1,\"extra,2\"",
            "  leading space,\ttab,é ☃ 😀,\u0001ctl,\"\",\"\",\\back\\slash",
        ];
        var (bytes, offsets) = Csv(rows, newline: "\r\n", bom: true, finalNewline: false);
        var r = CsvProbe.Frame(bytes);
        Assert.Equal(CsvLayout.Rows, r.Layout);
        Assert.All(r.Frames, f => Assert.Equal(FrameKind.Record, f.Kind));
        Assert.Equal(offsets.Skip(1), r.Frames.Select(f => f.Offset));

        var objects = r.Frames.Select(Json).ToList();
        foreach (var o in objects) Assert.Equal(TableNames, o.EnumerateObject().Select(p => p.Name));
        List<string?> Values(JsonElement o) => o.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString()).ToList();

        Assert.Equal(new string?[] { "plain", "a,b", null, "x", "9/20/2023 4:05:03 AM", "z" }, Values(objects[0]));
        Assert.Equal(new string?[] { "say \"hi\"", "line1\nline2", null, "crlf\r\ninside", "9/19/2023, 1:45:17.287 PM", "ends with cr\r" }, Values(objects[1]));
        Assert.Equal(new string?[] { "only one cell", null, null, null, null, null }, Values(objects[2]));
        Assert.Equal(new string?[] { "a", "b", "c", "d", "e", "g" }, Values(objects[3]));
        Assert.Equal(new string?[] { "  leading space", "\ttab", "é ☃ 😀", "\u0001ctl", null, "\\back\\slash" }, Values(objects[4]));
        // Every non-empty cell is a JSON string, numbers included.
        var numbers = CsvProbe.Frame(Encoding.UTF8.GetBytes("SentBytes,Flag\n10485761,true\n"));
        Assert.Equal("""{"SentBytes":"10485761","Flag":"true"}""", Assert.Single(numbers.Frames).Text);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_a_final_row_without_newline_is_a_row()
    {
        var text = "\r\n  \nA,B\n\n \t \r\n1,2\r\n\r\n3,4";
        var r = CsvProbe.Frame(Encoding.UTF8.GetBytes(text));
        Assert.Equal(["""{"A":"1","B":"2"}""", """{"A":"3","B":"4"}"""], r.Frames.Select(f => f.Text));
        Assert.Equal(new long[] { text.IndexOf("1,2", StringComparison.Ordinal), text.IndexOf("3,4", StringComparison.Ordinal) }, r.Frames.Select(f => f.Offset));
        // A quoted empty cell is not a blank line; a header alone gives no records.
        Assert.Single(CsvProbe.Frame("A\n\"\"\n"u8.ToArray()).Frames);
        Assert.Empty(CsvProbe.Frame("A,B\r\n"u8.ToArray()).Frames);
        Assert.Empty(CsvProbe.Frame("A,B"u8.ToArray()).Frames);
    }

    [Fact]
    public void Quotes_inside_a_bare_cell_and_text_after_a_closing_quote_are_kept()
    {
        // Lenient like the reference: a quote opens a quoted cell only as the cell's first byte.
        var r = CsvProbe.Frame("A,B,C\nab\"c,\"x\"y\"z,\"q\"\"\"\n"u8.ToArray());
        Assert.Equal("""{"A":"ab\"c","B":"xy\"z","C":"q\""}""", Assert.Single(r.Frames).Text);
    }

    [Fact]
    public void Trailing_separator_at_the_end_of_the_stream_is_an_empty_last_cell()
    {
        var r = CsvProbe.Frame("A,B,C\n1,2,"u8.ToArray());
        Assert.Equal("""{"A":"1","B":"2","C":null}""", Assert.Single(r.Frames).Text);
    }

    // ---- the seed's tests as Log Analytics exports ----

    private static readonly string[] OfficeActivity =
    [
        "TenantId,TimeGenerated [UTC],TimeGenerated [Local Time],Operation,OfficeWorkload,RecordType,UserId,UserType,ClientIP,CommunicationType,SourceSystem",
        "t-1,9/20/2023 4:05:03 AM,9/20/2023 6:05:03 AM,MessageSent,MicrosoftTeams,MicrosoftTeams,helpdesk.admin@external-tenant.onmicrosoft.com,Regular,198.51.100.4,OneOnOne,OfficeActivityManager",
        "t-1,9/20/2023 4:06:03 AM,9/20/2023 6:06:03 AM,MessageSent,MicrosoftTeams,MicrosoftTeams,carol@corp.com,Regular,198.51.100.5,OneOnOne,OfficeActivityManager",
    ];

    private static readonly string[] AuditLogs =
    [
        "TenantId,TimeGenerated [UTC],OperationName,Category,Result,TargetResources,InitiatedBy,AdditionalDetails",
        "t-1," + Q("9/19/2023, 1:45:17.287 PM") + ",Consent to application,ApplicationManagement,success,"
            + Q("""[{"displayName":"Dropbox","type":"ServicePrincipal","id":"5c2e","modifiedProperties":[{"displayName":"ConsentAction.Permissions","newValue":"\"Files.ReadWrite.All\""}]}]""") + ","
            + Q("""{"user":{"userPrincipalName":"victim@corp.com","ipAddress":"203.0.113.7"}}""") + ",[]",
    ];

    private static readonly string[] SigninLogs =
    [
        "TimeGenerated [UTC],OperationName,UserPrincipalName,AppDisplayName,UserType,RiskLevelDuringSignIn,IPAddress,Status",
        Q("9/19/2023, 1:45:17.287 PM") + ",Sign-in activity,guest_x#EXT#@corp.onmicrosoft.com,Microsoft Teams,Guest,high,198.51.100.9," + Q("""{"errorCode":0}"""),
        Q("9/19/2023, 1:46:17.287 PM") + ",Sign-in activity,member@corp.onmicrosoft.com,Microsoft Teams,Member,high,198.51.100.9," + Q("""{"errorCode":0}"""),
    ];

    [Fact]
    public void Seed_test_1_as_an_office_activity_csv_row_fires_teams_impersonation()
    {
        var (bytes, offsets) = Csv(OfficeActivity);
        var r = Scan(bytes);
        Assert.Equal("csv", r.Summary.Files[0].Container);
        Assert.Equal(2, r.Summary.RecordsFramed);
        var d = Assert.Single(r.Detections);
        Assert.Equal("Teams_ITImpersonation", d.DetectionType);
        Assert.Equal(Ms("2023-09-20T04:05:03Z"), d.EventTimeMs);
        Assert.Equal("helpdesk.admin@external-tenant.onmicrosoft.com", d.Username);
        Assert.Equal("198.51.100.4", d.SourceIp);
        Assert.Equal("Microsoft Office 365", d.LogSourceType);
        Assert.Equal("Regular", d.UserType);
        Assert.Equal(offsets[1], d.SourceOffset);
        Assert.DoesNotContain("Local Time", d.Raw, StringComparison.Ordinal);
        Assert.StartsWith("""{"TenantId":"t-1","TimeGenerated":"9/20/2023 4:05:03 AM","Operation":"MessageSent",""", d.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_test_2_as_an_audit_logs_csv_row_fires_oauth_grant()
    {
        var (bytes, offsets) = Csv(AuditLogs, newline: "\r\n");
        var d = Assert.Single(Scan(bytes).Detections);
        Assert.Equal("SuspiciousOAuthGrant", d.DetectionType);
        Assert.Equal(Ms("2023-09-19T13:45:17.287Z"), d.EventTimeMs);
        Assert.Equal("victim@corp.com", d.Username);
        Assert.Equal("203.0.113.7", d.SourceIp);
        Assert.Equal("Consent to application", d.EventName);
        Assert.Equal("Dropbox", d.AppName);
        Assert.Equal("Microsoft Azure Active Directory", d.LogSourceType);
        Assert.Equal(offsets[1], d.SourceOffset);
    }

    [Fact]
    public void Signin_logs_csv_row_of_a_risky_guest_fires()
    {
        var (bytes, offsets) = Csv(SigninLogs);
        var d = Assert.Single(Scan(bytes).Detections);
        Assert.Equal("RiskyGuestSignin", d.DetectionType);
        Assert.Equal("guest_x#EXT#@corp.onmicrosoft.com", d.Username);
        Assert.Equal("Guest", d.UserType);
        Assert.Equal("high", d.RiskLevel);
        Assert.Equal("Microsoft Teams", d.AppDisplayName);
        Assert.Equal(Ms("2023-09-19T13:45:17.287Z"), d.EventTimeMs);
        Assert.Equal(offsets[1], d.SourceOffset);
    }

    [Fact]
    public void Raw_of_a_csv_detection_is_the_audit_data_or_a_json_object_that_the_plain_engine_reads_alike()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["ual.csv"] = PurviewLayout().Bytes,
            ["office.csv"] = Csv(OfficeActivity).Bytes,
            ["audit.csv"] = Csv(AuditLogs).Bytes,
            ["signin.csv"] = Csv(SigninLogs).Bytes,
        };
        var r = EngineProbe.ScanFiles(files);
        Assert.Equal(6, r.Detections.Count);
        foreach (var d in r.Detections)
        {
            // EngineProbe parses, normalizes and matches the record with no prefilter.
            Assert.Equal(d.DetectionType, EngineProbe.Detect(d.Raw!));
            var row = EngineProbe.Normalize(d.Raw!, csvTimestamps: true);
            Assert.Equal(d.EventTimeMs, row[Column.EventTime]);
            Assert.Equal(d.Username, row[Column.Username]);
            if (d.SourceFile.EndsWith("ual.csv", StringComparison.Ordinal))
            {
                Assert.Contains(d.Raw, UalRecords);
                Assert.Equal(RecordKind.Ual, row.Kind);
            }
            else
            {
                Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(d.Raw!).RootElement.ValueKind);
                Assert.Contains(row.Kind, new[] { RecordKind.LaOfficeActivity, RecordKind.LaAuditLogs, RecordKind.LaSigninLogs });
            }
        }
    }

    [Fact]
    public void Prefilter_on_and_off_give_the_same_csv_detections()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["ual.csv"] = PowerShellLayout().Bytes,
            ["office.csv"] = Csv(OfficeActivity).Bytes,
            ["audit.csv"] = Csv(AuditLogs).Bytes,
            ["signin.csv"] = Csv(SigninLogs).Bytes,
        };
        var on = EngineProbe.ScanFiles(files, o => o with { Prefilter = true });
        var off = EngineProbe.ScanFiles(files, o => o with { Prefilter = false });
        Assert.Equal(off.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }),
            on.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }));
        Assert.Equal(6, off.Detections.Count);
        Assert.Equal(4 + 2 + 1 + 2, off.Summary.RecordsParsed);
    }

    // ---- buffers, compressions, bad input ----

    private static byte[] Mixed()
    {
        // Long quoted cells with newlines and "" so that rows straddle every refill.
        var filler = string.Concat(Enumerable.Range(0, 40).Select(i => $"line {i}, \"quoted\" text\r\n"));
        var rows = new List<string> { OfficeActivity[0] + ",Notes" };
        for (int i = 0; i < 30; i++)
        {
            var user = i % 7 == 3 ? $"sysadmin{i}@evil.example" : $"user{i}@corp.com";
            rows.Add($"t-{i},9/20/2023 4:{i:00}:03 AM,x,MessageSent,MicrosoftTeams,MicrosoftTeams,{user},Regular,198.51.100.{i},OneOnOne,OAM," + Q(filler[..(i * 37 % filler.Length)]));
        }
        return Csv(rows, newline: "\r\n").Bytes;
    }

    [Theory]
    [InlineData(64)]
    [InlineData(300)]
    [InlineData(1000)]
    public void Tiny_blocks_give_the_same_results_as_large_ones(int blockBytes)
    {
        var files = new Dictionary<string, byte[]> { ["a.csv"] = Mixed(), ["b.csv"] = PowerShellLayout().Bytes, ["c.csv"] = Csv(AuditLogs).Bytes };
        var big = EngineProbe.ScanFiles(files, o => o with { Threads = 1 });
        var tiny = EngineProbe.ScanFiles(files, o => o with { Threads = 3, BlockBytes = blockBytes });
        Assert.Equal(big.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }),
            tiny.Detections.Select(d => d with { SourceFile = Path.GetFileName(d.SourceFile) }));
        Assert.Equal(4 + 3 + 1, tiny.Detections.Count);
        Assert.Equal(big.Summary.RecordsFramed, tiny.Summary.RecordsFramed);
        Assert.Equal(30 + 4 + 1, tiny.Summary.RecordsFramed);

        // The framer alone, down to one byte per read: the same frames.
        var data = Mixed();
        var whole = CsvProbe.Frame(data);
        foreach (int readSize in new[] { 1, 2, 7, 64 })
        {
            var small = CsvProbe.Frame(data, blockBytes, readSize);
            Assert.Equal(whole.Frames.Select(f => (f.Kind, f.Offset, f.Text)), small.Frames.Select(f => (f.Kind, f.Offset, f.Text)));
        }
    }

    [Theory]
    [InlineData(Codec.None)]
    [InlineData(Codec.Gzip)]
    [InlineData(Codec.Lz4)]
    [InlineData(Codec.Zstd)]
    public void Every_compression_gives_the_same_detections(Codec codec)
    {
        var plain = Mixed();
        var ual = PurviewLayout().Bytes;
        var r = EngineProbe.ScanFiles(new Dictionary<string, byte[]>
        {
            ["a.bin"] = Codecs.Compress(plain, codec, members: 3),
            ["b.bin"] = Codecs.Compress(ual, codec, members: 2),
        }, o => o with { BlockBytes = 512 });
        Assert.Equal(["csv", "csv-ual"], r.Summary.Files.Select(f => f.Container));
        Assert.Equal(new long[] { plain.Length, ual.Length }, r.Summary.Files.Select(f => f.DecompressedBytes));
        Assert.All(r.Summary.Files, f => Assert.Null(f.Error));
        Assert.Equal(4 + 3, r.Detections.Count);
        var expected = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["a.bin"] = plain, ["b.bin"] = ual });
        Assert.Equal(expected.Detections.Select(d => (d.DetectionType, d.SourceOffset, d.Raw)), r.Detections.Select(d => (d.DetectionType, d.SourceOffset, d.Raw)));
    }

    [Fact]
    public void Truncated_gzip_keeps_the_rows_before_the_damage_and_the_cut_row_is_part_of_the_error()
    {
        // Every row could fire, so the prefilter parses them all and a cut row would show as malformed.
        var rows = new List<string> { "CreationDate,UserIds,Operations,AuditData" };
        for (int i = 0; i < 3000; i++)
            rows.Add($"2026-11-20,x,MessageSent,{Q($$"""{"CreationTime":"2026-11-20T10:15:30","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"helpdesk{{i}}@evil.example","Seq":"{{Guid.NewGuid():N}}"}""")}");
        var compressed = Codecs.Compress(Csv(rows).Bytes, Codec.Gzip);
        var r = Scan(compressed[..(compressed.Length * 2 / 3)], "cut.csv.gz");
        var file = r.Summary.Files[0];
        Assert.NotNull(file.Error);
        Assert.Contains("stream damaged", file.Error, StringComparison.Ordinal);
        Assert.Equal(0, file.Malformed);
        Assert.InRange(r.Detections.Count, 100, 2999);
        Assert.Equal(r.Detections.Count, file.RecordsFramed);
    }

    [Fact]
    public void Unterminated_quote_makes_the_rest_of_the_file_one_malformed_row()
    {
        var (bytes, offsets) = Csv([OfficeActivity[0], OfficeActivity[1], "t-1,\"never closed,x\nmore,rows", "t-2,y"]);
        foreach (int block in new[] { 4 << 20, 64 })
        {
            var r = Scan(bytes, tweak: o => o with { BlockBytes = block });
            Assert.Equal(2, r.Summary.RecordsFramed);
            Assert.Equal(1, r.Summary.Malformed);
            var bad = Assert.Single(r.Summary.Files[0].MalformedSamples);
            Assert.Equal(offsets[2], bad.Offset);
            Assert.Contains("unterminated quote", bad.Reason, StringComparison.Ordinal);
            Assert.Equal("Teams_ITImpersonation", Assert.Single(r.Detections).DetectionType);
        }

        var header = CsvProbe.Frame("A,\"B\nC\n1,2\n"u8.ToArray());
        var only = Assert.Single(header.Frames);
        Assert.Equal((FrameKind.Malformed, 0L, FrameReason.CsvHeaderUnterminatedQuote), (only.Kind, only.Offset, only.Reason));
    }

    [Fact]
    public void Oversized_row_is_skipped_by_streaming_and_the_next_rows_are_read()
    {
        var huge = Q(string.Concat(Enumerable.Repeat("x,\"y\"\n", 1000)));
        var oversizedRow = "t-9,9/20/2023 4:05:03 AM,x,MessageSent,MicrosoftTeams,MicrosoftTeams,helpdesk@evil.example,Regular,1.2.3.4,OneOnOne," + huge;
        var (bytes, offsets) = Csv([OfficeActivity[0], OfficeActivity[1], oversizedRow, OfficeActivity[1], OfficeActivity[2]]);
        foreach (int block in new[] { 4 << 20, 300, 64 })
        {
            var r = Scan(bytes, tweak: o => o with { BlockBytes = block, MaxRecordBytes = 2048 });
            Assert.Equal(5 - 1, r.Summary.RecordsFramed);
            Assert.Equal(1, r.Summary.Oversized);
            var bad = Assert.Single(r.Summary.Files[0].MalformedSamples);
            Assert.Equal(offsets[2], bad.Offset);
            Assert.Contains($"({Encoding.UTF8.GetByteCount(oversizedRow)} bytes, limit 2048)", bad.Reason, StringComparison.Ordinal);
            Assert.Equal([offsets[1], offsets[3]], r.Detections.Select(d => d.SourceOffset));
        }

        // The limit is exact whatever the buffer: a row of the limit is read, one byte more is skipped.
        var exact = Encoding.UTF8.GetBytes("A\n" + new string('a', 100) + "\n" + new string('b', 101) + "\r\n");
        foreach (var (block, read) in new[] { (4096, 4096), (64, 1), (64, 16) })
        {
            var f = CsvProbe.Frame(exact, block, read, maxRecordBytes: 101);
            Assert.Equal([FrameKind.Record, FrameKind.Oversized], f.Frames.Select(x => x.Kind));
            Assert.Equal(102, f.Frames[1].SkippedBytes); // the row with its '\r'
        }
    }

    [Fact]
    public void Ual_rows_without_audit_data_are_malformed()
    {
        var text = "CreationDate,UserIds,Operations,AuditData\n2026-11-20,x,MessageSent,\n2026-11-20,x\n2026-11-20,x,MessageSent," + Q(UalRecords[0]) + "\n";
        var r = CsvProbe.Frame(Encoding.UTF8.GetBytes(text));
        Assert.Equal([FrameKind.Malformed, FrameKind.Malformed, FrameKind.Record], r.Frames.Select(f => f.Kind));
        Assert.Equal([FrameReason.CsvEmptyAuditData, FrameReason.CsvMissingAuditData, FrameReason.None], r.Frames.Select(f => f.Reason));
        var scan = Scan(Encoding.UTF8.GetBytes(text));
        Assert.Equal(2, scan.Summary.Malformed);
        Assert.Equal(["CSV row with an empty AuditData cell", "CSV row without an AuditData cell"], scan.Summary.Files[0].MalformedSamples.Select(s => s.Reason));
        Assert.Single(scan.Detections);
    }

    [Fact]
    public void Invalid_utf8_in_a_used_cell_is_malformed_and_in_an_ignored_cell_is_not()
    {
        byte[] bad = [0xBF]; // a lone continuation byte
        var raw = "A,B [Local Time]\nok,x\n"u8.ToArray().Concat(bad).Concat(",y\nz,"u8.ToArray()).Concat(bad).Concat("\n"u8.ToArray());
        var r = CsvProbe.Frame(raw.ToArray());
        Assert.Equal([FrameKind.Record, FrameKind.Malformed, FrameKind.Record], r.Frames.Select(f => f.Kind));
        Assert.Equal(FrameReason.CsvInvalidUtf8, r.Frames[1].Reason);
        Assert.Equal("""{"A":"z"}""", r.Frames[2].Text);
    }

    // ---- real exports (read in place) ----

    [RealSamplesFact]
    public void Huntress_purview_export_is_two_ual_records()
    {
        var path = RepoPaths.RealSample("m365_ual_csv/huntress2023_rogue_inbox_purview_export_2rows.csv");
        var rows = CsvProbe.RowsOf(path);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.NotNull(r.Row);
            Assert.Equal(RecordKind.Ual, r.Row.Kind);
            Assert.Equal("Add service principal.", r.Row[Column.EventName]);
            Assert.Equal("Microsoft Office 365", r.Row[Column.LogSourceType]);
        });
        Assert.Equal(Ms("2023-09-20T04:05:03Z"), rows[0].Row![Column.EventTime]);
        var header = File.ReadAllText(path).Split('\n')[0];
        Assert.Equal(header.Length + 1, rows[0].Offset);

        var scan = HuntScanner.Run(new ScanOptions { Paths = [path], Threads = 1 });
        Assert.Equal("csv-ual", scan.Summary.Files[0].Container);
        Assert.Equal(2, scan.Summary.RecordsFramed);
        Assert.False(scan.Summary.HadBadInput);
    }

    [RealSamplesFact]
    public void Zenn_export_with_elided_audit_data_is_one_malformed_row()
    {
        var path = RepoPaths.RealSample("m365_ual_csv/zenn_purview_teams_export_header_and_row_AUDITDATA_ELIDED.csv");
        using var source = HuntEngine.Sources.SourceStream.Open(path);
        var r = CsvProbe.Frame(source.Decoded);
        Assert.Equal(CsvLayout.UalAuditData, r.Layout);
        var row = Assert.Single(r.Frames);
        Assert.Equal(FrameKind.Record, row.Kind);
        Assert.Equal("""{"AppAccessContext":{...}}""", row.Text);
        Assert.Equal(ParseOutcome.InvalidJson, EngineProbe.ParseOutcomeOf(row.Bytes));
        Assert.Null(Assert.Single(CsvProbe.RowsOf(path)).Row);
    }

    [RealSamplesFact]
    public void Vivekgarudi_signin_logs_export_is_two_la_signin_records()
    {
        var rows = CsvProbe.RowsOf(RepoPaths.RealSample("entra_signin_loganalytics/vivekgarudi_SigninLogs_portal_export.csv"));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(RecordKind.LaSigninLogs, r.Row?.Kind));
        var (r0, r1) = (rows[0].Row!, rows[1].Row!);
        Assert.Equal("Guest", r0[Column.UserType]);
        Assert.Equal("high", r1[Column.RiskLevel]);
        Assert.Equal("Member", r1[Column.UserType]);
        Assert.Equal(Ms("2023-09-19T13:45:17.287Z"), r0[Column.EventTime]);
        Assert.Equal("Sign-in activity", r0[Column.EventName]);
        Assert.Equal("Azure Portal", r0[Column.AppDisplayName]);
        Assert.Equal("Microsoft Azure Active Directory", r0[Column.LogSourceType]);
    }
}
