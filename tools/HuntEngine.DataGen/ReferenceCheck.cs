using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace HuntEngine.DataGen;

/// <summary>
/// The generator's self-check (<c>--verify</c>): decompresses every file of an archive, frames
/// every record with System.Text.Json, applies detection-spec §2/§3/§7 the slow, obvious way,
/// and compares the detections with the ground truth. It is a test oracle for the generator's
/// own bookkeeping (offsets, escapes, near-misses), not a second engine: it is written for
/// clarity and only covers the record kinds the generator writes plus the spec's recognition order.
/// </summary>
internal static partial class ReferenceCheck
{
    public sealed record Report(int Files, long Records, long DecompressedBytes, IReadOnlyDictionary<string, long> RecordsByKind,
        IReadOnlyDictionary<string, long> DetectionsByType, IReadOnlyList<string> Problems);

    public static Report Verify(string directory)
    {
        var truth = ReadTruth(CorpusGenerator.GroundTruthPathFor(directory));
        var found = new HashSet<(string, long, string)>();
        var kinds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var detections = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var problems = new List<string>();
        var invites = new List<(string User, string? Ip, DateTimeOffset Time)>();
        int files = 0;
        long records = 0, bytes = 0;

        foreach (string path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(directory, path).Replace('\\', '/');
            files++;
            byte[] data = Decompress(path);
            bytes += data.Length;
            foreach (var (offset, length) in FrameRecords(data))
            {
                records++;
                using JsonDocument document = JsonDocument.Parse(data.AsMemory(offset, length));
                Columns row = Normalize(document.RootElement);
                kinds[row.Kind] = kinds.GetValueOrDefault(row.Kind) + 1;
                string? type = Detect(row);
                if (type is not null)
                {
                    detections[type] = detections.GetValueOrDefault(type) + 1;
                    found.Add((relative, offset, type));
                }

                if (row.LogSource == "Microsoft Azure Active Directory" && row.EventName == "Invite external user"
                    && row.TargetUser?.Contains("#EXT#", StringComparison.Ordinal) == true && row.Username is not null && row.EventTime is { } time)
                {
                    invites.Add((row.Username, row.SourceIp, time));
                }
            }
        }

        foreach (var missing in truth.Except(found)) problems.Add($"planted but not detected by the reference rules: {missing}");
        foreach (var extra in found.Except(truth)) problems.Add($"detected by the reference rules but not in ground truth: {extra}");
        foreach (var group in invites.GroupBy(i => (i.User, i.Ip)))
        {
            var times = group.Select(g => g.Time).Order().ToList();
            for (int i = 0; i + 5 < times.Count; i++)
            {
                if (times[i + 5] < times[i].AddHours(1)) problems.Add($"an unplanned GuestInviteBurst would fire for {group.Key}");
            }
        }

        return new Report(files, records, bytes, kinds, detections, problems);
    }

    private static HashSet<(string, long, string)> ReadTruth(string path)
    {
        var rows = new HashSet<(string, long, string)>();
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            string[] cells = line.Split(',');
            rows.Add((cells[0], long.Parse(cells[1], CultureInfo.InvariantCulture), cells[2]));
        }

        return rows;
    }

    /// <summary>Decompresses by magic bytes, member after member / frame after frame.</summary>
    internal static byte[] Decompress(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 4) return raw;
        var output = new MemoryStream();
        if (raw[0] == 0x1F && raw[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress); // reads concatenated members
            gzip.CopyTo(output);
        }
        else if (raw[0] == 0x04 && raw[1] == 0x22 && raw[2] == 0x4D && raw[3] == 0x18)
        {
            using var input = new MemoryStream(raw);
            while (input.Position < input.Length)
            {
                using var lz4 = LZ4Stream.Decode(input, extraMemory: 0, leaveOpen: true);
                lz4.CopyTo(output);
            }
        }
        else if (raw[0] == 0x28 && raw[1] == 0xB5 && raw[2] == 0x2F && raw[3] == 0xFD)
        {
            using var zstd = new DecompressionStream(new MemoryStream(raw));
            zstd.CopyTo(output);
        }
        else
        {
            return raw;
        }

        return output.ToArray();
    }

    /// <summary>Every record's (offset of '{', length): elements of a top-level array or of a value/records wrapper, else successive top-level values.</summary>
    internal static List<(int Offset, int Length)> FrameRecords(byte[] data)
    {
        int start = data.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var records = new List<(int, int)>();
        var options = new JsonReaderOptions { AllowMultipleValues = true };
        var reader = new Utf8JsonReader(data.AsSpan(start), options);
        if (!reader.Read()) return records;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            ReadArrayElements(ref reader, start, records);
            return records;
        }

        // A wrapper is one object holding a "value" or "records" array.
        var probe = reader;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            bool wrapperArray = (probe.ValueTextEquals("value"u8) || probe.ValueTextEquals("records"u8));
            probe.Read();
            if (wrapperArray && probe.TokenType == JsonTokenType.StartArray)
            {
                ReadArrayElements(ref probe, start, records);
                return records;
            }

            probe.Skip();
        }

        do
        {
            int offset = start + (int)reader.TokenStartIndex;
            reader.Skip();
            records.Add((offset, start + (int)reader.BytesConsumed - offset));
        }
        while (reader.Read());

        return records;
    }

    private static void ReadArrayElements(ref Utf8JsonReader reader, int start, List<(int, int)> records)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            int offset = start + (int)reader.TokenStartIndex;
            reader.Skip();
            records.Add((offset, start + (int)reader.BytesConsumed - offset));
        }
    }

    private sealed record Columns(string Kind)
    {
        public string? LogSource { get; init; }
        public DateTimeOffset? EventTime { get; init; }
        public string? Username { get; init; }
        public string? SourceIp { get; init; }
        public string? EventName { get; init; }
        public string? AppName { get; init; }
        public string? AppDisplayName { get; init; }
        public string? UserType { get; init; }
        public string? RiskLevel { get; init; }
        public string? TargetUser { get; init; }
        public string? RemoteHost { get; init; }
        public long? SentBytes { get; init; }
    }

    private const string Office365 = "Microsoft Office 365";
    private const string AzureAd = "Microsoft Azure Active Directory";
    private const string Defender = "Microsoft Defender for Endpoint";

    private static Columns Normalize(JsonElement r)
    {
        if (r.ValueKind != JsonValueKind.Object) return new Columns("malformed");
        if (Has(r, "CreationTime") && Has(r, "Operation") && (Has(r, "Workload") || Has(r, "RecordType")))
        {
            return new Columns("UAL")
            {
                LogSource = Office365,
                Username = Text(r, "UserId"),
                SourceIp = Text(r, "ClientIP"),
                EventName = Text(r, "Operation"),
                AppName = FirstType1TargetId(r),
                UserType = UalUserType(r),
            };
        }

        bool hasTime = Has(r, "time");
        string? category = r.TryGetProperty("category", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        bool objectProperties = r.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object;
        if (hasTime && category is "SignInLogs" or "NonInteractiveUserSignInLogs" && objectProperties)
        {
            return new Columns("AzureMonitorSignIn")
            {
                LogSource = AzureAd,
                Username = Text(r, "properties", "userPrincipalName"),
                SourceIp = Text(r, "properties", "ipAddress") ?? Text(r, "callerIpAddress"),
                EventName = Text(r, "operationName"),
                AppDisplayName = Text(r, "properties", "appDisplayName"),
                UserType = UpperFirst(Text(r, "properties", "userType")),
                RiskLevel = Text(r, "properties", "riskLevelDuringSignIn"),
            };
        }

        if (hasTime && category == "AuditLogs" && objectProperties)
        {
            return new Columns("AzureMonitorAudit")
            {
                LogSource = AzureAd,
                EventTime = Time(Text(r, "time")),
                Username = Text(r, "properties", "initiatedBy", "user", "userPrincipalName") ?? Text(r, "properties", "initiatedBy", "app", "displayName"),
                SourceIp = Text(r, "properties", "initiatedBy", "user", "ipAddress") ?? Text(r, "callerIpAddress"),
                EventName = Text(r, "properties", "activityDisplayName") ?? Text(r, "operationName"),
                AppName = Text(r, "properties", "targetResources", "0", "displayName"),
                TargetUser = Text(r, "properties", "targetResources", "0", "userPrincipalName"),
            };
        }

        if (Has(r, "createdDateTime") && Has(r, "userPrincipalName"))
        {
            return new Columns("GraphSignIn")
            {
                LogSource = AzureAd,
                Username = Text(r, "userPrincipalName"),
                SourceIp = Text(r, "ipAddress"),
                EventName = "Sign-in activity",
                AppDisplayName = Text(r, "appDisplayName"),
                UserType = UpperFirst(Text(r, "userType")),
                RiskLevel = Text(r, "riskLevelDuringSignIn"),
            };
        }

        if (Has(r, "activityDateTime") && Has(r, "activityDisplayName"))
        {
            return new Columns("GraphAudit")
            {
                LogSource = AzureAd,
                EventTime = Time(Text(r, "activityDateTime")),
                Username = Text(r, "initiatedBy", "user", "userPrincipalName") ?? Text(r, "initiatedBy", "app", "displayName"),
                SourceIp = Text(r, "initiatedBy", "user", "ipAddress"),
                EventName = Text(r, "activityDisplayName"),
                AppName = Text(r, "targetResources", "0", "displayName"),
                TargetUser = Text(r, "targetResources", "0", "userPrincipalName"),
            };
        }

        if (Has(r, "TimeGenerated")) return new Columns("LogAnalytics(not generated)");

        if (hasTime && category == "AdvancedHunting-DeviceNetworkEvents" && objectProperties)
        {
            return new Columns("MdeNetworkStreaming")
            {
                LogSource = Defender,
                RemoteHost = RemoteHost(Text(r, "properties", "RemoteUrl")),
                SentBytes = SentBytes(r, "properties", "SentBytes"),
            };
        }

        if (Has(r, "DeviceName") && Has(r, "ActionType") && Has(r, "RemoteIP") && Has(r, "Timestamp"))
        {
            return new Columns("MdeNetworkHunting")
            {
                LogSource = Defender,
                RemoteHost = RemoteHost(Text(r, "RemoteUrl")),
                SentBytes = SentBytes(r, "SentBytes"),
            };
        }

        return new Columns("unknown");
    }

    private static readonly string[] TeamsOperations = ["MessageSent", "ChatCreated", "MeetingInvited"];
    private static readonly string[] StorageApps = ["dropbox", "mega", "pcloud", "sync.com", "mediafire", "box.com"];
    private static readonly string[] CollaborationApps = ["Teams", "SharePoint", "OneDrive", "Office 365"];
    private static readonly string[] StorageHosts = ["s3.amazonaws.com", "content.dropboxapi.com", "mega.nz", "mega.co.nz"];

    private static string? Detect(Columns row)
    {
        if (Contains(row.LogSource, "Office 365")
            && TeamsOperations.Any(o => Contains(row.EventName, o))
            && row.Username is { } user && RecordPools.UsernameKeywords.Any(k => user.ToLowerInvariant().Contains(k, StringComparison.Ordinal)))
        {
            return DetectionTypes.TeamsItImpersonation;
        }

        if ((Contains(row.LogSource, "Office 365") || Contains(row.LogSource, "Azure Active Directory"))
            && Contains(row.EventName, "Consent to application")
            && row.AppName is { } app && StorageApps.Any(s => AsciiLower(app).Contains(s, StringComparison.Ordinal)))
        {
            return DetectionTypes.SuspiciousOAuthGrant;
        }

        if (Contains(row.LogSource, "Azure") && Contains(row.EventName, "Sign-in") && row.UserType == "Guest"
            && row.RiskLevel is "high" or "medium" && CollaborationApps.Any(a => Contains(row.AppDisplayName, a)))
        {
            return DetectionTypes.RiskyGuestSignin;
        }

        if (row.RemoteHost is { } host && row.SentBytes > 10_485_760
            && (StorageHosts.Any(h => host == h || host.EndsWith("." + h, StringComparison.Ordinal)) || S3Endpoint().IsMatch(host)))
        {
            return DetectionTypes.CloudStorageExfil;
        }

        return null;
    }

    [GeneratedRegex(@"(^|\.)s3[.-]([a-z0-9-]+\.)+amazonaws\.com$")]
    private static partial Regex S3Endpoint();

    private static bool Contains(string? value, string part) => value is not null && value.Contains(part, StringComparison.Ordinal);

    private static string AsciiLower(string value) => string.Create(value.Length, value, (span, v) =>
    {
        for (int i = 0; i < v.Length; i++) span[i] = v[i] is >= 'A' and <= 'Z' ? (char)(v[i] + 32) : v[i];
    });

    private static bool Has(JsonElement r, string name) => r.TryGetProperty(name, out _);

    /// <summary>Follows a path (array indices as digits), parsing strings that hold JSON on the way; null for missing, JSON null and "&lt;null&gt;".</summary>
    private static string? Text(JsonElement r, params string[] path)
    {
        JsonElement? at = Walk(r, path);
        if (at is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString() is "<null>" ? null : value.GetString(),
            _ => value.GetRawText(),
        };
    }

    private static JsonElement? Walk(JsonElement r, string[] path)
    {
        JsonElement current = r;
        foreach (string step in path)
        {
            if (current.ValueKind == JsonValueKind.String && current.GetString() is { } text && text.TrimStart().StartsWith('{') | text.TrimStart().StartsWith('['))
            {
                try { current = JsonDocument.Parse(text).RootElement; }
                catch (JsonException) { return null; }
            }

            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(step, out var next)) current = next;
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(step, out int index) && index < current.GetArrayLength()) current = current[index];
            else return null;
        }

        return current;
    }

    private static string? FirstType1TargetId(JsonElement r)
    {
        if (!r.TryGetProperty("Target", out var targets) || targets.ValueKind != JsonValueKind.Array) return null;
        foreach (JsonElement target in targets.EnumerateArray())
        {
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty("Type", out var type)
                && type.ValueKind == JsonValueKind.Number && type.GetRawText() == "1")
            {
                return Text(target, "ID");
            }
        }

        return null;
    }

    private static readonly string[] UalUserTypes =
        ["Regular", "Reserved", "Admin", "DcAdmin", "System", "Application", "ServicePrincipal", "CustomPolicy", "SystemPolicy", "PartnerTechnician", "Guest"];

    private static string? UalUserType(JsonElement r)
    {
        if (!r.TryGetProperty("UserType", out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.GetRawText() is { } raw && int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 10)
        {
            return UalUserTypes[n];
        }

        return Text(r, "UserType");
    }

    private static string? UpperFirst(string? value) => string.IsNullOrEmpty(value) ? value : char.ToUpperInvariant(value[0]) + value[1..];

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static string? RemoteHost(string? url)
    {
        if (url is null) return null;
        string rest = url;
        int scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) rest = rest[(scheme + 3)..];
        int end = rest.IndexOfAny(['/', '?', '#']);
        if (end >= 0) rest = rest[..end];
        int at = rest.LastIndexOf('@');
        if (at >= 0) rest = rest[(at + 1)..];
        int colon = rest.LastIndexOf(':');
        if (colon >= 0) rest = rest[..colon];
        return rest.Length == 0 ? null : AsciiLower(rest);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    private static long? SentBytes(JsonElement r, params string[] path)
    {
        if (Walk(r, path) is not { } value) return null;
        string? text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        if (text is null || !JsonNumber().IsMatch(text)) return null;
        try
        {
            decimal number = decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return number >= 0 && number == decimal.Truncate(number) && number <= long.MaxValue ? (long)number : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>Renders the report for the CLI.</summary>
    public static string Describe(Report report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"verify: {report.Files} files, {report.Records:N0} records, {report.DecompressedBytes:N0} decompressed bytes");
        text.AppendLine("  records by kind: " + string.Join(", ", report.RecordsByKind.Select(k => $"{k.Key}={k.Value}")));
        text.AppendLine("  detections by type: " + string.Join(", ", report.DetectionsByType.Select(k => $"{k.Key}={k.Value}")));
        text.Append(report.Problems.Count == 0 ? "  OK: reference detections equal ground truth" : $"  {report.Problems.Count} PROBLEMS:\n    " + string.Join("\n    ", report.Problems.Take(40)));
        return text.ToString();
    }
}
