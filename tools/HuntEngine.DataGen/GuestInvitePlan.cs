namespace HuntEngine.DataGen;

/// <summary>An event of GuestInviteBurst (spec §7.3) as the grouping and the greedy scan see it: time in UTC ms, inviter, source IP (null is its own value).</summary>
internal readonly record struct InviteEvent(long TimeMs, string Inviter, string? Ip)
{
    /// <summary>UTC ticks to Unix milliseconds, digits below the millisecond truncated (as the engine reads timestamps).</summary>
    public static long UnixMs(long utcTicks) => (utcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;
}

/// <summary>An invite event where it was written: the file (archive-relative path) and the decompressed offset of its record.</summary>
internal readonly record struct LocatedInvite(InviteEvent Event, string RelativePath, long Offset);

/// <summary>How a planted invitation is written in a JSON file (a CSV file holds Log Analytics <c>AuditLogs</c> rows only).</summary>
internal enum InviteStyle
{
    Graph,
    AzureMonitor,
    LogAnalytics,
}

/// <summary>
/// One planted <c>Invite external user</c> record: when, by whom (a null inviter makes the record no
/// event), from which address (JSON text: a string, <c>""</c> or <c>null</c>), to which guest, and
/// before which ordinary record of its file it is written.
/// </summary>
internal sealed record PlantedInvite(long Ticks, string? Inviter, string IpJson, string Target, InviteStyle Style, bool PortalTimeInJson, int AtRecord)
{
    public string? Ip => IpJson == "null" ? null : IpJson[1..^1];

    /// <summary>Whether the record is an event of the burst rule once written (CSV rows always have a readable time).</summary>
    public bool IsEvent(bool csv) => Inviter is not null && Target.Contains("#EXT#", StringComparison.Ordinal) && (csv || !PortalTimeInJson);

    public InviteEvent Event => new(InviteEvent.UnixMs(Ticks), Inviter!, Ip);
}

/// <summary>
/// GuestInviteBurst for an archive: plants invitation scenarios (true bursts and near-misses of
/// spec §7.3) into its files, and computes the expected bursts by running the spec's greedy scan over
/// every invite event that was actually written (planted or ordinary), so the ground truth is right
/// by construction. The scenarios use distinct inviters and distinct millisecond times, so the
/// greedy scan's answer does not hinge on ties.
/// </summary>
internal static class GuestInvitePlan
{
    private const long Second = 1000;
    private const long HourMs = 3_600_000;

    private sealed class Draft
    {
        public long OffsetMs;
        public string? Inviter;
        public required string IpJson;
        public required string Target;
        public int File;
        public bool PortalTimeInJson;
    }

    /// <summary>True bursts planted when PlantRate &gt; 0 (the archive's expected GuestInviteBurst count), before near-misses.</summary>
    public const int PlantedBursts = 7;

    /// <summary>
    /// Plans the planted invitations of an archive. <paramref name="files"/> lists each planned file's
    /// container and size; the result has, per file, the invitations to write into it, by record index.
    /// </summary>
    public static List<PlantedInvite>[] Plan(GeneratorOptions options, IReadOnlyList<(Container Container, long TargetBytes)> files)
    {
        var plan = new List<PlantedInvite>[files.Count];
        for (int i = 0; i < plan.Length; i++) plan[i] = new List<PlantedInvite>();
        int[] json = Enumerable.Range(0, files.Count).Where(i => files[i].Container is Container.Ndjson or Container.JsonArray or Container.GraphValueWrapper or Container.RecordsWrapper).ToArray();
        int[] csv = Enumerable.Range(0, files.Count).Where(i => files[i].Container == Container.SentinelCsvAuditLogs).ToArray();
        int[] any = json.Concat(csv).ToArray();
        if (json.Length == 0) return plan;

        var random = new Random(Seeds.Derive(options.Seed, 0x494E5649));
        int scenario = 0;

        void Scenario(long[] offsetsSeconds, Action<int, Draft>? tweak = null, int[]? fileOfEvent = null)
        {
            string org = RecordPools.Organisations[random.Next(RecordPools.Organisations.Length)];
            string inviter = RecordFactory.AsciiFold(RecordPools.FirstNames[random.Next(20)]) + "." + RecordFactory.AsciiFold(RecordPools.LastNames[random.Next(20)])
                + (scenario + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "@" + org + ".com";
            string ip = (20 + random.Next(200)) + "." + random.Next(256) + "." + random.Next(256) + "." + (1 + random.Next(254));
            // A whole-millisecond start, so the edge cases land exactly where they are meant to.
            long baseMs = InviteEvent.UnixMs(Timestamps.Next(random));
            int file = any[random.Next(any.Length)];
            var drafts = new List<Draft>();
            for (int k = 0; k < offsetsSeconds.Length; k++)
            {
                string guest = RecordFactory.AsciiFold(RecordPools.FirstNames[random.Next(RecordPools.FirstNames.Length)]);
                var draft = new Draft
                {
                    OffsetMs = offsetsSeconds[k] * Second,
                    Inviter = inviter,
                    IpJson = "\"" + ip + "\"",
                    Target = guest + (k + 1) + "_" + RecordPools.PartnerDomains[random.Next(RecordPools.PartnerDomains.Length)] + "#EXT#@" + org + ".onmicrosoft.com",
                    File = fileOfEvent?[k] ?? file,
                };
                tweak?.Invoke(k, draft);
                drafts.Add(draft);
            }

            foreach (Draft d in drafts)
            {
                bool inCsv = files[d.File].Container == Container.SentinelCsvAuditLogs;
                InviteStyle style = inCsv || d.PortalTimeInJson ? InviteStyle.LogAnalytics : (InviteStyle)random.Next(3);
                // JSON timestamps carry digits below the millisecond, which readers truncate; CSV ones end at the millisecond.
                long ticks = DateTime.UnixEpoch.Ticks + (baseMs + d.OffsetMs) * TimeSpan.TicksPerMillisecond + (inCsv ? 0 : random.Next((int)TimeSpan.TicksPerMillisecond));
                long expectedRecords = Math.Max(4, files[d.File].TargetBytes / 1900);
                int at = 3 + (int)random.NextInt64(expectedRecords - 3);
                plan[d.File].Add(new PlantedInvite(ticks, d.Inviter, d.IpJson, d.Target, style, d.PortalTimeInJson, at));
            }

            scenario++;
        }

        int Other(params int[] not)
        {
            int[] left = any.Except(not).ToArray();
            return left.Length == 0 ? not[0] : left[random.Next(left.Length)];
        }

        if (options.PlantRate > 0)
        {
            // The seed's Test 4: six invitations within an hour, same inviter and address.
            Scenario([0, 431, 917, 1744, 2461, 3122]);
            Scenario([0, 300, 845, 1320, 1990, 2822, 3480]);
            // One burst whose events sit in three files (the AuditLogs CSV export among them when there is one).
            int f0 = json[random.Next(json.Length)];
            int f1 = Other(f0);
            int f2 = csv.Length > 0 && csv[0] != f0 && csv[0] != f1 ? csv[0] : Other(f0, f1);
            Scenario([0, 480, 1021, 1500, 2160, 2640], fileOfEvent: [f0, f1, f2, f0, f1, f2]);
            // Twelve within the hour: one burst of twelve, not two of six.
            Scenario([0, 290, 580, 870, 1160, 1450, 1740, 2030, 2320, 2610, 2900, 3190]);
            // The greedy scan goes on at j + 1: six in the first half hour, six more starting after the hour.
            Scenario([0, 300, 600, 900, 1200, 1500, 3660, 3720, 3780, 3840, 3900, 3960]);
            // A null source address is a group value of its own.
            Scenario([0, 600, 1200, 1800, 2400, 3000], (_, d) => d.IpJson = "null");
        }

        if (options.Adversarial)
        {
            Scenario([0, 600, 1200, 1800, 2400]); // five
            Scenario([0, 732, 1464, 2196, 2928, 3660]); // six over 61 minutes
            string otherIp = "\"198.51.100." + (1 + random.Next(254)) + "\"";
            Scenario([0, 600, 1200, 1800, 2400, 3000], (k, d) => { if (k % 2 == 1) d.IpJson = otherIp; }); // one inviter, two addresses, 3 + 3
            Scenario([0, 600, 1200, 1800, 2400, 3000], (k, d) => d.IpJson = k < 3 ? "null" : "\"\""); // null and "" are different groups
            Scenario([0, 600, 1200, 1800, 2400, 3600]); // the sixth at exactly +60 min is outside (<)
            Scenario([0, 600, 1200, 1800, 2400, 3000], (k, d) => { if (k == 5) d.Target = d.Target.Replace("#EXT#", "#ext#", StringComparison.Ordinal); });
            Scenario([0, 600, 1200, 1800, 2400, 3000], (k, d) => { if (k == 5) d.Inviter = null; });
            int jsonFile = json[random.Next(json.Length)];
            Scenario([0, 600, 1200, 1800, 2400, 3000], (k, d) => { if (k == 5) { d.PortalTimeInJson = true; d.File = jsonFile; } });
        }

        foreach (var list in plan) list.Sort((a, b) => a.AtRecord.CompareTo(b.AtRecord));
        return plan;
    }

    /// <summary>
    /// The bursts of spec §7.3 over the events: grouped by (inviter, address), each group sorted by
    /// (time, file, offset), then scanned greedily; one ground-truth row per burst, at its first event.
    /// </summary>
    public static List<PlantedDetection> FindBursts(IEnumerable<LocatedInvite> events)
    {
        var bursts = new List<PlantedDetection>();
        foreach (var group in events.GroupBy(e => (e.Event.Inviter, e.Event.Ip)))
        {
            var e = group.OrderBy(x => x.Event.TimeMs).ThenBy(x => x.RelativePath, StringComparer.Ordinal).ThenBy(x => x.Offset).ToList();
            int i = 0;
            while (i < e.Count)
            {
                int j = i;
                while (j + 1 < e.Count && e[j + 1].Event.TimeMs < e[i].Event.TimeMs + HourMs) j++;
                if (j - i + 1 > 5)
                {
                    bursts.Add(new PlantedDetection(e[i].RelativePath, e[i].Offset, DetectionTypes.GuestInviteBurst));
                    i = j + 1;
                }
                else
                {
                    i++;
                }
            }
        }

        return bursts;
    }
}
