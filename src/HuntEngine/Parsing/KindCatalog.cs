namespace HuntEngine.Parsing;

/// <summary>How a value found on a path becomes a column value.</summary>
internal enum ValueTransform : byte
{
    /// <summary>A string as is; any other JSON value as its JSON text.</summary>
    Text,
    /// <summary>A timestamp (ISO 8601; US portal forms in CSV) to UTC milliseconds; unparseable gives null.</summary>
    Timestamp,
    /// <summary>UAL <c>UserType</c>: the integers 0..10 as their enum names, other numbers as JSON text, strings as is.</summary>
    UalUserType,
    /// <summary>A string with its first letter upper-cased (<c>guest</c> → <c>Guest</c>).</summary>
    UpperFirst,
    /// <summary>The host part of a URL or host:port, lower-cased (ASCII) (spec §7.1).</summary>
    RemoteHost,
    /// <summary>A whole non-negative int64 from a JSON number or a string holding one (spec §7.1).</summary>
    Int64,
    /// <summary><c>CEF </c> followed by the value; <c>CEF</c> alone when there is none.</summary>
    CefVendor,
}

/// <summary>Where a column's value comes from: paths tried in order ("X, else Y"), then an optional constant.</summary>
internal sealed record ColumnSource(string[] Paths, ValueTransform Transform = ValueTransform.Text, string? Constant = null)
{
    public ColumnSource Or(string constant) => this with { Constant = constant };
    public ColumnSource As(ValueTransform transform) => this with { Transform = transform };
}

/// <summary>A test on a record's top-level properties ("has X", "X = v", "object X").</summary>
internal abstract record Recognizer;
internal sealed record Has(string Property) : Recognizer;
internal sealed record HasObject(string Property) : Recognizer;
internal sealed record StringIn(string Property, string[] Values) : Recognizer;
internal sealed record AllOf(Recognizer[] Parts) : Recognizer;
internal sealed record AnyOf(Recognizer[] Parts) : Recognizer;

/// <summary>One record kind: how it is recognised and where each column comes from.</summary>
internal sealed record KindSpec(RecordKind Kind, Recognizer Recognize, IReadOnlyDictionary<Column, ColumnSource> Columns);

/// <summary>
/// The record kinds of spec §2 and §7.2 as data, in the order they are tried. The engine compiles
/// this table once (<see cref="FieldPlan"/>); nothing in the parser knows a kind by name.
/// Path syntax: <c>a.b</c> nests, <c>a[0]</c> is an array's first element, <c>a[K=1]</c> is the first
/// element that is an object whose <c>K</c> is the number 1.
/// </summary>
internal static class KindCatalog
{
    private const string Office365 = "Microsoft Office 365";
    private const string AzureAd = "Microsoft Azure Active Directory";
    private const string Defender = "Microsoft Defender for Endpoint";
    private const string SignInActivity = "Sign-in activity";

    private static ColumnSource From(params string[] paths) => new(paths);
    private static ColumnSource Const(string value) => new([], Constant: value);
    private static ColumnSource Time(params string[] paths) => new(paths, ValueTransform.Timestamp);
    private static Recognizer Has(string p) => new Has(p);
    private static Recognizer All(params Recognizer[] r) => new AllOf(r);

    public static readonly KindSpec[] Kinds =
    [
        new(RecordKind.Ual,
            All(Has("CreationTime"), Has("Operation"), new AnyOf([Has("Workload"), Has("RecordType")])),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(Office365),
                [Column.EventTime] = Time("CreationTime"),
                [Column.Username] = From("UserId"),
                [Column.SourceIp] = From("ClientIP"),
                [Column.EventName] = From("Operation"),
                [Column.AppName] = From("Target[Type=1].ID"),
                [Column.UserType] = From("UserType").As(ValueTransform.UalUserType),
            }),
        new(RecordKind.AzureMonitorSignIn,
            All(Has("time"), new StringIn("category", ["SignInLogs", "NonInteractiveUserSignInLogs"]), new HasObject("properties")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(AzureAd),
                [Column.EventTime] = Time("time"),
                [Column.Username] = From("properties.userPrincipalName"),
                [Column.SourceIp] = From("properties.ipAddress", "callerIpAddress"),
                [Column.EventName] = From("operationName"),
                [Column.AppDisplayName] = From("properties.appDisplayName"),
                [Column.UserType] = From("properties.userType").As(ValueTransform.UpperFirst),
                [Column.RiskLevel] = From("properties.riskLevelDuringSignIn"),
            }),
        new(RecordKind.AzureMonitorAudit,
            All(Has("time"), new StringIn("category", ["AuditLogs"]), new HasObject("properties")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(AzureAd),
                [Column.EventTime] = Time("time"),
                [Column.Username] = From("properties.initiatedBy.user.userPrincipalName", "properties.initiatedBy.app.displayName"),
                [Column.SourceIp] = From("properties.initiatedBy.user.ipAddress", "callerIpAddress"),
                [Column.EventName] = From("properties.activityDisplayName", "operationName"),
                [Column.AppName] = From("properties.targetResources[0].displayName"),
                [Column.TargetUser] = From("properties.targetResources[0].userPrincipalName"),
            }),
        new(RecordKind.GraphSignIn,
            All(Has("createdDateTime"), Has("userPrincipalName")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(AzureAd),
                [Column.EventTime] = Time("createdDateTime"),
                [Column.Username] = From("userPrincipalName"),
                [Column.SourceIp] = From("ipAddress"),
                [Column.EventName] = Const(SignInActivity),
                [Column.AppDisplayName] = From("appDisplayName"),
                [Column.UserType] = From("userType").As(ValueTransform.UpperFirst),
                [Column.RiskLevel] = From("riskLevelDuringSignIn"),
            }),
        new(RecordKind.GraphAudit,
            All(Has("activityDateTime"), Has("activityDisplayName")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(AzureAd),
                [Column.EventTime] = Time("activityDateTime"),
                [Column.Username] = From("initiatedBy.user.userPrincipalName", "initiatedBy.app.displayName"),
                [Column.SourceIp] = From("initiatedBy.user.ipAddress"),
                [Column.EventName] = From("activityDisplayName"),
                [Column.AppName] = From("targetResources[0].displayName"),
                [Column.TargetUser] = From("targetResources[0].userPrincipalName"),
            }),
        new(RecordKind.LaOfficeActivity,
            All(Has("TimeGenerated"), Has("Operation"), Has("OfficeWorkload")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(Office365),
                [Column.EventTime] = Time("TimeGenerated"),
                [Column.Username] = From("UserId"),
                [Column.SourceIp] = From("ClientIP"),
                [Column.EventName] = From("Operation"),
                [Column.AppName] = From("Target[Type=1].ID"),
                [Column.UserType] = From("UserType").As(ValueTransform.UalUserType),
            }),
        new(RecordKind.LaSigninLogs,
            All(Has("TimeGenerated"), Has("UserPrincipalName"), Has("AppDisplayName")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(AzureAd),
                [Column.EventTime] = Time("TimeGenerated"),
                [Column.Username] = From("UserPrincipalName"),
                [Column.SourceIp] = From("IPAddress"),
                [Column.EventName] = From("OperationName").Or(SignInActivity),
                [Column.AppDisplayName] = From("AppDisplayName"),
                [Column.UserType] = From("UserType").As(ValueTransform.UpperFirst),
                [Column.RiskLevel] = From("RiskLevelDuringSignIn"),
            }),
        new(RecordKind.LaAuditLogs,
            All(Has("TimeGenerated"), Has("OperationName"), Has("TargetResources")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(AzureAd),
                [Column.EventTime] = Time("TimeGenerated"),
                [Column.Username] = From("InitiatedBy.user.userPrincipalName", "InitiatedBy.app.displayName"),
                [Column.SourceIp] = From("InitiatedBy.user.ipAddress"),
                [Column.EventName] = From("OperationName"),
                [Column.AppName] = From("TargetResources[0].displayName"),
                [Column.TargetUser] = From("TargetResources[0].userPrincipalName"),
            }),
        new(RecordKind.MdeNetworkStreaming,
            All(Has("time"), new StringIn("category", ["AdvancedHunting-DeviceNetworkEvents"]), new HasObject("properties")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(Defender),
                [Column.EventTime] = Time("properties.Timestamp", "time"),
                [Column.Username] = From("properties.InitiatingProcessAccountUpn", "properties.InitiatingProcessAccountName"),
                [Column.SourceIp] = From("properties.LocalIP"),
                [Column.EventName] = From("properties.ActionType"),
                [Column.RemoteHost] = From("properties.RemoteUrl").As(ValueTransform.RemoteHost),
                [Column.ProcessName] = From("properties.InitiatingProcessFileName"),
                [Column.SentBytes] = From("properties.SentBytes").As(ValueTransform.Int64),
                [Column.DeviceName] = From("properties.DeviceName"),
            }),
        new(RecordKind.MdeNetworkHunting,
            All(Has("DeviceName"), Has("ActionType"), Has("RemoteIP"), new AnyOf([Has("Timestamp"), Has("TimeGenerated")])),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = Const(Defender),
                [Column.EventTime] = Time("Timestamp", "TimeGenerated"),
                [Column.Username] = From("InitiatingProcessAccountUpn", "InitiatingProcessAccountName"),
                [Column.SourceIp] = From("LocalIP"),
                [Column.EventName] = From("ActionType"),
                [Column.RemoteHost] = From("RemoteUrl").As(ValueTransform.RemoteHost),
                [Column.ProcessName] = From("InitiatingProcessFileName"),
                [Column.SentBytes] = From("SentBytes").As(ValueTransform.Int64),
                [Column.DeviceName] = From("DeviceName"),
            }),
        new(RecordKind.LaCommonSecurityLog,
            All(Has("TimeGenerated"), Has("DeviceVendor"), Has("DeviceProduct")),
            new Dictionary<Column, ColumnSource>
            {
                [Column.LogSourceType] = From("DeviceVendor").As(ValueTransform.CefVendor),
                [Column.EventTime] = Time("TimeGenerated"),
                [Column.Username] = From("SourceUserName"),
                [Column.SourceIp] = From("SourceIP"),
                [Column.EventName] = From("Activity"),
                [Column.RemoteHost] = From("RequestURL", "DestinationHostName").As(ValueTransform.RemoteHost),
                [Column.ProcessName] = From("ProcessName"),
                [Column.SentBytes] = From("SentBytes").As(ValueTransform.Int64),
                [Column.DeviceName] = From("Computer", "DeviceName"),
            }),
    ];
}
