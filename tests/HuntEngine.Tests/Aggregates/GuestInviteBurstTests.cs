using System.Globalization;
using System.Text;
using HuntEngine.Matching;
using HuntEngine.Scanning;
using HuntEngine.Tests.Reference;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Aggregates;

/// <summary>
/// Spec §7.3 GuestInviteBurst: which records are events, the grouping, the greedy scan and its window
/// edge, the burst row, and independence from files, partitions and threads. Scans run through the
/// whole engine (<see cref="HuntScanner"/>); where useful the result is compared with the reference.
/// </summary>
public sealed class GuestInviteBurstTests
{
    private const string Burst = PatternCatalog.InviteBurst;
    private const string Inviter = "adele.vance@contoso.com";
    private const string Ip = "203.0.113.7";
    private static readonly long T0 = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Minute = 60_000;

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Q(string? text) => text is null ? "null" : System.Text.Json.JsonSerializer.Serialize(text);

    private static string Guest(int n) => $"guest{n}_partner.example#EXT#@contoso.onmicrosoft.com";

    /// <summary>A Graph directoryAudit <c>Invite external user</c> record (no fallback for a null IP).</summary>
    private static string GraphInvite(long ms, string? inviter = Inviter, string? ip = Ip, string? target = null, int n = 0, string activity = "Invite external user", string ipJson = "") =>
        $$"""{"id":"Invited Users_{{n:D4}}","category":"UserManagement","correlationId":"c{{n}}","result":"success","resultReason":"","activityDisplayName":{{Q(activity)}},"activityDateTime":"{{Iso(ms)}}","loggedByService":"Invited Users","operationType":"Add","initiatedBy":{"user":{"id":"u1","displayName":"Adele Vance","userPrincipalName":{{Q(inviter)}},"ipAddress":{{(ipJson.Length > 0 ? ipJson : Q(ip))}}},"app":null},"targetResources":[{"id":"g{{n}}","displayName":"Guest {{n}}","type":"User","userPrincipalName":{{Q(target ?? Guest(n))}},"modifiedProperties":[]}],"additionalDetails":[{"key":"invitedUserEmailAddress","value":"guest{{n}}@partner.example"}]}""";

    /// <summary>The same event as an Azure Monitor diagnostic export.</summary>
    private static string AzureMonitorInvite(long ms, int n, string? inviter = Inviter, string? ip = Ip) =>
        "{\"time\":\"" + Iso(ms) + "\",\"resourceId\":\"/tenants/t/providers/Microsoft.aadiam\",\"operationName\":\"Invite external user\",\"category\":\"AuditLogs\",\"tenantId\":\"t\",\"callerIpAddress\":" + Q(ip)
            + ",\"properties\":{\"id\":\"Invited Users_" + n + "\",\"category\":\"UserManagement\",\"activityDisplayName\":\"Invite external user\",\"activityDateTime\":\"" + Iso(ms)
            + "\",\"loggedByService\":\"Invited Users\",\"initiatedBy\":{\"user\":{\"userPrincipalName\":" + Q(inviter) + ",\"ipAddress\":" + Q(ip) + ",\"roles\":[]}},"
            + "\"targetResources\":[{\"id\":\"g" + n + "\",\"displayName\":\"Guest " + n + "\",\"type\":\"User\",\"userPrincipalName\":" + Q(Guest(n)) + "}]}}";

    /// <summary>The same event as a Log Analytics <c>AuditLogs</c> row (dynamic columns as JSON text).</summary>
    private static string LaInvite(long ms, int n, string? inviter = Inviter, string? ip = Ip)
    {
        string initiatedBy = "{\"user\":{\"id\":\"u1\",\"displayName\":\"Adele Vance\",\"userPrincipalName\":" + Q(inviter) + ",\"ipAddress\":" + Q(ip) + ",\"roles\":[]}}";
        string targets = $$"""[{"id":"g{{n}}","displayName":"Guest {{n}}","type":"User","userPrincipalName":{{Q(Guest(n))}},"modifiedProperties":[]}]""";
        return $$"""{"TenantId":"t","TimeGenerated":"{{Iso(ms)}}","OperationName":"Invite external user","Category":"UserManagement","Result":"success","InitiatedBy":{{Q(initiatedBy)}},"LoggedByService":"Invited Users","TargetResources":{{Q(targets)}},"AADOperationType":"Add","ActivityDisplayName":"Invite external user","Type":"AuditLogs"}""";
    }

    private static string Ndjson(IEnumerable<string> records) => string.Join("\n", records) + "\n";

    private static ScanResult Scan(string ndjson, Func<ScanOptions, ScanOptions>? tweak = null) =>
        EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["audit.ndjson"] = Encoding.UTF8.GetBytes(ndjson) }, tweak);

    private static List<Detection> Bursts(ScanResult result) => result.Detections.Where(d => d.DetectionType == Burst).ToList();

    private static List<string> InvitesAt(params long[] minutes) =>
        minutes.Select((m, n) => GraphInvite(T0 + m * Minute, n: n)).ToList();

    // ---- the seed's Test 4 and the burst row ----

    [Fact]
    public void A_file_reached_twice_is_scanned_once_so_three_invites_never_make_a_burst()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "x.ndjson");
        File.WriteAllText(file, Ndjson(InvitesAt(0, 5, 10)));
        var link = Path.Combine(dir.Path, "y-link.ndjson");
        File.CreateSymbolicLink(link, file);
        // The folder (holding the file and a link to it), the file, another spelling of it.
        var r = HuntScanner.Run(new ScanOptions { Paths = [dir.Path, file, Path.Combine(dir.Path, ".", "x.ndjson")] });
        Assert.Equal([file], r.Summary.Files.Select(f => f.Path));
        Assert.Empty(r.Detections);
        Assert.Equal(3, r.Summary.RecordsByKind.Values.Sum());
    }

    [Fact]
    public void Hard_links_to_one_file_are_scanned_once()
    {
        if (!OperatingSystem.IsLinux()) return; // inode identity is read on Linux only
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "a", "x.ndjson");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, Ndjson(InvitesAt(0, 5, 10)));
        // rsnapshot-style: the same file hard-linked into a second snapshot folder
        var copy = Path.Combine(dir.Path, "b", "x.ndjson");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        using (var ln = System.Diagnostics.Process.Start("ln", [file, copy])) ln.WaitForExit();
        var other = Path.Combine(dir.Path, "b", "z.ndjson");
        File.WriteAllText(other, Ndjson(InvitesAt(20)));
        var r = HuntScanner.Run(new ScanOptions { Paths = [dir.Path] });
        Assert.Equal([file, other], r.Summary.Files.Select(f => f.Path));
        Assert.Empty(r.Detections); // four invites, not seven: no burst
        Assert.Equal(4, r.Summary.RecordsByKind.Values.Sum());
    }

    [Fact]
    public void Seed_test_4_six_invitations_in_an_hour_fire_once()
    {
        var records = InvitesAt(0, 9, 18, 27, 36, 45);
        var result = Scan(Ndjson(records));
        var d = Assert.Single(result.Detections);
        Assert.Equal(Burst, d.DetectionType);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(T0, d.EventTimeMs);
        Assert.Equal(T0 + 45 * Minute, d.WindowEndMs);
        Assert.Equal(Inviter, d.Username);
        Assert.Equal(Ip, d.SourceIp);
        Assert.Equal("Invite external user", d.EventName);
        Assert.Equal("Microsoft Azure Active Directory", d.LogSourceType);
        Assert.Equal(Guest(0), d.TargetUser);
        Assert.Equal("Guest 0", d.AppName);
        Assert.Equal(0, d.SourceOffset);
        Assert.Equal(records[0], d.Raw);
        Assert.EndsWith("audit.ndjson", d.SourceFile, StringComparison.Ordinal);
        Assert.Null(d.RemoteHost);
        Assert.Null(d.SentBytes);
        Assert.Equal(1, result.Summary.DetectionsByType[Burst]);
    }

    /// <summary>
    /// The events' rows wait in a temporary file: the scan's folder for it is the one used, and a
    /// folder that cannot take it stops the scan with an I/O error naming it (the CLI's exit 2),
    /// never a result without the bursts.
    /// </summary>
    [Fact]
    public void The_events_wait_in_the_scans_temporary_folder_and_a_bad_one_stops_the_scan()
    {
        string dir = Directory.CreateTempSubdirectory("hunt-events-").FullName;
        try
        {
            var ok = Scan(Ndjson(InvitesAt(0, 9, 18, 27, 36, 45)), o => o with { TempDirectory = dir });
            Assert.Equal(6, Assert.Single(Bursts(ok)).EventCount);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        string missing = Path.Combine(Path.GetTempPath(), "hunt-missing-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<AggregateException>(() => Scan(Ndjson(InvitesAt(0, 9)), o => o with { TempDirectory = missing }));
        Assert.All(e.InnerExceptions, x => Assert.IsType<HuntTemporaryFileException>(x));
        Assert.Contains(missing, e.InnerExceptions[0].Message);
        // On one thread the worker's fault stops the framing it runs inside, and surfaces the same way.
        var one = Assert.Throws<AggregateException>(() => Scan(Ndjson(InvitesAt(0, 9)), o => o with { TempDirectory = missing, Threads = 1 }));
        Assert.IsType<HuntTemporaryFileException>(Assert.Single(one.InnerExceptions));

        // A converting scan hunts nothing, so it needs no such folder.
        using var store = new TempDir();
        var converted = Scan(Ndjson(InvitesAt(0, 9, 18, 27, 36, 45)), o => o with
        {
            TempDirectory = missing,
            Prefilter = false,
            Store = new HuntEngine.Sinks.StoreOptions(Path.Combine(store.Path, "store")),
        });
        Assert.Empty(converted.Detections);
        Assert.Equal(6, converted.Summary.RecordsParsed);
    }

    [Fact]
    public void The_burst_row_is_its_first_event_even_when_written_last()
    {
        // Written in reverse time order: the row is still the earliest event, at its own offset.
        var records = InvitesAt(0, 5, 10, 15, 20, 25, 30);
        records.Reverse();
        string text = Ndjson(records);
        var d = Assert.Single(Scan(text).Detections);
        Assert.Equal(7, d.EventCount);
        Assert.Equal(T0, d.EventTimeMs);
        Assert.Equal(T0 + 30 * Minute, d.WindowEndMs);
        Assert.Equal(Encoding.UTF8.GetByteCount(text[..text.IndexOf(records[^1], StringComparison.Ordinal)]), d.SourceOffset);
        Assert.Equal(records[^1], d.Raw);
    }

    [Fact]
    public void Five_invitations_are_no_burst()
    {
        Assert.Empty(Scan(Ndjson(InvitesAt(0, 1, 2, 3, 4))).Detections);
    }

    // ---- the window edge and the greedy scan ----

    [Fact]
    public void The_sixth_event_at_exactly_sixty_minutes_is_outside()
    {
        Assert.Empty(Scan(Ndjson(InvitesAt(0, 10, 20, 30, 40, 60))).Detections);

        var records = InvitesAt(0, 10, 20, 30, 40);
        records.Add(GraphInvite(T0 + 60 * Minute - 1, n: 5)); // 59:59.999
        var d = Assert.Single(Scan(Ndjson(records)).Detections);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(T0 + 60 * Minute - 1, d.WindowEndMs);
    }

    [Fact]
    public void Six_spread_over_sixty_one_minutes_are_no_burst()
    {
        Assert.Empty(Scan(Ndjson(InvitesAt(0, 12, 24, 36, 48, 61))).Detections);
    }

    [Fact]
    public void Twelve_in_an_hour_are_one_burst_of_twelve()
    {
        var d = Assert.Single(Scan(Ndjson(InvitesAt(0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55))).Detections);
        Assert.Equal(12, d.EventCount);
        Assert.Equal(T0, d.EventTimeMs);
        Assert.Equal(T0 + 55 * Minute, d.WindowEndMs);
    }

    [Fact]
    public void Greedy_scan_continues_after_the_burst()
    {
        // i = 0 takes 0..25 (six, the 61st minute is outside); the scan goes on at j + 1 = 61 and finds six more.
        var two = Bursts(Scan(Ndjson(InvitesAt(0, 5, 10, 15, 20, 25, 61, 62, 63, 64, 65, 66))));
        Assert.Equal(2, two.Count);
        Assert.Equal((T0, 6, T0 + 25 * Minute), (two[0].EventTimeMs!.Value, two[0].EventCount, two[0].WindowEndMs!.Value));
        Assert.Equal((T0 + 61 * Minute, 6, T0 + 66 * Minute), (two[1].EventTimeMs!.Value, two[1].EventCount, two[1].WindowEndMs!.Value));

        // Six in the first 30 minutes and six more within the hour after the first event: i = 0 takes all
        // events before minute 60 (eight), and the four left after j + 1 are no burst of their own,
        // although 50, 55, 65, 70, 75, 80 would be six within an hour.
        var one = Assert.Single(Scan(Ndjson(InvitesAt(0, 5, 10, 15, 20, 25, 50, 55, 65, 70, 75, 80))).Detections);
        Assert.Equal(8, one.EventCount);
        Assert.Equal(T0 + 55 * Minute, one.WindowEndMs);
    }

    [Fact]
    public void Greedy_scan_moves_on_one_event_when_there_is_no_burst()
    {
        // From minute 0 only two events fall within the hour; from minute 50 six do: the burst starts at the second event.
        var d = Assert.Single(Scan(Ndjson(InvitesAt(0, 50, 61, 62, 63, 64, 65))).Detections);
        Assert.Equal(T0 + 50 * Minute, d.EventTimeMs);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(T0 + 65 * Minute, d.WindowEndMs);
        Assert.Equal(Guest(1), d.TargetUser);
    }

    // ---- which records are events ----

    [Fact]
    public void Ext_marker_is_a_case_sensitive_contains()
    {
        var records = InvitesAt(0, 1, 2, 3, 4);
        records.Add(GraphInvite(T0 + 5 * Minute, n: 5, target: "guest5_partner.example#ext#@contoso.onmicrosoft.com"));
        Assert.Empty(Scan(Ndjson(records)).Detections);

        records[^1] = GraphInvite(T0 + 5 * Minute, n: 5, target: "prefix#EXT#"); // anywhere in the value
        Assert.Equal(6, Assert.Single(Scan(Ndjson(records)).Detections).EventCount);
    }

    [Fact]
    public void Only_invite_external_user_from_azure_ad_counts()
    {
        var records = InvitesAt(0, 1, 2, 3, 4);
        foreach (string other in new[] { "invite external user", "Invite external user ", "Invite external users", "Redeem external user invite" })
        {
            var withOther = records.Append(GraphInvite(T0 + 5 * Minute, n: 5, activity: other));
            Assert.Empty(Scan(Ndjson(withOther)).Detections);
        }

        // The same operation in a UAL record has the Office 365 log source (and no target_user): not an event.
        string ual = $$"""{"CreationTime":"{{Iso(T0 + 5 * Minute)[..19]}}","Operation":"Invite external user","RecordType":8,"Workload":"AzureActiveDirectory","UserId":"{{Inviter}}","ClientIP":"{{Ip}}","ObjectId":"{{Guest(5)}}"}""";
        Assert.Empty(Scan(Ndjson(records.Append(ual))).Detections);
    }

    [Fact]
    public void Events_need_a_target_user_with_the_marker()
    {
        var records = InvitesAt(0, 1, 2, 3, 4);
        string noUpn = GraphInvite(T0 + 5 * Minute, n: 5).Replace($"\"userPrincipalName\":{Q(Guest(5))},", "", StringComparison.Ordinal);
        Assert.Empty(Scan(Ndjson(records.Append(noUpn))).Detections);
    }

    [Fact]
    public void Events_with_a_null_username_are_not_events()
    {
        var records = InvitesAt(0, 1, 2, 3, 4);
        records.Add(GraphInvite(T0 + 5 * Minute, n: 5, inviter: null));
        Assert.Empty(Scan(Ndjson(records)).Detections);
        records[^1] = GraphInvite(T0 + 5 * Minute, n: 5, inviter: "<null>");
        Assert.Empty(Scan(Ndjson(records)).Detections);
    }

    [Fact]
    public void Events_with_no_time_are_not_events()
    {
        var records = InvitesAt(0, 1, 2, 3, 4);
        records.Add(GraphInvite(T0 + 5 * Minute, n: 5).Replace(Iso(T0 + 5 * Minute), "2026-03-01 10:05:00", StringComparison.Ordinal));
        Assert.Empty(Scan(Ndjson(records)).Detections);
    }

    // ---- grouping ----

    [Fact]
    public void The_same_inviter_from_two_addresses_is_two_groups()
    {
        var records = new List<string>();
        for (int n = 0; n < 6; n++) records.Add(GraphInvite(T0 + n * Minute, n: n, ip: n % 2 == 0 ? Ip : "198.51.100.20"));
        Assert.Empty(Scan(Ndjson(records)).Detections);
    }

    [Fact]
    public void Two_inviters_from_one_address_are_two_groups()
    {
        var records = new List<string>();
        for (int n = 0; n < 6; n++) records.Add(GraphInvite(T0 + n * Minute, n: n, inviter: n < 3 ? Inviter : "bianca.lin@contoso.com"));
        Assert.Empty(Scan(Ndjson(records)).Detections);
    }

    [Fact]
    public void A_null_address_is_a_group_of_its_own_and_differs_from_empty()
    {
        // Three with ipAddress null and three with "": two groups of three.
        var split = new List<string>();
        for (int n = 0; n < 6; n++) split.Add(GraphInvite(T0 + n * Minute, n: n, ipJson: n < 3 ? "null" : "\"\""));
        Assert.Empty(Scan(Ndjson(split)).Detections);

        // null and "<null>" are both null: one group of six, and the burst row has a null source_ip.
        var joined = new List<string>();
        for (int n = 0; n < 6; n++) joined.Add(GraphInvite(T0 + n * Minute, n: n, ipJson: n < 3 ? "null" : "\"<null>\""));
        var d = Assert.Single(Scan(Ndjson(joined)).Detections);
        Assert.Null(d.SourceIp);
        Assert.Equal(6, d.EventCount);

        // Six with "": a group too, with the empty string as its address.
        var empty = new List<string>();
        for (int n = 0; n < 6; n++) empty.Add(GraphInvite(T0 + n * Minute, n: n, ipJson: "\"\""));
        Assert.Equal("", Assert.Single(Scan(Ndjson(empty)).Detections).SourceIp);
    }

    [Fact]
    public void Record_kinds_of_the_same_inviter_and_address_form_one_group()
    {
        // Graph, Azure Monitor and Log Analytics records all have the Azure AD log source and the same columns.
        var records = new List<string>
        {
            GraphInvite(T0, n: 0), AzureMonitorInvite(T0 + Minute, 1), LaInvite(T0 + 2 * Minute, 2),
            GraphInvite(T0 + 3 * Minute, n: 3), AzureMonitorInvite(T0 + 4 * Minute, 4), LaInvite(T0 + 5 * Minute, 5),
        };
        var d = Assert.Single(Scan(Ndjson(records)).Detections);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(Guest(0), d.TargetUser);

        // The Log Analytics row's dynamic columns are JSON text; the path continues inside it.
        var la = Assert.Single(Scan(Ndjson(Enumerable.Range(0, 6).Select(n => LaInvite(T0 + n * Minute, n)))).Detections);
        Assert.Equal(Guest(0), la.TargetUser);
        Assert.Equal(Inviter, la.Username);
        Assert.Equal(Ip, la.SourceIp);
    }

    // ---- files, partitions, threads, window ----

    [Fact]
    public void A_burst_across_three_files_is_the_same_for_any_threads_and_blocks()
    {
        // Seven events in three files (NDJSON, a gzip array, a zstd Graph page), among other records.
        var all = Enumerable.Range(0, 7).Select(n => GraphInvite(T0 + n * 7 * Minute + n, n: n)).ToList();
        string filler = """{"createdDateTime":"2026-03-01T10:30:00Z","userPrincipalName":"x@contoso.com","appDisplayName":"Azure Portal","ipAddress":"192.0.2.1"}""";
        var files = new Dictionary<string, byte[]>
        {
            ["a.ndjson"] = Encoding.UTF8.GetBytes(Ndjson(new[] { filler, all[3], all[0], filler })),
            ["b.json.gz"] = Codecs.Compress(Encoding.UTF8.GetBytes("[\n" + string.Join(",\n", new[] { all[1], filler, all[5] }) + "\n]"), Codec.Gzip, members: 2),
            ["c.json.zst"] = Codecs.Compress(Encoding.UTF8.GetBytes("{\"value\":[" + string.Join(",", new[] { all[2], all[4], all[6] }) + "]}"), Codec.Zstd, members: 2),
        };

        List<Detection>? first = null;
        foreach (int threads in new[] { 1, 2, 8 })
        {
            foreach (int block in new[] { 4 << 20, 600 })
            {
                var result = EngineProbe.ScanFiles(files, o => o with { Threads = threads, BlockBytes = block });
                Assert.False(result.Summary.HadBadInput);
                var d = Assert.Single(result.Detections);
                Assert.Equal(7, d.EventCount);
                Assert.Equal(T0, d.EventTimeMs);
                Assert.Equal(T0 + 42 * Minute + 6, d.WindowEndMs);
                Assert.EndsWith("a.ndjson", d.SourceFile, StringComparison.Ordinal);
                Assert.Equal(all[0], d.Raw);
                // Each scan has its own temp folder: compare with the file name only.
                var named = result.Detections.Select(x => x with { SourceFile = Path.GetFileName(x.SourceFile) }).ToList();
                first ??= named;
                Assert.Equal(first, named);
            }
        }
    }

    [Fact]
    public void Equal_times_are_ordered_by_file_then_offset()
    {
        // Six events at the same millisecond in two files: the row is the first event of a.ndjson, which sorts first.
        var a = Enumerable.Range(0, 3).Select(n => GraphInvite(T0, n: n)).ToList();
        var b = Enumerable.Range(3, 3).Select(n => GraphInvite(T0, n: n)).ToList();
        var files = new Dictionary<string, byte[]>
        {
            ["b.ndjson"] = Encoding.UTF8.GetBytes(Ndjson(b)),
            ["a.ndjson"] = Encoding.UTF8.GetBytes(Ndjson(a)),
        };
        var d = Assert.Single(EngineProbe.ScanFiles(files, o => o with { Threads = 4 }).Detections);
        Assert.EndsWith("a.ndjson", d.SourceFile, StringComparison.Ordinal);
        Assert.Equal(0, d.SourceOffset);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(T0, d.WindowEndMs);
    }

    [Fact]
    public void Events_outside_the_scan_window_are_not_counted()
    {
        string text = Ndjson(InvitesAt(0, 5, 10, 15, 20, 25, 30, 35));

        // The whole burst inside: eight events.
        Assert.Equal(8, Assert.Single(Scan(text, o => o with { Window = new TimeWindow(T0, T0 + 36 * Minute) }).Detections).EventCount);

        // The first three outside ([from, to) keeps from): five left, no burst.
        Assert.Empty(Scan(text, o => o with { Window = new TimeWindow(T0 + 11 * Minute, null) }).Detections);

        // to is excluded: the event at minute 30 and later are outside, six left.
        var d = Assert.Single(Scan(text, o => o with { Window = new TimeWindow(null, T0 + 30 * Minute) }).Detections);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(T0 + 25 * Minute, d.WindowEndMs);

        // from at an event's exact time keeps it.
        var e = Assert.Single(Scan(text, o => o with { Window = new TimeWindow(T0 + 5 * Minute, T0 + 31 * Minute) }).Detections);
        Assert.Equal((T0 + 5 * Minute, 6), (e.EventTimeMs!.Value, e.EventCount));
    }

    [Theory]
    [InlineData(101)]
    [InlineData(102)]
    [InlineData(103)]
    public void Random_invitation_streams_give_the_reference_bursts(int seed)
    {
        // A few inviters and addresses (null and "" included), clustered times with ties, several files.
        var random = new Random(seed);
        string?[] inviters = [Inviter, "bianca.lin@contoso.com", "<null>"];
        string[] ips = ["\"203.0.113.7\"", "\"198.51.100.20\"", "null", "\"\""];
        var files = new Dictionary<string, List<string>> { ["a.ndjson"] = [], ["b.ndjson"] = [], ["sub-c.ndjson"] = [] };
        string[] names = files.Keys.ToArray();
        for (int n = 0; n < 300; n++)
        {
            long ms = T0 + random.Next(0, 4) * 90 * Minute + random.Next(0, 40) * Minute + random.Next(0, 3) * 500;
            string record = random.Next(12) switch
            {
                0 => GraphInvite(ms, n: n, target: "guest_partner.example#ext#@contoso.onmicrosoft.com"),
                1 => AzureMonitorInvite(ms, n, inviter: inviters[random.Next(2)], ip: "203.0.113.7"),
                2 => LaInvite(ms, n, inviter: inviters[random.Next(2)], ip: "198.51.100.20"),
                _ => GraphInvite(ms, inviter: inviters[random.Next(inviters.Length)], n: n, ipJson: ips[random.Next(ips.Length)]),
            };
            files[names[random.Next(names.Length)]].Add(record);
        }

        var bytes = files.ToDictionary(f => f.Key, f => Encoding.UTF8.GetBytes(Ndjson(f.Value)));
        var engine = EngineProbe.ScanFiles(bytes, o => o with { Threads = 3, BlockBytes = 2048 });
        Assert.NotEmpty(engine.Detections);

        // The reference reads the same files from the same paths.
        string root = Path.GetDirectoryName(engine.Detections[0].SourceFile)!;
        var reference = ReferenceHunter.ScanFiles(bytes.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (Path.Combine(root, f.Key), f.Value)));
        Assert.Equal(reference.Detections, engine.Detections);
        Assert.Contains(engine.Detections, d => d.EventCount > 6);
    }
}
