using System.IO.Compression;
using System.Text;
using System.Text.Json;
using K4os.Compression.LZ4.Streams;

namespace HuntEngine.Tests.Reference;

/// <summary>The normalized columns of one record (spec §2, §7.1), as the reference computes them.</summary>
public sealed record ReferenceRow(
    string Kind,
    long? EventTimeMs,
    string? Username,
    string? SourceIp,
    string? EventName,
    string? LogSourceType,
    string? AppName,
    string? AppDisplayName,
    string? UserType,
    string? RiskLevel,
    string? TargetUser,
    string? RemoteHost,
    string? ProcessName,
    long? SentBytes,
    string? DeviceName);

/// <summary>One record read from a file: where it is, its text, and its normalized columns.</summary>
public sealed record ReferenceRecord(string SourceFile, long SourceOffset, string Raw, ReferenceRow Row);

/// <summary>A malformed record (spec §5): where it starts and why it was rejected.</summary>
public sealed record ReferenceMalformed(string SourceFile, long SourceOffset, string Reason);

/// <summary>Everything the reference saw in a scan; <see cref="Detections"/> is what the engine must write.</summary>
public sealed class ReferenceScanResult
{
    public required IReadOnlyList<HuntEngine.Detection> Detections { get; init; }

    /// <summary>Every record, in file order then position order (window or not).</summary>
    public required IReadOnlyList<ReferenceRecord> Records { get; init; }

    public required IReadOnlyList<ReferenceMalformed> Malformed { get; init; }

    /// <summary>Records dropped by the time window (null time included when a window is given).</summary>
    public required long OutsideWindow { get; init; }

    /// <summary>Per-file problems: corrupt compressed stream, unsupported (binary) file.</summary>
    public required IReadOnlyList<string> FileErrors { get; init; }

    public IReadOnlyDictionary<string, long> RecordsByKind =>
        Records.GroupBy(r => r.Row.Kind).ToDictionary(g => g.Key, g => (long)g.Count());
}

/// <summary>
/// A deliberately simple, slow, obviously-correct implementation of docs/detection-spec.md, used by
/// differential tests to check the fast engine. Everything is strings and JsonDocument; every rule is a
/// plain <c>if</c> written from the spec's tables. Do not optimise this file: its value is that it is easy
/// to check against the spec by reading it.
/// </summary>
public static class ReferenceHunter
{
    // ------------------------------------------------------------------------------------------------
    // Public entry points
    // ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Hunts the given files (and folders, walked recursively, files in ordinal-sorted order of full path),
    /// returns detections sorted per spec §4.
    /// </summary>
    public static IReadOnlyList<HuntEngine.Detection> Hunt(IEnumerable<string> paths, long? fromMs = null, long? toMs = null)
        => Scan(paths, fromMs, toMs).Detections;

    /// <summary>Normalizes ONE record (a JSON object text) to its kind and columns; for focused tests.</summary>
    public static ReferenceRow Normalize(string recordJson, bool csvTimestamps = false)
    {
        using JsonDocument doc = JsonDocument.Parse(LoneSurrogatesReplaced(recordJson), ReferenceJsonOptions.Document);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A record must be a JSON object.", nameof(recordJson));
        }
        if (!AllStringsDecodable(doc.RootElement))
        {
            throw new ArgumentException("The record has string escapes that are not valid UTF-16.", nameof(recordJson));
        }
        return NormalizeRecord(doc.RootElement, csvTimestamps);
    }

    /// <summary>Like <see cref="Hunt"/> but also returns every record, the malformed ones and the counts.</summary>
    public static ReferenceScanResult Scan(IEnumerable<string> paths, long? fromMs = null, long? toMs = null)
    {
        var files = new List<(string SourceFile, byte[] Bytes)>();
        foreach (string sourceFile in ExpandPaths(paths))
        {
            files.Add((sourceFile, File.ReadAllBytes(sourceFile)));
        }
        return ScanFiles(files, fromMs, toMs);
    }

    /// <summary>Scans in-memory files (bytes as they would be on disk, compressed or not).</summary>
    public static ReferenceScanResult ScanFiles(IEnumerable<(string SourceFile, byte[] Bytes)> files, long? fromMs = null, long? toMs = null)
    {
        var records = new List<ReferenceRecord>();
        var malformed = new List<ReferenceMalformed>();
        var fileErrors = new List<string>();
        foreach ((string sourceFile, byte[] bytes) in files)
        {
            byte[] data = Decompress(bytes, sourceFile, fileErrors);
            ReadContainer(data, sourceFile, records, malformed, fileErrors);
        }

        bool hasWindow = fromMs is not null || toMs is not null;
        long outsideWindow = 0;
        var detections = new List<HuntEngine.Detection>();
        var inviteEvents = new List<ReferenceRecord>();
        foreach (ReferenceRecord record in records)
        {
            if (hasWindow && !IsInWindow(record.Row.EventTimeMs, fromMs, toMs))
            {
                outsideWindow++;
                continue;
            }

            string? label = SingleRecordLabel(record.Row);
            if (label is not null)
            {
                detections.Add(MakeDetection(record, label, eventCount: 1, windowEndMs: null));
            }

            if (IsGuestInviteEvent(record.Row))
            {
                inviteEvents.Add(record);
            }
        }

        detections.AddRange(FindGuestInviteBursts(inviteEvents));

        // OrderBy is a stable sort; the comparer is the engine's own definition of spec §4's order.
        List<HuntEngine.Detection> sorted = detections
            .OrderBy(d => d, Comparer<HuntEngine.Detection>.Create(OutputOrder))
            .ToList();

        return new ReferenceScanResult
        {
            Detections = sorted,
            Records = records,
            Malformed = malformed,
            OutsideWindow = outsideWindow,
            FileErrors = fileErrors,
        };
    }

    // ------------------------------------------------------------------------------------------------
    // Input: paths, decompression, containers (spec §1)
    // ------------------------------------------------------------------------------------------------

    /// <summary>Files as given; folders walked recursively, each folder's files in ordinal order of full path.</summary>
    public static IEnumerable<string> ExpandPaths(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                string fullFolder = Path.GetFullPath(path);
                string[] found = Directory.GetFiles(path, "*", SearchOption.AllDirectories);
                var fullPaths = found.Select(Path.GetFullPath).ToList();
                fullPaths.Sort(Utf8Order);
                foreach (string fullPath in fullPaths)
                {
                    yield return Path.Combine(path, Path.GetRelativePath(fullFolder, fullPath));
                }
            }
            else if (File.Exists(path))
            {
                yield return path;
            }
            else
            {
                throw new FileNotFoundException("No such file or folder.", path);
            }
        }
    }

    /// <summary>Decompresses by magic bytes; a corrupt stream keeps what decompressed before the damage.</summary>
    public static byte[] Decompress(byte[] fileBytes, string sourceFile, List<string> fileErrors)
    {
        Stream? decoder = null;
        var input = new MemoryStream(fileBytes, writable: false);
        if (StartsWith(fileBytes, [0x1f, 0x8b]))
        {
            decoder = new GZipStream(input, CompressionMode.Decompress);
        }
        else if (StartsWith(fileBytes, [0x04, 0x22, 0x4d, 0x18]))
        {
            decoder = LZ4Stream.Decode(input);
        }
        else if (StartsWith(fileBytes, [0x28, 0xb5, 0x2f, 0xfd]))
        {
            decoder = new ZstdSharp.DecompressionStream(input);
        }

        if (decoder is null)
        {
            return fileBytes;
        }

        var output = new MemoryStream();
        try
        {
            decoder.CopyTo(output);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ZstdSharp.ZstdException
                                    or InvalidOperationException or ArgumentException)
        {
            // Spec §5: a corrupt or truncated stream ends the file with an error; what came out whole is scanned.
            fileErrors.Add($"{sourceFile}: compressed stream error after {output.Length} bytes: {e.Message}");
        }
        finally
        {
            decoder.Dispose();
        }
        return output.ToArray();
    }

    private static bool StartsWith(byte[] bytes, byte[] prefix)
    {
        if (bytes.Length < prefix.Length)
        {
            return false;
        }
        for (int i = 0; i < prefix.Length; i++)
        {
            if (bytes[i] != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsBlank(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';

    /// <summary>Splits a decompressed file into records (spec §1) and normalizes each one.</summary>
    private static void ReadContainer(byte[] data, string sourceFile, List<ReferenceRecord> records,
        List<ReferenceMalformed> malformed, List<string> fileErrors)
    {
        int afterBom = 0;
        if (StartsWith(data, [0xef, 0xbb, 0xbf]))
        {
            afterBom = 3;
        }

        int first = afterBom;
        while (true)
        {
            while (first < data.Length && IsBlank(data[first]))
            {
                first++;
            }
            // A whole line of Unicode whitespace is blank too (spec §1's blank lines).
            int newline = Array.IndexOf(data, (byte)'\n', first);
            int lineEnd = newline < 0 ? data.Length : newline;
            if (first == data.Length || data[first] == (byte)'{' || data[first] == (byte)'[' || !IsUnicodeWhitespace(data[first..lineEnd]))
            {
                break;
            }
            first = newline < 0 ? data.Length : newline + 1;
        }
        if (first == data.Length)
        {
            return; // empty or blank file: no records
        }

        var candidates = new List<Candidate>();
        if (data[first] == (byte)'[')
        {
            ReadJsonArray(data, first, sourceFile, candidates, malformed);
        }
        else if (data[first] == (byte)'{')
        {
            if (!TryReadSingleObjectOrWrapper(data, first, candidates))
            {
                ReadNdjson(data, afterBom, candidates);
            }
        }
        else
        {
            int checkLength = Math.Min(data.Length, 4096);
            if (Array.IndexOf(data, (byte)0, 0, checkLength) >= 0)
            {
                fileErrors.Add($"{sourceFile}: unsupported file (not text: a NUL byte in the first 4 KiB)");
                return;
            }
            ReferenceCsv.Read(data, afterBom, sourceFile, candidates, malformed);
        }

        foreach (Candidate candidate in candidates)
        {
            AcceptCandidate(candidate, sourceFile, records, malformed);
        }
    }

    /// <summary>A piece of a file that should be one record: its offset and its JSON text as bytes.</summary>
    internal sealed record Candidate(long Offset, byte[] Json, bool CsvTimestamps);

    /// <summary>Validates one candidate (UTF-8, JSON, object, decodable strings) and normalizes it.</summary>
    private static void AcceptCandidate(Candidate candidate, string sourceFile, List<ReferenceRecord> records,
        List<ReferenceMalformed> malformed)
    {
        string raw;
        try
        {
            raw = ReferenceJsonOptions.StrictUtf8.GetString(candidate.Json);
        }
        catch (DecoderFallbackException)
        {
            malformed.Add(new ReferenceMalformed(sourceFile, candidate.Offset, "invalid UTF-8"));
            return;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(LoneSurrogatesReplaced(raw), ReferenceJsonOptions.Document);
        }
        catch (JsonException e)
        {
            malformed.Add(new ReferenceMalformed(sourceFile, candidate.Offset, "invalid JSON: " + e.Message));
            return;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                malformed.Add(new ReferenceMalformed(sourceFile, candidate.Offset, "not a JSON object"));
                return;
            }
            if (!AllStringsDecodable(doc.RootElement))
            {
                malformed.Add(new ReferenceMalformed(sourceFile, candidate.Offset, "string escapes that are not valid UTF-16 (lone surrogate)"));
                return;
            }
            ReferenceRow row = NormalizeRecord(doc.RootElement, candidate.CsvTimestamps);
            records.Add(new ReferenceRecord(sourceFile, candidate.Offset, raw, row));
        }
    }

    /// <summary>Names in the order of their UTF-8 bytes (code point order).</summary>
    private static readonly IComparer<string> Utf8Order = Comparer<string>.Create((a, b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));

    /// <summary>Spec §4: event_time (nulls last), source_file, source_offset; then type and raw-less rows first, the engine's tie-breakers for rows equal on all three.</summary>
    private static int OutputOrder(HuntEngine.Detection a, HuntEngine.Detection b)
    {
        int c = (a.EventTimeMs, b.EventTimeMs) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            ({ } x, { } y) => x.CompareTo(y),
        };
        if (c == 0) c = Utf8Order.Compare(a.SourceFile, b.SourceFile);
        if (c == 0) c = a.SourceOffset.CompareTo(b.SourceOffset);
        if (c == 0) c = string.CompareOrdinal(a.DetectionType, b.DetectionType);
        return c != 0 ? c : (b.Raw is null).CompareTo(a.Raw is null);
    }

    /// <summary>
    /// The JSON text with each \u escape of half a surrogate pair that has no other half written as
    /// \ufffd: valid JSON grammar that names no character, read as U+FFFD (decisions.md).
    /// </summary>
    private static string LoneSurrogatesReplaced(string json)
    {
        if (!json.Contains("\\u", StringComparison.Ordinal)) return json;
        var sb = new StringBuilder(json.Length);
        int i = 0;
        while (i < json.Length)
        {
            if (json[i] != '\\' || i + 1 >= json.Length)
            {
                sb.Append(json[i]);
                i++;
                continue;
            }
            if (json[i + 1] != 'u' || i + 6 > json.Length || !int.TryParse(json.AsSpan(i + 2, 4), System.Globalization.NumberStyles.HexNumber, null, out int unit))
            {
                sb.Append(json, i, 2); // \" \\ \n ...: two characters, passed on as they are
                i += 2;
                continue;
            }
            bool high = unit is >= 0xD800 and <= 0xDBFF, low = unit is >= 0xDC00 and <= 0xDFFF;
            bool pairFollows = high && i + 12 <= json.Length && json[i + 6] == '\\' && json[i + 7] == 'u'
                && int.TryParse(json.AsSpan(i + 8, 4), System.Globalization.NumberStyles.HexNumber, null, out int next) && next is >= 0xDC00 and <= 0xDFFF;
            if (pairFollows)
            {
                sb.Append(json, i, 12);
                i += 12;
            }
            else
            {
                sb.Append(high || low ? "\\ufffd" : json.Substring(i, 6));
                i += 6;
            }
        }
        return sb.ToString();
    }

    /// <summary>True when every property name and string value can be read as a .NET string.</summary>
    private static bool AllStringsDecodable(JsonElement root)
    {
        var pending = new Stack<JsonElement>();
        pending.Push(root);
        try
        {
            while (pending.Count > 0)
            {
                JsonElement element = pending.Pop();
                switch (element.ValueKind)
                {
                    case JsonValueKind.Object:
                        foreach (JsonProperty property in element.EnumerateObject())
                        {
                            _ = property.Name;
                            pending.Push(property.Value);
                        }
                        break;
                    case JsonValueKind.Array:
                        foreach (JsonElement item in element.EnumerateArray())
                        {
                            pending.Push(item);
                        }
                        break;
                    case JsonValueKind.String:
                        _ = element.GetString();
                        break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// A top-level JSON array: each element is a record (non-objects are malformed). The reader walks the
    /// array so that each element's byte offset is known; if the array is cut short or broken, the
    /// elements before the break are records and the broken one is malformed.
    /// </summary>
    private static void ReadJsonArray(byte[] data, int start, string sourceFile, List<Candidate> candidates,
        List<ReferenceMalformed> malformed)
    {
        var reader = new Utf8JsonReader(data.AsSpan(start), ReferenceJsonOptions.Reader);
        long elementStart = -1;
        try
        {
            reader.Read(); // StartArray
            ReadArrayElements(ref reader, data, start, ref elementStart, candidates);
        }
        catch (JsonException e)
        {
            long offset = elementStart >= 0 ? elementStart : start + reader.BytesConsumed;
            malformed.Add(new ReferenceMalformed(sourceFile, offset, "broken or truncated array: " + e.Message));
            return;
        }

        // After the closing ']' only whitespace may follow.
        int after = start + (int)reader.BytesConsumed;
        while (after < data.Length && IsBlank(data[after]))
        {
            after++;
        }
        if (after < data.Length)
        {
            malformed.Add(new ReferenceMalformed(sourceFile, after, "content after the end of the top-level array"));
        }
    }

    /// <summary>
    /// With the reader on a StartArray, reads each element up to the EndArray. Every element becomes a
    /// candidate (objects and non-objects alike; AcceptCandidate rejects the non-objects as malformed).
    /// </summary>
    private static void ReadArrayElements(ref Utf8JsonReader reader, byte[] data, int readerBase, ref long elementStart,
        List<Candidate> candidates)
    {
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }
            elementStart = readerBase + reader.TokenStartIndex;
            reader.Skip(); // to the element's last token (no-op for a scalar)
            long elementEnd = readerBase + reader.BytesConsumed;
            byte[] slice = data[(int)elementStart..(int)elementEnd];
            candidates.Add(new Candidate(elementStart, slice, CsvTimestamps: false));
            elementStart = -1;
        }
    }

    /// <summary>
    /// A file starting with '{': if everything from there to the end is ONE JSON object, it is either a
    /// wrapper (a top-level "value" or "records" property that is an array: its elements are the records)
    /// or the one record of the file. Returns false when it is not one object (then it is NDJSON).
    /// </summary>
    private static bool TryReadSingleObjectOrWrapper(byte[] data, int start, List<Candidate> candidates)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(data.AsMemory(start), ReferenceJsonOptions.Document);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        // The text is known to be valid JSON, so this walk cannot fail.
        var reader = new Utf8JsonReader(data.AsSpan(start), ReferenceJsonOptions.Reader);
        reader.Read(); // StartObject
        List<Candidate>? valueElements = null;   // the LAST "value" property's elements, null if it is not an array
        List<Candidate>? recordsElements = null; // the same for "records"
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            string name = reader.GetString()!;
            reader.Read(); // the property's value
            if (name == "value" || name == "records")
            {
                List<Candidate>? elements = null;
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    elements = new List<Candidate>();
                    long unused = -1;
                    ReadArrayElements(ref reader, data, start, ref unused, elements);
                }
                else
                {
                    reader.Skip();
                }
                if (name == "value")
                {
                    valueElements = elements;
                }
                else
                {
                    recordsElements = elements;
                }
            }
            else
            {
                reader.Skip();
            }
        }
        long objectEnd = start + reader.BytesConsumed;

        // A page with both arrays: "value" (Graph) is taken; see the report for this choice.
        List<Candidate>? chosen = valueElements ?? recordsElements;
        if (chosen is not null)
        {
            candidates.AddRange(chosen);
        }
        else
        {
            candidates.Add(new Candidate(start, data[start..(int)objectEnd], CsvTimestamps: false));
        }
        return true;
    }

    private static bool IsUnicodeWhitespace(byte[] line)
    {
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(line);
        }
        catch (ArgumentException)
        {
            return false;
        }
        return text.All(char.IsWhiteSpace);
    }

    /// <summary>NDJSON: each non-blank line (split on '\n', JSON whitespace trimmed) is one record; a line of Unicode whitespace only is blank.</summary>
    private static void ReadNdjson(byte[] data, int afterBom, List<Candidate> candidates)
    {
        int lineStart = afterBom;
        while (lineStart <= data.Length)
        {
            int newline = Array.IndexOf(data, (byte)'\n', lineStart);
            int lineEnd = newline >= 0 ? newline : data.Length;

            int a = lineStart;
            int b = lineEnd;
            while (a < b && IsBlank(data[a]))
            {
                a++;
            }
            while (b > a && IsBlank(data[b - 1]))
            {
                b--;
            }
            if (a < b && !IsUnicodeWhitespace(data[a..b]))
            {
                candidates.Add(new Candidate(a, data[a..b], CsvTimestamps: false));
            }

            if (newline < 0)
            {
                break;
            }
            lineStart = newline + 1;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Normalization (spec §2, §7.1, §7.2)
    // ------------------------------------------------------------------------------------------------

    private static ReferenceRow NormalizeRecord(JsonElement r, bool csv)
    {
        // ---- UAL
        if (Has(r, "CreationTime") && Has(r, "Operation") && (Has(r, "Workload") || Has(r, "RecordType")))
        {
            return new ReferenceRow(
                Kind: "UAL",
                EventTimeMs: ParseTimestamp(Str(r, "CreationTime"), csv),
                Username: Str(r, "UserId"),
                SourceIp: Str(r, "ClientIP"),
                EventName: Str(r, "Operation"),
                LogSourceType: "Microsoft Office 365",
                AppName: UalAppName(r),
                AppDisplayName: null,
                UserType: UalUserType(Get(r, "UserType")),
                RiskLevel: null,
                TargetUser: null, RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- AzureMonitor sign-in
        if (Has(r, "time") && (TopStringIs(r, "category", "SignInLogs") || TopStringIs(r, "category", "NonInteractiveUserSignInLogs"))
            && IsObject(Get(r, "properties")))
        {
            return new ReferenceRow(
                Kind: "AzureMonitorSignIn",
                EventTimeMs: ParseTimestamp(Str(r, "time"), csv),
                Username: Str(r, "properties", "userPrincipalName"),
                SourceIp: Str(r, "properties", "ipAddress") ?? Str(r, "callerIpAddress"),
                EventName: Str(r, "operationName"),
                LogSourceType: "Microsoft Azure Active Directory",
                AppName: null,
                AppDisplayName: Str(r, "properties", "appDisplayName"),
                UserType: UpperFirst(Get(r, "properties", "userType")),
                RiskLevel: Str(r, "properties", "riskLevelDuringSignIn"),
                TargetUser: null, RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- AzureMonitor audit
        if (Has(r, "time") && TopStringIs(r, "category", "AuditLogs") && IsObject(Get(r, "properties")))
        {
            return new ReferenceRow(
                Kind: "AzureMonitorAudit",
                EventTimeMs: ParseTimestamp(Str(r, "time"), csv),
                Username: Str(r, "properties", "initiatedBy", "user", "userPrincipalName")
                          ?? Str(r, "properties", "initiatedBy", "app", "displayName"),
                SourceIp: Str(r, "properties", "initiatedBy", "user", "ipAddress") ?? Str(r, "callerIpAddress"),
                EventName: Str(r, "properties", "activityDisplayName") ?? Str(r, "operationName"),
                LogSourceType: "Microsoft Azure Active Directory",
                AppName: Str(r, "properties", "targetResources", "[0]", "displayName"),
                AppDisplayName: null,
                UserType: null,
                RiskLevel: null,
                TargetUser: Str(r, "properties", "targetResources", "[0]", "userPrincipalName"),
                RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- Graph sign-in
        if (Has(r, "createdDateTime") && Has(r, "userPrincipalName"))
        {
            return new ReferenceRow(
                Kind: "GraphSignIn",
                EventTimeMs: ParseTimestamp(Str(r, "createdDateTime"), csv),
                Username: Str(r, "userPrincipalName"),
                SourceIp: Str(r, "ipAddress"),
                EventName: "Sign-in activity",
                LogSourceType: "Microsoft Azure Active Directory",
                AppName: null,
                AppDisplayName: Str(r, "appDisplayName"),
                UserType: UpperFirst(Get(r, "userType")),
                RiskLevel: Str(r, "riskLevelDuringSignIn"),
                TargetUser: null, RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- Graph audit
        if (Has(r, "activityDateTime") && Has(r, "activityDisplayName"))
        {
            return new ReferenceRow(
                Kind: "GraphAudit",
                EventTimeMs: ParseTimestamp(Str(r, "activityDateTime"), csv),
                Username: Str(r, "initiatedBy", "user", "userPrincipalName") ?? Str(r, "initiatedBy", "app", "displayName"),
                SourceIp: Str(r, "initiatedBy", "user", "ipAddress"),
                EventName: Str(r, "activityDisplayName"),
                LogSourceType: "Microsoft Azure Active Directory",
                AppName: Str(r, "targetResources", "[0]", "displayName"),
                AppDisplayName: null,
                UserType: null,
                RiskLevel: null,
                TargetUser: Str(r, "targetResources", "[0]", "userPrincipalName"),
                RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- LA OfficeActivity
        if (Has(r, "TimeGenerated") && Has(r, "Operation") && Has(r, "OfficeWorkload"))
        {
            return new ReferenceRow(
                Kind: "LaOfficeActivity",
                EventTimeMs: ParseTimestamp(Str(r, "TimeGenerated"), csv),
                Username: Str(r, "UserId"),
                SourceIp: Str(r, "ClientIP"),
                EventName: Str(r, "Operation"),
                LogSourceType: "Microsoft Office 365",
                AppName: UalAppName(r),
                AppDisplayName: null,
                UserType: UalUserType(Get(r, "UserType")),
                RiskLevel: null,
                TargetUser: null, RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- LA SigninLogs
        if (Has(r, "TimeGenerated") && Has(r, "UserPrincipalName") && Has(r, "AppDisplayName"))
        {
            return new ReferenceRow(
                Kind: "LaSigninLogs",
                EventTimeMs: ParseTimestamp(Str(r, "TimeGenerated"), csv),
                Username: Str(r, "UserPrincipalName"),
                SourceIp: Str(r, "IPAddress"),
                EventName: Str(r, "OperationName") ?? "Sign-in activity",
                LogSourceType: "Microsoft Azure Active Directory",
                AppName: null,
                AppDisplayName: Str(r, "AppDisplayName"),
                UserType: UpperFirst(Get(r, "UserType")),
                RiskLevel: Str(r, "RiskLevelDuringSignIn"),
                TargetUser: null, RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- LA AuditLogs
        if (Has(r, "TimeGenerated") && Has(r, "OperationName") && Has(r, "TargetResources"))
        {
            return new ReferenceRow(
                Kind: "LaAuditLogs",
                EventTimeMs: ParseTimestamp(Str(r, "TimeGenerated"), csv),
                Username: Str(r, "InitiatedBy", "user", "userPrincipalName") ?? Str(r, "InitiatedBy", "app", "displayName"),
                SourceIp: Str(r, "InitiatedBy", "user", "ipAddress"),
                EventName: Str(r, "OperationName"),
                LogSourceType: "Microsoft Azure Active Directory",
                AppName: Str(r, "TargetResources", "[0]", "displayName"),
                AppDisplayName: null,
                UserType: null,
                RiskLevel: null,
                TargetUser: Str(r, "TargetResources", "[0]", "userPrincipalName"),
                RemoteHost: null, ProcessName: null, SentBytes: null, DeviceName: null);
        }

        // ---- MDE network, streaming export
        if (Has(r, "time") && TopStringIs(r, "category", "AdvancedHunting-DeviceNetworkEvents") && IsObject(Get(r, "properties")))
        {
            return new ReferenceRow(
                Kind: "MdeNetworkStreaming",
                EventTimeMs: ParseTimestamp(Str(r, "properties", "Timestamp") ?? Str(r, "time"), csv),
                Username: Str(r, "properties", "InitiatingProcessAccountUpn") ?? Str(r, "properties", "InitiatingProcessAccountName"),
                SourceIp: Str(r, "properties", "LocalIP"),
                EventName: Str(r, "properties", "ActionType"),
                LogSourceType: "Microsoft Defender for Endpoint",
                AppName: null, AppDisplayName: null, UserType: null, RiskLevel: null, TargetUser: null,
                RemoteHost: RemoteHost(Str(r, "properties", "RemoteUrl")),
                ProcessName: Str(r, "properties", "InitiatingProcessFileName"),
                SentBytes: SentBytes(Get(r, "properties", "SentBytes")),
                DeviceName: Str(r, "properties", "DeviceName"));
        }

        // ---- MDE network, hunting export
        if (Has(r, "DeviceName") && Has(r, "ActionType") && Has(r, "RemoteIP") && (Has(r, "Timestamp") || Has(r, "TimeGenerated")))
        {
            return new ReferenceRow(
                Kind: "MdeNetworkHunting",
                EventTimeMs: ParseTimestamp(Str(r, "Timestamp") ?? Str(r, "TimeGenerated"), csv),
                Username: Str(r, "InitiatingProcessAccountUpn") ?? Str(r, "InitiatingProcessAccountName"),
                SourceIp: Str(r, "LocalIP"),
                EventName: Str(r, "ActionType"),
                LogSourceType: "Microsoft Defender for Endpoint",
                AppName: null, AppDisplayName: null, UserType: null, RiskLevel: null, TargetUser: null,
                RemoteHost: RemoteHost(Str(r, "RemoteUrl")),
                ProcessName: Str(r, "InitiatingProcessFileName"),
                SentBytes: SentBytes(Get(r, "SentBytes")),
                DeviceName: Str(r, "DeviceName"));
        }

        // ---- LA CommonSecurityLog
        if (Has(r, "TimeGenerated") && Has(r, "DeviceVendor") && Has(r, "DeviceProduct"))
        {
            string? vendor = Str(r, "DeviceVendor");
            return new ReferenceRow(
                Kind: "LaCommonSecurityLog",
                EventTimeMs: ParseTimestamp(Str(r, "TimeGenerated"), csv),
                Username: Str(r, "SourceUserName"),
                SourceIp: Str(r, "SourceIP"),
                EventName: Str(r, "Activity"),
                LogSourceType: vendor is null ? "CEF" : "CEF " + vendor,
                AppName: null, AppDisplayName: null, UserType: null, RiskLevel: null, TargetUser: null,
                RemoteHost: RemoteHost(Str(r, "RequestURL") ?? Str(r, "DestinationHostName")),
                ProcessName: Str(r, "ProcessName"),
                SentBytes: SentBytes(Get(r, "SentBytes")),
                DeviceName: Str(r, "Computer") ?? Str(r, "DeviceName"));
        }

        // ---- unknown
        return new ReferenceRow("Unknown", null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    // ---- property access ---------------------------------------------------------------------------

    /// <summary>The value of the LAST property called <paramref name="name"/> (duplicate keys: last wins).</summary>
    private static JsonElement? Property(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        JsonElement? found = null;
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (property.Name == name) // ordinal, case-sensitive, escapes decoded
            {
                found = property.Value;
            }
        }
        return found;
    }

    /// <summary>"has X": the property is present at the top level, whatever its value (null included).</summary>
    private static bool Has(JsonElement record, string name) => Property(record, name) is not null;

    private static bool IsObject(JsonElement? element) => element is { ValueKind: JsonValueKind.Object };

    /// <summary>Recognition only: the top-level property is a JSON string equal to <paramref name="expected"/>.</summary>
    private static bool TopStringIs(JsonElement record, string name, string expected)
    {
        JsonElement? value = Property(record, name);
        return value is { ValueKind: JsonValueKind.String } v && v.GetString() == expected;
    }

    /// <summary>
    /// Follows a path of property names and "[0]" (first array element). A string met on the way that
    /// holds JSON text is parsed and the path continues inside it. Missing anything: null.
    /// </summary>
    private static JsonElement? Get(JsonElement record, params string[] path)
    {
        JsonElement current = record;
        foreach (string step in path)
        {
            JsonElement? entered = EnterJsonText(current);
            if (entered is null)
            {
                return null;
            }
            current = entered.Value;

            if (step == "[0]")
            {
                if (current.ValueKind != JsonValueKind.Array || current.GetArrayLength() == 0)
                {
                    return null;
                }
                current = current[0];
            }
            else
            {
                JsonElement? next = Property(current, step);
                if (next is null)
                {
                    return null;
                }
                current = next.Value;
            }
        }
        return current;
    }

    /// <summary>
    /// Before stepping into a value: a string is replaced by the JSON it holds (repeatedly, so a
    /// double-encoded string also works). A string that is not valid JSON gives null.
    /// </summary>
    private static JsonElement? EnterJsonText(JsonElement element)
    {
        while (element.ValueKind == JsonValueKind.String)
        {
            string text = element.GetString()!;
            try
            {
                using JsonDocument inner = JsonDocument.Parse(LoneSurrogatesReplaced(text), ReferenceJsonOptions.Document);
                if (!AllStringsDecodable(inner.RootElement))
                {
                    return null;
                }
                element = inner.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return element;
    }

    /// <summary>
    /// A string column: missing, JSON null and "&lt;null&gt;" give null; a string is its text; any other
    /// JSON type is its JSON text exactly as written.
    /// </summary>
    private static string? Str(JsonElement? element)
    {
        if (element is null)
        {
            return null;
        }
        JsonElement value = element.Value;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                string text = value.GetString()!;
                return text == "<null>" ? null : text;
            default:
                return value.GetRawText();
        }
    }

    private static string? Str(JsonElement record, params string[] path) => Str(Get(record, path));

    // ---- column-specific rules ---------------------------------------------------------------------

    private static readonly string[] UalUserTypeNames =
    [
        "Regular", "Reserved", "Admin", "DcAdmin", "System", "Application",
        "ServicePrincipal", "CustomPolicy", "SystemPolicy", "PartnerTechnician", "Guest",
    ];

    /// <summary>UAL/OfficeActivity UserType: 0..10 as the enum name; another number as its JSON text; a string as is.</summary>
    private static string? UalUserType(JsonElement? element)
    {
        if (element is { ValueKind: JsonValueKind.Number } number)
        {
            string rawText = number.GetRawText();
            for (int i = 0; i < UalUserTypeNames.Length; i++)
            {
                if (rawText == i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return UalUserTypeNames[i];
                }
            }
            return rawText;
        }
        return Str(element);
    }

    /// <summary>Sign-in userType: a string with its first character upper-cased; other types as Str gives them.</summary>
    private static string? UpperFirst(JsonElement? element)
    {
        string? text = Str(element);
        if (text is null || element!.Value.ValueKind != JsonValueKind.String || text.Length == 0)
        {
            return text;
        }
        return char.ToUpperInvariant(text[0]) + text.Substring(1);
    }

    /// <summary>
    /// UAL/OfficeActivity app_name: the ID of the first Target[] element that is an object whose Type is a
    /// JSON number equal to 1 (1, 1.0, 1e0); null when there is none or it has no ID.
    /// </summary>
    private static string? UalAppName(JsonElement record)
    {
        JsonElement? target = Get(record, "Target");
        if (target is null)
        {
            return null;
        }
        JsonElement? targetArray = EnterJsonText(target.Value);
        if (targetArray is not { ValueKind: JsonValueKind.Array } array)
        {
            return null;
        }
        foreach (JsonElement item in array.EnumerateArray())
        {
            JsonElement? entry = EnterJsonText(item);
            if (entry is not { ValueKind: JsonValueKind.Object } entryObject)
            {
                continue;
            }
            JsonElement? type = Property(entryObject, "Type");
            if (type is { ValueKind: JsonValueKind.Number } typeNumber && ReferenceJsonNumber.IsExactlyOne(typeNumber.GetRawText()))
            {
                return Str(Property(entryObject, "ID"));
            }
        }
        return null;
    }

    /// <summary>sent_bytes: a JSON number, or a string whose whole text is a JSON number; must be a whole non-negative int64.</summary>
    private static long? SentBytes(JsonElement? element)
    {
        if (element is null)
        {
            return null;
        }
        JsonElement value = element.Value;
        if (value.ValueKind == JsonValueKind.Number)
        {
            return ReferenceJsonNumber.ToWholeNonNegativeInt64(value.GetRawText());
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            return ReferenceJsonNumber.ToWholeNonNegativeInt64(value.GetString()!);
        }
        return null;
    }

    /// <summary>
    /// remote_host (§7.1): the host of a URL (after "://", up to the first '/', '?' or '#', without user info
    /// and port); a value without "://" up to its first '/', '?' or '#' without a ":port" suffix. ASCII
    /// lower-cased; empty gives null.
    /// </summary>
    public static string? RemoteHost(string? value)
    {
        if (value is null)
        {
            return null;
        }

        bool isUrl = false;
        string rest = value;
        int schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            isUrl = true;
            rest = value.Substring(schemeEnd + 3);
        }

        int cut = rest.IndexOfAny(['/', '?', '#']);
        string host = cut >= 0 ? rest.Substring(0, cut) : rest;

        if (isUrl)
        {
            int at = host.LastIndexOf('@');
            if (at >= 0)
            {
                host = host.Substring(at + 1);
            }
        }

        // A ":port" suffix: the last ':' followed only by ASCII digits (possibly none).
        int colon = host.LastIndexOf(':');
        if (colon >= 0)
        {
            bool allDigits = true;
            for (int i = colon + 1; i < host.Length; i++)
            {
                if (host[i] < '0' || host[i] > '9')
                {
                    allDigits = false;
                }
            }
            if (allDigits)
            {
                host = host.Substring(0, colon);
            }
        }

        var lower = new StringBuilder(host.Length);
        foreach (char c in host)
        {
            lower.Append(c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
        }
        return lower.Length == 0 ? null : lower.ToString();
    }

    // ---- timestamps ------------------------------------------------------------------------------------

    /// <summary>ISO 8601 (strict), and in CSV files also the US portal forms; anything else gives null.</summary>
    public static long? ParseTimestamp(string? text, bool csvTimestamps)
    {
        if (text is null)
        {
            return null;
        }
        long? iso = ReferenceTimestamps.ParseIso(text);
        if (iso is not null)
        {
            return iso;
        }
        return csvTimestamps ? ReferenceTimestamps.ParseUsPortal(text) : null;
    }

    // ------------------------------------------------------------------------------------------------
    // Matching (spec §3, §7.3)
    // ------------------------------------------------------------------------------------------------

    private static readonly string[] TeamsEventNames = ["MessageSent", "ChatCreated", "MeetingInvited"];

    private static readonly string[] TeamsUserKeywords =
    [
        "helpdesk", "itsupport", "servicedesk", "techsupport", "itadmin", "sysadmin",
        "microsoftsupport", "o365support", "m365support",
    ];

    private static readonly string[] StorageAppKeywords = ["dropbox", "mega", "pcloud", "sync.com", "mediafire", "box.com"];

    private static readonly string[] GuestSigninApps = ["Teams", "SharePoint", "OneDrive", "Office 365"];

    private static readonly string[] CloudStorageHosts = ["s3.amazonaws.com", "content.dropboxapi.com", "mega.nz", "mega.co.nz"];

    // `$` of the spec is "end of the host": \z, because .NET's $ also matches before a final '\n'.
    private static readonly System.Text.RegularExpressions.Regex S3Endpoint = new(
        @"(^|\.)s3[.-]([a-z0-9-]+\.)+amazonaws\.com\z",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The single-record label: the first pattern, in spec order, that the row matches; else null.</summary>
    public static string? SingleRecordLabel(ReferenceRow row)
    {
        if (IsTeamsItImpersonation(row))
        {
            return "Teams_ITImpersonation";
        }
        if (IsSuspiciousOAuthGrant(row))
        {
            return "SuspiciousOAuthGrant";
        }
        if (IsRiskyGuestSignin(row))
        {
            return "RiskyGuestSignin";
        }
        if (IsCloudStorageExfil(row))
        {
            return "CloudStorageExfil";
        }
        return null;
    }

    public static bool IsTeamsItImpersonation(ReferenceRow row)
    {
        if (!Contains(row.LogSourceType, "Office 365"))
        {
            return false;
        }
        if (!TeamsEventNames.Any(name => Contains(row.EventName, name)))
        {
            return false;
        }
        if (row.Username is null)
        {
            return false;
        }
        string lowered = row.Username.ToLowerInvariant();
        return TeamsUserKeywords.Any(keyword => Contains(lowered, keyword));
    }

    public static bool IsSuspiciousOAuthGrant(ReferenceRow row)
    {
        if (!Contains(row.LogSourceType, "Office 365") && !Contains(row.LogSourceType, "Azure Active Directory"))
        {
            return false;
        }
        if (!Contains(row.EventName, "Consent to application"))
        {
            return false;
        }
        return StorageAppKeywords.Any(keyword => AsciiCaseInsensitiveContains(row.AppName, keyword));
    }

    public static bool IsRiskyGuestSignin(ReferenceRow row)
    {
        if (!Contains(row.LogSourceType, "Azure"))
        {
            return false;
        }
        if (!Contains(row.EventName, "Sign-in"))
        {
            return false;
        }
        if (row.UserType != "Guest")
        {
            return false;
        }
        if (row.RiskLevel != "high" && row.RiskLevel != "medium")
        {
            return false;
        }
        return GuestSigninApps.Any(app => Contains(row.AppDisplayName, app));
    }

    public static bool IsCloudStorageExfil(ReferenceRow row)
    {
        if (row.RemoteHost is null || row.SentBytes is null)
        {
            return false;
        }
        bool storageHost = false;
        foreach (string host in CloudStorageHosts)
        {
            if (row.RemoteHost == host || row.RemoteHost.EndsWith("." + host, StringComparison.Ordinal))
            {
                storageHost = true;
            }
        }
        if (S3Endpoint.IsMatch(row.RemoteHost))
        {
            storageHost = true;
        }
        return storageHost && row.SentBytes.Value > 10485760;
    }

    /// <summary>An event of GuestInviteBurst (the window is checked by the caller).</summary>
    public static bool IsGuestInviteEvent(ReferenceRow row)
    {
        return Contains(row.LogSourceType, "Azure Active Directory")
            && row.EventName == "Invite external user"
            && Contains(row.TargetUser, "#EXT#")
            && row.EventTimeMs is not null
            && row.Username is not null;
    }

    private static bool Contains(string? text, string needle) => text is not null && text.Contains(needle, StringComparison.Ordinal);

    /// <summary>Substring test that folds only A-Z to a-z (Java's (?i) without UNICODE_CASE); needle is lower-case.</summary>
    public static bool AsciiCaseInsensitiveContains(string? text, string lowerNeedle)
    {
        if (text is null)
        {
            return false;
        }
        for (int start = 0; start + lowerNeedle.Length <= text.Length; start++)
        {
            bool all = true;
            for (int k = 0; k < lowerNeedle.Length; k++)
            {
                char c = text[start + k];
                if (c >= 'A' && c <= 'Z')
                {
                    c = (char)(c + 32);
                }
                if (c != lowerNeedle[k])
                {
                    all = false;
                    break;
                }
            }
            if (all)
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsInWindow(long? eventTimeMs, long? fromMs, long? toMs)
    {
        if (eventTimeMs is null)
        {
            return false;
        }
        if (fromMs is not null && eventTimeMs.Value < fromMs.Value)
        {
            return false;
        }
        if (toMs is not null && eventTimeMs.Value >= toMs.Value)
        {
            return false;
        }
        return true;
    }

    /// <summary>GuestInviteBurst (§7.3), the greedy algorithm exactly as written.</summary>
    private static List<HuntEngine.Detection> FindGuestInviteBursts(List<ReferenceRecord> events)
    {
        const long OneHourMs = 60L * 60 * 1000;
        var bursts = new List<HuntEngine.Detection>();
        var groups = events.GroupBy(e => (e.Row.Username, e.Row.SourceIp)); // null IP is a group value of its own
        foreach (var group in groups)
        {
            List<ReferenceRecord> e = group
                .OrderBy(x => x.Row.EventTimeMs!.Value)
                .ThenBy(x => x.SourceFile, Utf8Order)
                .ThenBy(x => x.SourceOffset)
                .ToList();
            int n = e.Count;
            int i = 0;
            while (i < n)
            {
                long limit = e[i].Row.EventTimeMs!.Value + OneHourMs;
                int j = i;
                while (j + 1 < n && e[j + 1].Row.EventTimeMs!.Value < limit)
                {
                    j++;
                }
                if (j - i + 1 > 5)
                {
                    bursts.Add(MakeDetection(e[i], "GuestInviteBurst", eventCount: j - i + 1, windowEndMs: e[j].Row.EventTimeMs));
                    i = j + 1;
                }
                else
                {
                    i = i + 1;
                }
            }
        }
        return bursts;
    }

    private static HuntEngine.Detection MakeDetection(ReferenceRecord record, string label, int eventCount, long? windowEndMs)
    {
        ReferenceRow r = record.Row;
        return new HuntEngine.Detection
        {
            EventTimeMs = r.EventTimeMs,
            Username = r.Username,
            SourceIp = r.SourceIp,
            EventName = r.EventName,
            LogSourceType = r.LogSourceType,
            AppName = r.AppName,
            AppDisplayName = r.AppDisplayName,
            UserType = r.UserType,
            RiskLevel = r.RiskLevel,
            DetectionType = label,
            SourceFile = record.SourceFile,
            SourceOffset = record.SourceOffset,
            Raw = record.Raw,
            TargetUser = r.TargetUser,
            RemoteHost = r.RemoteHost,
            ProcessName = r.ProcessName,
            SentBytes = r.SentBytes,
            DeviceName = r.DeviceName,
            EventCount = eventCount,
            WindowEndMs = windowEndMs,
        };
    }
}

/// <summary>Parser settings shared by the reference.</summary>
internal static class ReferenceJsonOptions
{
    // The spec sets no depth limit; the engine's default --max-depth is 10,000 (decisions.md), far
    // above System.Text.Json's default of 64, and the reference draws the line at the same place.
    public const int MaxDepth = 10_000;

    public static readonly JsonDocumentOptions Document = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    public static readonly JsonReaderOptions Reader = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
