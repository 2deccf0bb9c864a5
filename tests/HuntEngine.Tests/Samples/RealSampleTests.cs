using System.Globalization;
using HuntEngine.Parsing;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Samples;

/// <summary>
/// The real records in <c>../shared/samples/real</c> (read in place: their licences are not ours),
/// each classified as its kind with the values a reader of the file sees. Skipped, with the reason
/// shown, where the folder is absent.
/// </summary>
public sealed class RealSampleTests
{
    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static List<EngineProbe.Row> Rows(string relative, int expectedRecords)
    {
        var rows = EngineProbe.RowsOf(RepoPaths.RealSample(relative));
        Assert.Equal(expectedRecords, rows.Count);
        Assert.All(rows, r => Assert.NotNull(r.Row));
        return rows.Select(r => r.Row!).ToList();
    }

    [RealSamplesFact]
    public void Azure_monitor_sign_in_raw_export()
    {
        var rows = Rows("entra_signin_diag/elastic_test-signinlogs-raw.ndjson", 5);
        Assert.Equal([RecordKind.AzureMonitorSignIn, RecordKind.AzureMonitorSignIn, RecordKind.Unknown, RecordKind.Unknown, RecordKind.Unknown], rows.Select(r => r.Kind));
        var r0 = rows[0];
        Assert.Equal(Ms("2019-10-18T09:45:48.072Z"), r0[Column.EventTime]);
        Assert.Equal("test@elastic.co", r0[Column.Username]);
        Assert.Equal("81.2.69.144", r0[Column.SourceIp]);
        Assert.Equal("Sign-in activity", r0[Column.EventName]);
        Assert.Equal("Microsoft Azure Active Directory", r0[Column.LogSourceType]);
        Assert.Equal("Office 365", r0[Column.AppDisplayName]);
        Assert.Null(r0[Column.UserType]);
        Assert.Equal("none", r0[Column.RiskLevel]);
    }

    [RealSamplesFact]
    public void Azure_monitor_sign_in_sample_export()
    {
        var rows = Rows("entra_signin_diag/elastic_test-signinlogs-sample.ndjson", 2);
        Assert.All(rows, r => Assert.Equal(RecordKind.AzureMonitorSignIn, r.Kind));
        Assert.Equal("mpliftrelastic20210901@outlook.com", rows[0][Column.Username]);
        Assert.Equal("Member", rows[0][Column.UserType]);
        Assert.Equal("Azure Portal", rows[0][Column.AppDisplayName]);
        Assert.Equal(Ms("2022-01-24T05:10:08.681Z"), rows[0][Column.EventTime]);
    }

    [RealSamplesFact]
    public void Azure_monitor_audit_export()
    {
        var rows = Rows("entra_audit_diag/elastic_test-audit-logs-sample.ndjson", 3);
        Assert.All(rows, r => Assert.Equal(RecordKind.AzureMonitorAudit, r.Kind));
        Assert.Equal("Managed Service Identity", rows[0][Column.Username]); // initiatedBy.app.displayName fallback
        Assert.Equal("1.128.3.4", rows[0][Column.SourceIp]); // callerIpAddress fallback
        Assert.Equal("Add service principal credentials", rows[0][Column.EventName]);
        Assert.Equal("billing-test-wus", rows[0][Column.AppName]);
        Assert.Equal("Update service principal", rows[1][Column.EventName]);
    }

    [RealSamplesFact]
    public void Panther_invite_record_has_an_unparseable_time()
    {
        var row = Assert.Single(Rows("entra_audit_diag/panther_azure_invite_external_users_test1_NORMALIZED.json", 1));
        Assert.Equal(RecordKind.AzureMonitorAudit, row.Kind);
        Assert.Null(row[Column.EventTime]); // "2024-12-10 14:33:09.049661100" is not ISO 8601
        Assert.Equal("denethor@lotr.com", row[Column.Username]);
        Assert.Equal("1.2.3.4", row[Column.SourceIp]);
        Assert.Equal("Invite external user", row[Column.EventName]);
        Assert.Equal("Zeus.Theboss", row[Column.AppName]);
        Assert.Null(row[Column.TargetUser]);
    }

    [RealSamplesFact]
    public void Graph_sign_ins_page_with_duplicate_keys()
    {
        var row = Assert.Single(Rows("entra_signin_graph/msgraph_docs_beta_signin-list_example1_response.json", 1));
        Assert.Equal(RecordKind.GraphSignIn, row.Kind);
        Assert.Equal("testaccount1@contoso.com", row[Column.Username]);
        Assert.Equal("131.107.159.37", row[Column.SourceIp]);
        Assert.Equal("Sign-in activity", row[Column.EventName]);
        Assert.Equal("Azure Portal", row[Column.AppDisplayName]);
        Assert.Equal("Member", row[Column.UserType]);
        Assert.Equal("none", row[Column.RiskLevel]);
        Assert.Equal(Ms("2021-06-30T16:34:32Z"), row[Column.EventTime]);
    }

    [RealSamplesFact]
    public void Graph_directory_audits_pages()
    {
        var a = Assert.Single(Rows("entra_audit_graph/msgraph_docs_v1_directoryaudit-list_example1_response.json", 1));
        Assert.Equal(RecordKind.GraphAudit, a.Kind);
        Assert.Equal("bob@wingtiptoysonline.com", a[Column.Username]);
        Assert.Equal("127.0.0.1", a[Column.SourceIp]);
        Assert.Equal("Add member to group", a[Column.EventName]);
        Assert.Equal("Example.com", a[Column.AppName]);

        var b = Assert.Single(Rows("entra_audit_graph/msgraph_docs_v1_directoryaudit-list_example2_response.json", 1));
        Assert.Equal(RecordKind.GraphAudit, b.Kind);
        Assert.Null(b[Column.Username]); // user UPN null and app null
        Assert.Equal("10.0.0.0", b[Column.SourceIp]);
        Assert.Equal("GroupLifecyclePolicies_Get", b[Column.EventName]);
        Assert.Null(b[Column.AppName]);
    }

    [RealSamplesFact]
    public void Lab_capture_of_consent_records()
    {
        var rows = Rows("entra_audit_graph/lab_capture_consent_to_application_directoryAudits.json", 4);
        Assert.All(rows, r => Assert.Equal(RecordKind.GraphAudit, r.Kind));
        Assert.Equal("Consent to application", rows[0][Column.EventName]);
        Assert.Equal("adm-jsmith@raytakosharkygmail.onmicrosoft.com", rows[0][Column.Username]);
        Assert.Equal("4.151.103.193", rows[0][Column.SourceIp]);
        Assert.Equal("Lab-AI-Agent-CLI", rows[0][Column.AppName]);
        Assert.Equal(Ms("2026-09-13T01:22:12.560Z"), rows[0][Column.EventTime]);
    }

    [RealSamplesFact]
    public void Ual_teams_records()
    {
        var rows = Rows("m365_ual_json/elastic_test-ms-teams-events_originals.ndjson", 5);
        Assert.All(rows, r => Assert.Equal(RecordKind.Ual, r.Kind));
        Assert.Equal("TeamCreated", rows[0][Column.EventName]);
        Assert.Equal("Application", rows[0][Column.Username]);
        Assert.Equal("Application", rows[0][Column.UserType]); // UserType 5
        Assert.Equal("Regular", rows[1][Column.UserType]);
        Assert.Equal(Ms("2020-02-17T16:59:44Z"), rows[0][Column.EventTime]);
        Assert.Equal("Microsoft Office 365", rows[0][Column.LogSourceType]);
    }

    [RealSamplesFact]
    public void LimaCharlie_envelope_is_an_unknown_record()
    {
        // The UAL record sits inside LimaCharlie's {"event":…,"routing":…} envelope: at the top level it is not UAL.
        var row = Assert.Single(Rows("m365_ual_json/limacharlie_o365_adapter_doc_consent_to_application_TRIMMED.json", 1));
        Assert.Equal(RecordKind.Unknown, row.Kind);
    }

    [RealSamplesFact]
    public void Defender_streaming_network_event()
    {
        var row = Assert.Single(Rows("mde_devicenetworkevents/graph2otel_devicenetwork_test_liveRecord_streaming-api-blob.json", 1));
        Assert.Equal(RecordKind.MdeNetworkStreaming, row.Kind);
        Assert.Equal(Ms("2026-07-18T13:58:42.666Z"), row[Column.EventTime]); // properties.Timestamp before time
        Assert.Equal("rob@m7kni.io", row[Column.Username]);
        Assert.Equal("10.0.0.183", row[Column.SourceIp]);
        Assert.Equal("ConnectionRequest", row[Column.EventName]);
        Assert.Null(row[Column.RemoteHost]); // RemoteUrl is null
        Assert.Equal("microsoft update assistant", row[Column.ProcessName]);
        Assert.Equal("mbp16", row[Column.DeviceName]);
        Assert.Equal("Microsoft Defender for Endpoint", row[Column.LogSourceType]);
    }

    [RealSamplesFact]
    public void QRadar_samples()
    {
        var ual = Assert.Single(Rows("qradar/ibm_docs_office365_dsm_sample1_set-mailbox.json", 1));
        Assert.Equal(RecordKind.Ual, ual.Kind);
        Assert.Equal("Set-Mailbox", ual[Column.EventName]);
        Assert.Equal("10.10.1.21:7414", ual[Column.SourceIp]); // as written in the record
        Assert.Equal("Admin", ual[Column.UserType]);

        var audit = Assert.Single(Rows("qradar/ibm_docs_azuread_dsm_sample_add_member_to_group-success.json", 1));
        Assert.Equal(RecordKind.AzureMonitorAudit, audit.Kind);
        Assert.Equal("username", audit[Column.Username]);
        Assert.Null(audit[Column.SourceIp]); // user ipAddress null and no callerIpAddress
        Assert.Equal("Add member to group", audit[Column.EventName]);
        Assert.Null(audit[Column.AppName]);
        Assert.Equal("username", audit[Column.TargetUser]);

        var ariel = Rows("qradar/xsoar_script_comment_qradar_ariel_events_2.json", 2);
        Assert.All(ariel, r => Assert.Equal(RecordKind.Unknown, r.Kind));
        Assert.Equal(2, Rows("sysmon/elastic_sysmon_operational_test-events_eid22_first2.json", 2).Count(r => r.Kind == RecordKind.Unknown));
    }

    [RealSamplesFact]
    public void Not_valid_json_samples_are_reported_and_the_valid_part_is_read()
    {
        var stratus = EngineProbe.RowsOf(RepoPaths.RealSample("entra_audit_graph/stratus-red-team_guest-user_sample_events_SHORTENED_NOT_VALID_JSON.txt"));
        Assert.Equal(2, stratus.Count);
        Assert.Null(stratus[0].Row); // trailing comma: malformed
        Assert.Equal(RecordKind.Unknown, stratus[1].Row!.Kind); // no activityDateTime: not Graph audit
        var docs = EngineProbe.RowsOf(RepoPaths.RealSample("entra_signin_graph/entra-docs_reference-sign-ins-log-schema_sample_NOT_VALID_JSON.txt"));
        // One pretty-printed object (spec §1: one record) whose "location" has a brace too many, so
        // its brackets balance early: one malformed record, and its nested objects are not records.
        Assert.Null(Assert.Single(docs).Row);
        Assert.Equal(0, docs[0].Offset);
    }
}
