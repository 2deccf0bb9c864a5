namespace HuntEngine.Parsing;

/// <summary>The record kinds of spec §2 and §7.2, in the order they are tried.</summary>
public enum RecordKind : byte
{
    Ual,
    AzureMonitorSignIn,
    AzureMonitorAudit,
    GraphSignIn,
    GraphAudit,
    LaOfficeActivity,
    LaSigninLogs,
    LaAuditLogs,
    MdeNetworkStreaming,
    MdeNetworkHunting,
    LaCommonSecurityLog,
    Unknown,
}

internal static class RecordKinds
{
    public const int Count = (int)RecordKind.Unknown + 1;

    /// <summary>Stable names used in the summary and the columnar store.</summary>
    public static string Name(RecordKind k) => k switch
    {
        RecordKind.Ual => "ual",
        RecordKind.AzureMonitorSignIn => "azure_monitor_signin",
        RecordKind.AzureMonitorAudit => "azure_monitor_audit",
        RecordKind.GraphSignIn => "graph_signin",
        RecordKind.GraphAudit => "graph_audit",
        RecordKind.LaOfficeActivity => "la_office_activity",
        RecordKind.LaSigninLogs => "la_signin_logs",
        RecordKind.LaAuditLogs => "la_audit_logs",
        RecordKind.MdeNetworkStreaming => "mde_network_streaming",
        RecordKind.MdeNetworkHunting => "mde_network_hunting",
        RecordKind.LaCommonSecurityLog => "la_common_security_log",
        _ => "unknown",
    };
}
