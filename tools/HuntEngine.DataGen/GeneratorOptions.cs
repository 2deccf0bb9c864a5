namespace HuntEngine.DataGen;

/// <summary>How a corpus file holds its records once decompressed (detection-spec §1).</summary>
public enum Container
{
    /// <summary>One JSON object per line; mostly <c>\n</c>, sometimes <c>\r\n</c>, blank and whitespace-only lines.</summary>
    Ndjson,

    /// <summary>A top-level JSON array of records, compact or pretty-printed.</summary>
    JsonArray,

    /// <summary>A Microsoft Graph page: <c>{"@odata.context":…,"value":[…]}</c>.</summary>
    GraphValueWrapper,

    /// <summary>An Azure Monitor / Event Hub export: <c>{"records":[…]}</c>.</summary>
    RecordsWrapper,

    /// <summary>One pretty-printed record per file (the record spans several lines).</summary>
    PrettyNdjsonSingle,

    /// <summary>
    /// A UAL export from PowerShell <c>Search-UnifiedAuditLog | Export-Csv</c>: <c>CreationDate,UserIds,Operations,AuditData</c>,
    /// every field quoted, CRLF line ends; <c>AuditData</c> holds the UAL record as JSON text.
    /// </summary>
    UalCsvPowerShell,

    /// <summary>
    /// A UAL export from the Purview portal: <c>RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames</c>,
    /// fields quoted only where needed.
    /// </summary>
    UalCsvPurview,

    /// <summary>A Sentinel / Log Analytics portal CSV export of the <c>OfficeActivity</c> table.</summary>
    SentinelCsvOfficeActivity,

    /// <summary>A Sentinel / Log Analytics portal CSV export of the <c>SigninLogs</c> table.</summary>
    SentinelCsvSigninLogs,

    /// <summary>A Sentinel / Log Analytics portal CSV export of the <c>AuditLogs</c> table.</summary>
    SentinelCsvAuditLogs,

    /// <summary>A Sentinel / Log Analytics portal CSV export of the <c>CommonSecurityLog</c> table (CEF from web proxies).</summary>
    SentinelCsvCommonSecurityLog,

    /// <summary>A Sentinel / Log Analytics portal CSV export of the <c>DeviceNetworkEvents</c> table (with <c>SentBytes</c>).</summary>
    SentinelCsvDeviceNetworkEvents,
}

/// <summary>The compression a corpus file is written with; the engine sniffs it from the first bytes.</summary>
public enum Compression
{
    None,
    Gzip,
    Lz4,
    Zstd,
}

/// <summary>Which record kinds dominate the ordinary (non-planted) records.</summary>
public enum Mix
{
    /// <summary>Mostly UAL (Exchange, SharePoint, Teams, AzureActiveDirectory), then sign-ins, audits, MDE and unknown records.</summary>
    Typical,

    /// <summary>A third of the records are UAL Teams <c>MessageSent</c>; the rest as <see cref="Typical"/>.</summary>
    TeamsHeavy,
}

/// <summary>Everything a generated corpus depends on; the same options always give the same bytes.</summary>
/// <param name="Seed">Seeds every random choice (records, layout, compression framing).</param>
/// <param name="TargetBytes">Approximate decompressed size: of the record stream, of one file, or of a whole archive.</param>
/// <param name="Mix">Which ordinary record kinds dominate.</param>
/// <param name="PlantRate">Fraction of records planted to fire one detection (0..1).</param>
/// <param name="Adversarial">Adds tricky positives (escapes, duplicate keys, Kelvin sign) and near-misses that must not fire.</param>
public sealed record GeneratorOptions(int Seed, long TargetBytes, Mix Mix = Mix.Typical, double PlantRate = 0.002, bool Adversarial = true);

/// <summary>
/// One detection the engine must report: the file, the decompressed offset of the record's opening '{'
/// (for a CSV row, of the row's first byte), and the type. A GuestInviteBurst is reported at its first event.
/// </summary>
/// <param name="RelativePath">Path of the file as the caller named it (archive: relative to the archive folder, '/' separated).</param>
/// <param name="Offset">Byte offset in the decompressed stream of the record's opening '{', or of a CSV row's first byte (a UTF-8 BOM, when written, counts).</param>
/// <param name="DetectionType">One of <see cref="DetectionTypes"/>.</param>
public sealed record PlantedDetection(string RelativePath, long Offset, string DetectionType);

/// <summary>The detection type names the generator plants (detection-spec §3, §7.3).</summary>
public static class DetectionTypes
{
    public const string TeamsItImpersonation = "Teams_ITImpersonation";
    public const string SuspiciousOAuthGrant = "SuspiciousOAuthGrant";
    public const string RiskyGuestSignin = "RiskyGuestSignin";
    public const string CloudStorageExfil = "CloudStorageExfil";
    public const string GuestInviteBurst = "GuestInviteBurst";
}
