using System.Globalization;
using System.Text;

namespace HuntEngine.DataGen;

/// <summary>The Log Analytics / Sentinel tables whose rows the generator writes, as JSON records or as portal CSV exports.</summary>
internal enum LaTable
{
    OfficeActivity,
    SigninLogs,
    AuditLogs,
    CommonSecurityLog,
    DeviceNetworkEvents,
}

/// <summary>A Log Analytics column type, as far as rendering cares: datetime columns get the portal's <c> [UTC]</c> header suffix; dynamic ones may be embedded as JSON.</summary>
internal enum LaType : byte
{
    String,
    Dynamic,
    Number,
    Bool,
    DateTime,
}

/// <summary>One table's columns, in the order the portal exports them.</summary>
internal sealed class LaSchema
{
    private readonly Dictionary<string, int> _index;

    private LaSchema(string table, (string Name, LaType Type)[] columns)
    {
        Table = table;
        Names = columns.Select(c => c.Name).ToArray();
        Utf8Names = Names.Select(Encoding.UTF8.GetBytes).ToArray();
        Types = columns.Select(c => c.Type).ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Names.Length; i++) _index.Add(Names[i], i);
    }

    public string Table { get; }

    public string[] Names { get; }

    /// <summary>The names as UTF-8, written as JSON property names without escaping (they are ASCII identifiers).</summary>
    public byte[][] Utf8Names { get; }

    public LaType[] Types { get; }

    public int IndexOf(string name) =>
        _index.TryGetValue(name, out int i) ? i : throw new ArgumentOutOfRangeException(nameof(name), name, $"{Table} has no column '{name}'");

    public static LaSchema For(LaTable table) => table switch
    {
        LaTable.OfficeActivity => OfficeActivity,
        LaTable.SigninLogs => SigninLogs,
        LaTable.AuditLogs => AuditLogs,
        LaTable.CommonSecurityLog => CommonSecurityLog,
        LaTable.DeviceNetworkEvents => DeviceNetworkEvents,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "unknown table"),
    };

    private const LaType S = LaType.String, D = LaType.Dynamic, N = LaType.Number, B = LaType.Bool, T = LaType.DateTime;

    /// <summary>Column order of a portal <c>SigninLogs</c> export (the real vivekgarudi sample's header).</summary>
    public static readonly LaSchema SigninLogs = new("SigninLogs",
    [
        ("TenantId", S), ("SourceSystem", S), ("TimeGenerated", T), ("ResourceId", S), ("OperationName", S), ("OperationVersion", S),
        ("Category", S), ("ResultType", S), ("ResultSignature", S), ("ResultDescription", S), ("DurationMs", N), ("CorrelationId", S),
        ("Resource", S), ("ResourceGroup", S), ("ResourceProvider", S), ("Identity", S), ("Level", S), ("Location", S),
        ("AlternateSignInName", S), ("AppDisplayName", S), ("AppId", S), ("AuthenticationContextClassReferences", S),
        ("AuthenticationDetails", S), ("AppliedEventListeners", D), ("AuthenticationMethodsUsed", S), ("AuthenticationProcessingDetails", D),
        ("AuthenticationRequirement", S), ("AuthenticationRequirementPolicies", S), ("ClientAppUsed", S), ("ConditionalAccessPolicies", D),
        ("ConditionalAccessStatus", S), ("CreatedDateTime", T), ("DeviceDetail", D), ("IsInteractive", B), ("Id", S), ("IPAddress", S),
        ("IsRisky", B), ("LocationDetails", D), ("MfaDetail", D), ("NetworkLocationDetails", S), ("OriginalRequestId", S),
        ("ProcessingTimeInMilliseconds", S), ("RiskDetail", S), ("RiskEventTypes", S), ("RiskEventTypes_V2", S), ("RiskLevelAggregated", S),
        ("RiskLevelDuringSignIn", S), ("RiskState", S), ("ResourceDisplayName", S), ("ResourceIdentity", S), ("ResourceServicePrincipalId", S),
        ("ServicePrincipalId", S), ("ServicePrincipalName", S), ("Status", D), ("TokenIssuerName", S), ("TokenIssuerType", S), ("UserAgent", S),
        ("UserDisplayName", S), ("UserId", S), ("UserPrincipalName", S), ("AADTenantId", S), ("UserType", S), ("FlaggedForReview", B),
        ("IPAddressFromResourceProvider", S), ("SignInIdentifier", S), ("SignInIdentifierType", S), ("ResourceTenantId", S), ("HomeTenantId", S),
        ("UniqueTokenIdentifier", S), ("SessionLifetimePolicies", S), ("AutonomousSystemNumber", N), ("AuthenticationProtocol", S),
        ("CrossTenantAccessType", S), ("AppliedConditionalAccessPolicies", D), ("RiskLevel", S), ("Type", S),
    ]);

    /// <summary>The <c>AuditLogs</c> table (Entra directory audits), in the table's column order.</summary>
    public static readonly LaSchema AuditLogs = new("AuditLogs",
    [
        ("TenantId", S), ("SourceSystem", S), ("TimeGenerated", T), ("ResourceId", S), ("OperationName", S), ("OperationVersion", S),
        ("Category", S), ("ResultType", S), ("ResultSignature", S), ("ResultDescription", S), ("DurationMs", N), ("CorrelationId", S),
        ("Resource", S), ("ResourceGroup", S), ("ResourceProvider", S), ("Identity", S), ("Level", S), ("Location", S),
        ("AdditionalDetails", D), ("Id", S), ("InitiatedBy", D), ("LoggedByService", S), ("Result", S), ("ResultReason", S),
        ("TargetResources", D), ("AADTenantId", S), ("ActivityDisplayName", S), ("ActivityDateTime", T), ("AADOperationType", S), ("Type", S),
    ]);

    /// <summary>A realistic subset of <c>OfficeActivity</c> (the table has ~140 columns; exports of a query keep those it projects).</summary>
    public static readonly LaSchema OfficeActivity = new("OfficeActivity",
    [
        ("TenantId", S), ("SourceSystem", S), ("TimeGenerated", T), ("RecordType", S), ("Operation", S), ("OrganizationId", S),
        ("UserType", S), ("UserKey", S), ("OfficeWorkload", S), ("ResultStatus", S), ("OfficeObjectId", S), ("UserId", S),
        ("ClientIP", S), ("ExternalAccess", S), ("OriginatingServer", S), ("OrganizationName", S), ("Parameters", S),
        ("ClientInfoString", S), ("MailboxGuid", S), ("MailboxOwnerUPN", S), ("Item", S), ("Folders", S), ("Site_Url", S),
        ("SourceRelativeUrl", S), ("SourceFileName", S), ("SourceFileExtension", S), ("EventSource", S), ("ItemType", S),
        ("UserAgent", S), ("Members", D), ("TeamName", S), ("TeamGuid", S), ("ChannelType", S), ("ChannelName", S),
        ("ChatThreadId", S), ("ChatName", S), ("CommunicationType", S), ("MessageId", S), ("ExtendedProperties", S),
        ("ModifiedProperties", S), ("Actor", S), ("ActorContextId", S), ("ActorIpAddress", S), ("AzureActiveDirectory_EventType", S),
        ("AADTarget", S), ("TargetContextId", S), ("AppId", S), ("ClientAppId", S), ("OfficeId", S), ("SourceRecordId", S),
        ("OfficeTenantId", S), ("Type", S),
    ]);

    /// <summary>A realistic subset of <c>CommonSecurityLog</c> as web proxies (Zscaler NSS, PAN-OS URL logs, FortiGate) fill it.</summary>
    public static readonly LaSchema CommonSecurityLog = new("CommonSecurityLog",
    [
        ("TenantId", S), ("TimeGenerated", T), ("DeviceVendor", S), ("DeviceProduct", S), ("DeviceVersion", S), ("DeviceEventClassID", S),
        ("Activity", S), ("LogSeverity", S), ("OriginalLogSeverity", S), ("AdditionalExtensions", S), ("DeviceAction", S),
        ("ApplicationProtocol", S), ("EventCount", N), ("DestinationDnsDomain", S), ("DestinationServiceName", S),
        ("CommunicationDirection", S), ("DeviceDnsDomain", S), ("DeviceExternalID", S), ("DeviceFacility", S), ("DeviceInboundInterface", S),
        ("DeviceOutboundInterface", S), ("ProcessName", S), ("DeviceTranslatedAddress", S), ("DestinationHostName", S),
        ("DestinationPort", N), ("DestinationIP", S), ("DeviceTimeZone", S), ("DeviceAddress", S), ("DeviceName", S), ("ProcessID", N),
        ("EndTime", T), ("FileName", S), ("ReceivedBytes", N), ("Message", S), ("ReceiptTime", S), ("SourceHostName", S),
        ("SourcePort", N), ("SourceIP", S), ("SourceTranslatedAddress", S), ("SourceUserName", S), ("StartTime", T), ("Protocol", S),
        ("RequestURL", S), ("RequestClientApplication", S), ("RequestContext", S), ("RequestMethod", S), ("RemoteIP", S),
        ("RemotePort", S), ("SentBytes", N), ("SimplifiedDeviceAction", S), ("DeviceCustomString1", S), ("DeviceCustomString1Label", S),
        ("DeviceCustomString2", S), ("DeviceCustomString2Label", S), ("Computer", S), ("CollectorHostName", S), ("SourceSystem", S), ("Type", S),
    ]);

    /// <summary>Sentinel's <c>DeviceNetworkEvents</c> (the Defender XDR connector), enriched with <c>SentBytes</c> / <c>ReceivedBytes</c>.</summary>
    public static readonly LaSchema DeviceNetworkEvents = new("DeviceNetworkEvents",
    [
        ("TenantId", S), ("TimeGenerated", T), ("Timestamp", T), ("DeviceId", S), ("DeviceName", S), ("ActionType", S), ("RemoteIP", S),
        ("RemotePort", N), ("RemoteUrl", S), ("LocalIP", S), ("LocalPort", N), ("Protocol", S), ("LocalIPType", S), ("RemoteIPType", S),
        ("InitiatingProcessSHA1", S), ("InitiatingProcessSHA256", S), ("InitiatingProcessMD5", S), ("InitiatingProcessFileName", S),
        ("InitiatingProcessFileSize", N), ("InitiatingProcessVersionInfoCompanyName", S), ("InitiatingProcessVersionInfoProductName", S),
        ("InitiatingProcessId", N), ("InitiatingProcessCommandLine", S), ("InitiatingProcessCreationTime", T), ("InitiatingProcessFolderPath", S),
        ("InitiatingProcessParentFileName", S), ("InitiatingProcessParentId", N), ("InitiatingProcessParentCreationTime", T),
        ("InitiatingProcessAccountDomain", S), ("InitiatingProcessAccountName", S), ("InitiatingProcessAccountSid", S),
        ("InitiatingProcessAccountUpn", S), ("InitiatingProcessAccountObjectId", S), ("InitiatingProcessIntegrityLevel", S),
        ("InitiatingProcessTokenElevation", S), ("ReportId", N), ("AppGuardContainerId", S), ("AdditionalFields", D),
        ("InitiatingProcessUniqueId", N), ("SentBytes", N), ("ReceivedBytes", N), ("MachineGroup", S), ("SourceSystem", S), ("Type", S),
    ]);
}

/// <summary>How a cell holds its value; <see cref="Absent"/> leaves the property out of a JSON row (a CSV export still has the column, empty).</summary>
internal enum CellKind : byte
{
    Null,
    Absent,
    String,
    Dynamic,
    Number,
    Bool,
    Time,
}

internal readonly record struct Cell(CellKind Kind, string? Text = null, long Ticks = 0, bool Flag = false);

/// <summary>
/// One Log Analytics row: a cell per column of its table, in export order, plus extra properties that
/// only a JSON rendering writes. The factory fills it once; <see cref="WriteJson"/> and
/// <see cref="CsvFileWriter"/> render it, so a JSON record and a CSV row of the same content come from
/// the same values. JSON rows write dynamic columns as JSON text (as the Log Analytics API and
/// <c>az monitor log-analytics query</c> do), or now and then embedded as JSON.
/// </summary>
internal sealed class LaRow
{
    private Cell[] _cells = new Cell[64];

    public LaSchema Schema { get; private set; } = LaSchema.AuditLogs;

    /// <summary>Properties written after the table's columns by the JSON rendering only (a CSV export has no such column).</summary>
    public List<(string Name, Cell Cell)> Extras { get; } = new();

    /// <summary>JSON rendering: numbers as strings (<c>"52428800"</c>), as string-typed exports write them.</summary>
    public bool NumbersAsStrings { get; set; }

    /// <summary>JSON rendering: dynamic columns as embedded JSON rather than JSON text.</summary>
    public bool EmbedDynamic { get; set; }

    /// <summary>JSON rendering: datetimes in the portal's US form, which JSON readers must not parse (spec §2: CSV only).</summary>
    public bool PortalTimesInJson { get; set; }

    public ReadOnlySpan<Cell> Cells => _cells.AsSpan(0, Schema.Names.Length);

    public void Reset(LaSchema schema)
    {
        Schema = schema;
        if (_cells.Length < schema.Names.Length) _cells = new Cell[schema.Names.Length];
        Array.Clear(_cells, 0, schema.Names.Length);
        Extras.Clear();
        NumbersAsStrings = false;
        EmbedDynamic = false;
        PortalTimesInJson = false;
    }

    public Cell this[string column]
    {
        get => _cells[Schema.IndexOf(column)];
        set => _cells[Schema.IndexOf(column)] = value;
    }

    /// <summary>A string; null gives a null cell. An empty string is a value in JSON but an empty (null) cell in CSV.</summary>
    public void S(string column, string? value) => this[column] = value is null ? default : new Cell(CellKind.String, value);

    /// <summary>A dynamic column holding <paramref name="json"/> (JSON text); null gives a null cell.</summary>
    public void D(string column, string? json) => this[column] = json is null ? default : new Cell(CellKind.Dynamic, json);

    public void N(string column, long value) => this[column] = new Cell(CellKind.Number, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A number written exactly as <paramref name="jsonNumber"/> (<c>1.5e7</c>); <paramref name="quoted"/> makes it a JSON string in a JSON rendering.</summary>
    public void NumberText(string column, string jsonNumber, bool quoted = false) => this[column] = new Cell(CellKind.Number, jsonNumber, Flag: quoted);

    public void B(string column, bool value) => this[column] = new Cell(CellKind.Bool, Flag: value);

    public void T(string column, long utcTicks) => this[column] = new Cell(CellKind.Time, Ticks: utcTicks);

    public void Null(string column) => this[column] = default;

    public void Absent(string column) => this[column] = new Cell(CellKind.Absent);

    /// <summary>Writes the row as one JSON object (the Log Analytics API / JSON export shape).</summary>
    public void WriteJson(JsonRecordWriter w, bool spaced)
    {
        w.Reset(spaced);
        w.StartObject();
        var cells = Cells;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].Kind == CellKind.Absent) continue;
            w.Name(Schema.Utf8Names[i]);
            WriteJsonValue(w, cells[i]);
        }

        foreach (var (name, cell) in Extras)
        {
            if (cell.Kind == CellKind.Absent) continue;
            w.Name(name);
            WriteJsonValue(w, cell);
        }

        w.EndObject();
    }

    private void WriteJsonValue(JsonRecordWriter w, Cell cell)
    {
        switch (cell.Kind)
        {
            case CellKind.String:
                w.Str(cell.Text);
                break;
            case CellKind.Dynamic:
                if (EmbedDynamic) w.Raw(cell.Text!);
                else w.Str(cell.Text);
                break;
            case CellKind.Number:
                // A near-miss may hold text that is no JSON number ("50MB"): that can only be a string.
                if (NumbersAsStrings || cell.Flag || !IsJsonNumber(cell.Text!)) w.Str(cell.Text);
                else w.Raw(cell.Text!);
                break;
            case CellKind.Bool:
                w.Bool(cell.Flag);
                break;
            case CellKind.Time:
                if (PortalTimesInJson) w.Str(PortalTime(cell.Ticks));
                else w.Time(cell.Ticks, TimeStyle.Utc7);
                break;
            default:
                w.Null();
                break;
        }
    }

    /// <summary>The JSON number grammar (RFC 8259 §6) over the whole text.</summary>
    private static bool IsJsonNumber(string s)
    {
        int i = 0;
        if (i < s.Length && s[i] == '-') i++;
        if (i >= s.Length || !char.IsAsciiDigit(s[i])) return false;
        if (s[i] == '0') i++;
        else while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i < s.Length && s[i] == '.')
        {
            int start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == start) return false;
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == start) return false;
        }

        return i == s.Length;
    }

    /// <summary>The text of a cell in a CSV export; null for an empty cell.</summary>
    public static string? CsvText(Cell cell) => cell.Kind switch
    {
        CellKind.String or CellKind.Dynamic or CellKind.Number => cell.Text,
        CellKind.Bool => cell.Flag ? "TRUE" : "FALSE",
        CellKind.Time => PortalTime(cell.Ticks),
        _ => null,
    };

    /// <summary>The Log Analytics portal's datetime form, <c>9/19/2023, 1:45:17.287 PM</c> (UTC, milliseconds truncated).</summary>
    public static string PortalTime(long utcTicks) => UsTime(utcTicks, comma: true, milliseconds: true);

    /// <summary>The Purview / PowerShell <c>CreationDate</c> form, <c>9/20/2023 4:05:03 AM</c>.</summary>
    public static string UalCreationDate(long utcTicks) => UsTime(utcTicks, comma: false, milliseconds: false);

    /// <summary>Hand-formatted (as <see cref="Timestamps"/> does): DateTime custom formats cost more than the rest of a row.</summary>
    private static string UsTime(long utcTicks, bool comma, bool milliseconds)
    {
        var (year, month, day) = new DateTime(utcTicks, DateTimeKind.Utc);
        long timeOfDay = utcTicks % TimeSpan.TicksPerDay;
        int hour = (int)(timeOfDay / TimeSpan.TicksPerHour);
        int minute = (int)(timeOfDay / TimeSpan.TicksPerMinute % 60);
        int second = (int)(timeOfDay / TimeSpan.TicksPerSecond % 60);
        int ms = (int)(timeOfDay / TimeSpan.TicksPerMillisecond % 1000);
        int hour12 = hour % 12 == 0 ? 12 : hour % 12;
        string separator = comma ? "," : "";
        string half = hour < 12 ? "AM" : "PM";
        return milliseconds
            ? string.Create(CultureInfo.InvariantCulture, $"{month}/{day}/{year}{separator} {hour12}:{minute:D2}:{second:D2}.{ms:D3} {half}")
            : string.Create(CultureInfo.InvariantCulture, $"{month}/{day}/{year}{separator} {hour12}:{minute:D2}:{second:D2} {half}");
    }

    /// <summary>The CSV header: column names, datetime columns with the portal's <c> [UTC]</c> suffix.</summary>
    public static string CsvHeader(LaSchema schema)
    {
        var header = new StringBuilder();
        for (int i = 0; i < schema.Names.Length; i++)
        {
            if (i > 0) header.Append(',');
            header.Append(schema.Names[i]);
            if (schema.Types[i] == LaType.DateTime) header.Append(" [UTC]");
        }

        return header.ToString();
    }
}
