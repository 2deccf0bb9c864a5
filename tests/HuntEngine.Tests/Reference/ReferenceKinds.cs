using HuntEngine.Parsing;

namespace HuntEngine.Tests.Reference;

/// <summary>The reference's kind labels and the engine's kind names (spec §1) for the same kinds.</summary>
internal static class ReferenceKinds
{
    public static string Label(RecordKind k) => k switch
    {
        RecordKind.Ual => "UAL",
        RecordKind.AzureMonitorSignIn => "AzureMonitorSignIn",
        RecordKind.AzureMonitorAudit => "AzureMonitorAudit",
        RecordKind.GraphSignIn => "GraphSignIn",
        RecordKind.GraphAudit => "GraphAudit",
        RecordKind.LaOfficeActivity => "LaOfficeActivity",
        RecordKind.LaSigninLogs => "LaSigninLogs",
        RecordKind.LaAuditLogs => "LaAuditLogs",
        RecordKind.MdeNetworkStreaming => "MdeNetworkStreaming",
        RecordKind.MdeNetworkHunting => "MdeNetworkHunting",
        RecordKind.LaCommonSecurityLog => "LaCommonSecurityLog",
        _ => "Unknown",
    };

    public static string EngineName(string referenceKind) =>
        RecordKinds.Name(Enum.GetValues<RecordKind>().Single(k => Label(k) == referenceKind));
}
