namespace HuntEngine.Parsing;

/// <summary>The normalized columns of spec §2 and §7.1, in output order.</summary>
public enum Column : byte
{
    EventTime,
    Username,
    SourceIp,
    EventName,
    LogSourceType,
    AppName,
    AppDisplayName,
    UserType,
    RiskLevel,
    TargetUser,
    RemoteHost,
    ProcessName,
    SentBytes,
    DeviceName,
}

internal static class Columns
{
    public const int Count = (int)Column.DeviceName + 1;

    /// <summary>The column's name in output files and the summary.</summary>
    public static string Name(Column c) => c switch
    {
        Column.EventTime => "event_time",
        Column.Username => "username",
        Column.SourceIp => "source_ip",
        Column.EventName => "event_name",
        Column.LogSourceType => "log_source_type",
        Column.AppName => "app_name",
        Column.AppDisplayName => "app_display_name",
        Column.UserType => "user_type",
        Column.RiskLevel => "risk_level",
        Column.TargetUser => "target_user",
        Column.RemoteHost => "remote_host",
        Column.ProcessName => "process_name",
        Column.SentBytes => "sent_bytes",
        Column.DeviceName => "device_name",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>Int64 columns (a timestamp in ms, a byte count); the rest are UTF-8 strings.</summary>
    public static bool IsInt64(Column c) => c is Column.EventTime or Column.SentBytes;
}
