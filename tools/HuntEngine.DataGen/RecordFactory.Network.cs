namespace HuntEngine.DataGen;

/// <summary>Defender for Endpoint DeviceNetworkEvents: the streaming-API envelope and, rarely, the flat hunting export row.</summary>
internal sealed partial class RecordFactory
{
    private const long ExfilThresholdBytes = 10_485_760;

    /// <summary>Shape of a network event; planted and near-miss records override single fields as raw JSON text.</summary>
    private sealed record NetworkShape
    {
        /// <summary>JSON text of <c>RemoteUrl</c> (<c>null</c> allowed).</summary>
        public required string RemoteUrlJson { get; init; }
        /// <summary>JSON text of <c>SentBytes</c>, or null to leave the property out.</summary>
        public required string? SentBytesJson { get; init; }
        public string? EarlierSentBytesJson { get; init; }
        public required string Process { get; init; }
        public string ActionType { get; init; } = "ConnectionSuccess";
        public string Category { get; init; } = "AdvancedHunting-DeviceNetworkEvents";
        /// <summary>True: the flat advanced-hunting row (<c>DeviceName</c>, <c>ActionType</c>, <c>RemoteIP</c>, <c>Timestamp</c> at top level).</summary>
        public bool HuntingExport { get; init; }
        public bool PropertiesAsString { get; init; }
        public bool Spaced { get; init; }

        public static NetworkShape Ordinary(RecordFactory f)
        {
            bool storageHost = f.Chance(0.1);
            string host = f.Pick(storageHost ? RecordPools.StorageRemoteHosts : RecordPools.OrdinaryRemoteHosts);
            string? url = f._random.Next(10) switch
            {
                < 5 => "https://" + host + "/" + f.Pick(["", "api/v1/items", "common/oauth2/v2.0/token", "upload", "search?q=report"]),
                < 7 => host,
                < 8 => host + ":443",
                _ => null,
            };
            // Ordinary uploads to storage hosts stay at or below the threshold; big ones go to other hosts.
            long sent = storageHost
                ? f._random.NextInt64(ExfilThresholdBytes + 1)
                : f.Chance(0.05) ? f._random.NextInt64(ExfilThresholdBytes, 300_000_000) : f._random.NextInt64(0, 600_000);
            return new NetworkShape
            {
                RemoteUrlJson = url is null ? "null" : Json.Quote(url),
                SentBytesJson = f.Chance(0.1) ? Json.Quote(sent.ToString(System.Globalization.CultureInfo.InvariantCulture)) : sent.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Process = f.Pick(RecordPools.BenignProcesses),
                ActionType = f.Pick(["ConnectionSuccess", "ConnectionSuccess", "ConnectionRequest", "ConnectionFailed", "InboundConnectionAccepted"]),
                HuntingExport = f.Chance(0.05),
                Spaced = f.Chance(0.1),
            };
        }
    }

    private void WriteNetwork(JsonRecordWriter w, NetworkShape shape)
    {
        long t = Time();
        w.Reset(shape.Spaced);
        w.StartObject();
        if (shape.HuntingExport)
        {
            w.PTime("Timestamp"u8, t, TimeStyle.Utc6);
            WriteNetworkBody(w, shape, t, flat: true);
            w.EndObject();
            return;
        }

        w.PTime("time"u8, t + _random.Next(1, 90) * TimeSpan.TicksPerSecond, TimeStyle.Utc7);
        w.PUuid("tenantId"u8, _home.Id);
        w.P("operationName"u8, "Publish"u8);
        w.P("category"u8, shape.Category);
        w.PTime("_TimeReceivedBySvc"u8, t + _random.Next(1, 60) * TimeSpan.TicksPerSecond, TimeStyle.Utc7);
        w.Name("properties"u8);
        if (shape.PropertiesAsString)
        {
            _scratch.Reset();
            _scratch.StartObject();
            WriteNetworkBody(_scratch, shape, t, flat: false);
            _scratch.EndObject();
            w.Str(System.Text.Encoding.UTF8.GetString(_scratch.Written));
        }
        else
        {
            w.StartObject();
            WriteNetworkBody(w, shape, t, flat: false);
            w.EndObject();
        }

        w.P("Tenant"u8, "DefaultTenant"u8);
        w.EndObject();
    }

    private void WriteNetworkBody(JsonRecordWriter w, NetworkShape shape, long t, bool flat)
    {
        Person user = Member();
        string account = user.Upn[..user.Upn.IndexOf('@')];
        string device = Pick(RecordPools.DeviceNames);
        bool windows = !device.StartsWith("mbp", StringComparison.Ordinal);
        w.P("DeviceName"u8, windows ? device.ToLowerInvariant() + "." + _home.Domain : device);
        w.P("DeviceId"u8, NewUuid().ToHex(32, upper: false) + NewUuid().ToHex(8, upper: false));
        w.P("ReportId"u8, _random.Next(1000, 900000));
        w.PIp("RemoteIP"u8, PublicIp());
        w.P("RemotePort"u8, Chance(0.9) ? 443 : 80);
        w.PIp("LocalIP"u8, PrivateIp());
        w.P("LocalPort"u8, _random.Next(49152, 65535));
        w.P("Protocol"u8, "Tcp"u8);
        w.Name("RemoteUrl"u8);
        w.Raw(shape.RemoteUrlJson);
        if (shape.EarlierSentBytesJson is not null)
        {
            w.Name("SentBytes"u8);
            w.Raw(shape.EarlierSentBytesJson);
        }

        w.PTime("InitiatingProcessCreationTime"u8, t - _random.Next(1, 86400) * TimeSpan.TicksPerSecond, TimeStyle.Utc6);
        w.P("InitiatingProcessId"u8, _random.Next(400, 60000));
        string process = shape.Process;
        w.P("InitiatingProcessCommandLine"u8, windows ? "\"" + process + "\" " + Pick(["", "--type=utility", "-NoProfile -ExecutionPolicy Bypass", "s3 cp . s3://bucket --recursive", "-T data.zip"]) : process);
        w.PTime("InitiatingProcessParentCreationTime"u8, t - _random.Next(86400, 864000) * TimeSpan.TicksPerSecond, TimeStyle.Utc6);
        w.P("InitiatingProcessParentId"u8, _random.Next(4, 20000));
        w.P("InitiatingProcessParentFileName"u8, windows ? Pick(["explorer.exe", "svchost.exe", "cmd.exe", "services.exe"]) : "launchd");
        w.P("InitiatingProcessSHA1"u8, NewUuid().ToHex(32, upper: false) + NewUuid().ToHex(8, upper: false));
        w.P("InitiatingProcessMD5"u8, NewUuid().ToHex(32, upper: false));
        w.P("InitiatingProcessFolderPath"u8, windows ? "c:\\program files\\" + process.ToLowerInvariant().Replace(".exe", "", StringComparison.Ordinal) + "\\" + process.ToLowerInvariant() : "/usr/bin/" + process);
        w.P("InitiatingProcessAccountName"u8, account);
        w.P("InitiatingProcessAccountDomain"u8, _home.Domain.Split('.')[0]);
        w.P("InitiatingProcessAccountSid"u8, "S-1-5-21-" + _random.Next(100000000, 999999999) + "-" + _random.Next(100000000, 999999999) + "-" + _random.Next(1000, 99999));
        w.P("InitiatingProcessFileName"u8, process);
        w.P("InitiatingProcessIntegrityLevel"u8, Chance(0.8) ? "Medium"u8 : "High"u8);
        w.P("InitiatingProcessTokenElevation"u8, "TokenElevationTypeDefault"u8);
        w.PNull("AppGuardContainerId"u8);
        w.P("LocalIPType"u8, "Private"u8);
        w.P("RemoteIPType"u8, "Public"u8);
        w.P("ActionType"u8, shape.ActionType);
        w.P("InitiatingProcessSHA256"u8, NewUuid().ToHex(32, upper: false) + NewUuid().ToHex(32, upper: false));
        w.P("InitiatingProcessAccountUpn"u8, user.Upn);
        w.PUuid("InitiatingProcessAccountObjectId"u8, user.ObjectId);
        w.P("AdditionalFields"u8, Chance(0.5) ? "{\"direction\":\"Out\"}" : "");
        if (shape.SentBytesJson is not null)
        {
            w.Name("SentBytes"u8);
            w.Raw(shape.SentBytesJson);
        }

        w.P("ReceivedBytes"u8, _random.Next(0, 2_000_000));
        w.P("InitiatingProcessFileSize"u8, _random.Next(100_000, 90_000_000));
        w.P("InitiatingProcessVersionInfoCompanyName"u8, windows ? "Microsoft Corporation"u8 : "UBF8T346G9"u8);
        w.PNull("InitiatingProcessVersionInfoProductName"u8);
        w.PNull("InitiatingProcessSessionId"u8);
        w.PBool("IsInitiatingProcessRemoteSession"u8, false);
        w.P("InitiatingProcessUniqueId"u8, _random.NextInt64(1, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!flat) w.PTime("Timestamp"u8, t, TimeStyle.Utc6);
        w.P("MachineGroup"u8, Pick(["main", "Servers", "Finance laptops"]));
    }
}
