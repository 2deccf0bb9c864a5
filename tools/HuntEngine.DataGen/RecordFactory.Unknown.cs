namespace HuntEngine.DataGen;

/// <summary>Records of no kind the engine knows (QRadar Ariel events, Winlogbeat Sysmon events): counted, never matched.</summary>
internal sealed partial class RecordFactory
{
    /// <summary>A QRadar Ariel event; <paramref name="teamsImpersonationBait"/> makes it look like a Teams helpdesk message (it still must not fire).</summary>
    private void WriteQRadarEvent(JsonRecordWriter w, string? teamsImpersonationBait)
    {
        long t = Time();
        uint source = PrivateIp();
        bool office = teamsImpersonationBait is not null;
        string user = office ? teamsImpersonationBait! : Member().Upn.Split('@')[0];
        w.Reset();
        w.StartObject();
        w.P("categoryname_category"u8, office ? "Information"u8 : "User Account Changed"u8);
        w.P("categoryname_highlevelcategory"u8, office ? "Audit"u8 : "Authentication"u8);
        w.P("credibility"u8, _random.Next(1, 10));
        w.P("destinationgeographiclocation"u8, "other"u8);
        w.PIp("destinationip"u8, source);
        w.P("destinationport"u8, 0);
        w.P("destinationv6"u8, "0:0:0:0:0:0:0:0"u8);
        w.PTime("devicetime"u8, t, TimeStyle.Offset0);
        w.P("eventDirection"u8, "L2L"u8);
        w.P("eventcount"u8, 1);
        w.P("logsourcename_logsourceid"u8, office ? "Office365 @ " + _home.Domain : "SRV" + _random.Next(10, 99) + " @ " + IpText(source));
        w.P("logsourcetypename_devicetype"u8, office ? "Microsoft Office 365"u8 : "Microsoft Windows Security Event Log"u8);
        w.P("magnitude"u8, _random.Next(1, 9));
        w.P("protocolname_protocolid"u8, "Reserved"u8);
        w.P("qiddescription_qid"u8, office ? "A message was sent in a Teams chat."u8 : "Success Audit: A user account was enabled."u8);
        w.P("qidname_qid"u8, office ? "MessageSent"u8 : "Success Audit: A user account was enabled"u8);
        w.Name("rulename_creEventList"u8);
        w.StartArray();
        w.Str("BB:DeviceDefinition: Operating System"u8);
        w.Str("BB:UBA : Common Event Filters"u8);
        w.EndArray();
        w.P("severity"u8, _random.Next(1, 6));
        w.P("sourceMAC"u8, "00:00:00:00:00:00"u8);
        w.P("sourcegeographiclocation"u8, "other"u8);
        w.PIp("sourceip"u8, source);
        w.P("sourceport"u8, 0);
        w.PTime("starttime"u8, t, TimeStyle.Offset0);
        w.P("username"u8, user);
        w.P("utf8_payload"u8, office
            ? "{\"Operation\":\"MessageSent\",\"Workload\":\"MicrosoftTeams\",\"UserId\":\"" + user + "\",\"RecordType\":25}"
            : "<13>" + Timestamps.ToText(t, TimeStyle.NoZoneSeconds) + " " + IpText(source) + " AgentDevice=WindowsLog\tAgentLogFile=Security\tSource=Microsoft-Windows-Security-Auditing\tEventID=4722\tMessage=A user account was enabled.  Subject:  Account Name:  " + user + "\n");
        w.EndObject();
    }

    /// <summary>A Winlogbeat Sysmon event (ID 3 network connection or 22 DNS query); <paramref name="host"/> forces the destination.</summary>
    private void WriteSysmonEvent(JsonRecordWriter w, string? host)
    {
        long t = Time();
        bool network = host is not null || Chance(0.5);
        string destination = host ?? Pick(RecordPools.OrdinaryRemoteHosts);
        string computer = Pick(RecordPools.DeviceNames).ToLowerInvariant();
        string image = "C:\\Program Files\\" + Pick(["Google\\Chrome\\Application\\chrome.exe", "Microsoft\\Edge\\Application\\msedge.exe", "Amazon\\AWSCLIV2\\aws.exe", "Git\\mingw64\\bin\\curl.exe"]);
        w.Reset();
        w.StartObject();
        w.PTime("@timestamp"u8, t, TimeStyle.Utc7);
        w.Name("winlog"u8);
        w.StartObject();
        w.P("channel"u8, "Microsoft-Windows-Sysmon/Operational"u8);
        w.P("event_id"u8, network ? "3"u8 : "22"u8);
        w.P("record_id"u8, _random.Next(1, 9_000_000));
        w.P("computer_name"u8, computer);
        w.Name("event_data"u8);
        w.StartObject();
        w.P("UtcTime"u8, Timestamps.ToText(t, TimeStyle.NoZoneFraction7).Replace('T', ' ')[..23]);
        w.P("ProcessGuid"u8, "{" + NewUuid() + "}");
        w.P("ProcessId"u8, _random.Next(400, 60000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.P("Image"u8, image);
        if (network)
        {
            w.P("User"u8, _home.Domain.Split('.')[0].ToUpperInvariant() + "\\" + Member().Upn.Split('@')[0]);
            w.P("Protocol"u8, "tcp"u8);
            w.P("Initiated"u8, "true"u8);
            w.P("SourceIp"u8, IpText(PrivateIp()));
            w.P("SourcePort"u8, _random.Next(49152, 65535).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.P("DestinationIp"u8, IpText(PublicIp()));
            w.P("DestinationHostname"u8, destination);
            w.P("DestinationPort"u8, "443"u8);
        }
        else
        {
            w.P("QueryName"u8, destination);
            w.P("QueryStatus"u8, "0"u8);
            w.P("QueryResults"u8, "type:  5 " + destination + ".edgekey.net;::ffff:" + IpText(PublicIp()) + ";");
        }

        w.EndObject();
        w.P("provider_name"u8, "Microsoft-Windows-Sysmon"u8);
        w.P("opcode"u8, "Info"u8);
        w.P("provider_guid"u8, "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"u8);
        w.P("version"u8, 5);
        w.Name("user"u8);
        w.StartObject();
        w.P("identifier"u8, "S-1-5-18"u8);
        w.EndObject();
        w.EndObject();
        w.Name("event"u8);
        w.StartObject();
        w.P("code"u8, network ? "3"u8 : "22"u8);
        w.P("kind"u8, "event"u8);
        w.P("provider"u8, "Microsoft-Windows-Sysmon"u8);
        w.EndObject();
        w.Name("host"u8);
        w.StartObject();
        w.P("name"u8, computer);
        w.EndObject();
        w.Name("agent"u8);
        w.StartObject();
        w.P("type"u8, "winlogbeat"u8);
        w.P("version"u8, "8.15.3"u8);
        w.EndObject();
        w.EndObject();
    }
}
