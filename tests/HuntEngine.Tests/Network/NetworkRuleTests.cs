using HuntEngine.Matching;
using HuntEngine.Parsing;
using HuntEngine.Tests.Reference;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Network;

/// <summary>
/// Spec §7.1–§7.3 for single records: the network kinds, <c>remote_host</c> and <c>sent_bytes</c>,
/// the CloudStorageExfil host and byte rules, the seed's Test 3 and the order of labels. Each case is
/// checked against the engine and, where the reference has an opinion, against the reference.
/// </summary>
public sealed class NetworkRuleTests
{
    private const string Exfil = PatternCatalog.CloudExfil;

    /// <summary>A Defender advanced-hunting export row (<c>DeviceNetworkEvents</c>), with raw JSON for the two fields under test.</summary>
    private static string Hunting(string remoteUrlJson, string sentBytesJson = "52428800", string process = "curl.exe") =>
        $$"""{"Timestamp":"2026-05-04T09:10:11.123456Z","DeviceId":"5844d4a3f835919fd63772082de62951d0dab09d","DeviceName":"fin-ws-0142.contoso.com","ActionType":"ConnectionSuccess","RemoteIP":"162.125.4.14","RemotePort":443,"RemoteUrl":{{remoteUrlJson}},"LocalIP":"10.0.0.12","LocalPort":53630,"Protocol":"Tcp","InitiatingProcessFileName":"{{process}}","InitiatingProcessAccountName":"alice","InitiatingProcessAccountUpn":"alice@contoso.com","SentBytes":{{sentBytesJson}},"ReceivedBytes":4096}""";

    private static string Q(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    // ---- remote_host (§7.1) ----

    [Theory]
    [InlineData("https://Content.DropboxAPI.com/2/files/upload", "content.dropboxapi.com")] // scheme, path, upper case
    [InlineData("https://backup:s3cr3t@s3.amazonaws.com:443/bucket/key?partNumber=1#frag", "s3.amazonaws.com")] // user info, port, query, fragment
    [InlineData("http://user@mega.nz/file/x", "mega.nz")]
    [InlineData("https://mega.nz?x=1", "mega.nz")] // query right after the host
    [InlineData("https://mega.nz#key", "mega.nz")] // fragment right after the host
    [InlineData("ftp://files.example.org:21", "files.example.org")]
    [InlineData("content.dropboxapi.com:443", "content.dropboxapi.com")] // no scheme, port
    [InlineData("content.dropboxapi.com/2/files/upload", "content.dropboxapi.com")] // no scheme, path
    [InlineData("s3.amazonaws.com?list-type=2", "s3.amazonaws.com")]
    [InlineData("s3.amazonaws.com#x", "s3.amazonaws.com")]
    [InlineData("S3.AMAZONAWS.COM", "s3.amazonaws.com")]
    [InlineData("https://S3.DualStack.US-EAST-1.AmazonAWS.com/b", "s3.dualstack.us-east-1.amazonaws.com")]
    [InlineData("https://\u00C4BC.example/x", "\u00C4bc.example")] // lower-casing is ASCII only: Ä stays
    [InlineData("", null)] // empty gives null
    [InlineData("https://", null)]
    [InlineData("https:///only/a/path", null)]
    [InlineData("/relative/path", null)]
    [InlineData(":443", null)]
    [InlineData("evil.example/r?u=https://S3.amazonaws.com/x", "s3.amazonaws.com")] // has "://": a URL, host after it (doc/decisions.md)
    public void Remote_host_is_the_lower_cased_host_of_the_url(string remoteUrl, string? host)
    {
        string json = Hunting(Q(remoteUrl));
        Assert.Equal(host, EngineProbe.Normalize(json)[Column.RemoteHost]);
        Assert.Equal(host, ReferenceHunter.Normalize(json).RemoteHost);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"<null>\"")]
    public void Remote_host_of_a_null_url_is_null(string remoteUrlJson) =>
        Assert.Null(EngineProbe.Normalize(Hunting(remoteUrlJson))[Column.RemoteHost]);

    [Fact]
    public void Remote_host_reads_the_unescaped_url()
    {
        // https:\/\/... and \u0041: the host is taken from the decoded string.
        var row = EngineProbe.Normalize(Hunting("\"https:\\/\\/content.dropbox\\u0041PI.com\\/2\\/files\\/upload\""));
        Assert.Equal("content.dropboxapi.com", row[Column.RemoteHost]);
    }

    // ---- the host rule of CloudStorageExfil (§7.3) ----

    [Theory]
    [InlineData("s3.amazonaws.com")]
    [InlineData("bucket.s3.amazonaws.com")]
    [InlineData("eu-west-1.s3.amazonaws.com")]
    [InlineData("s3.eu-west-1.amazonaws.com")] // regional
    [InlineData("bucket.s3.eu-west-1.amazonaws.com")]
    [InlineData("s3-us-west-2.amazonaws.com")] // legacy dash form
    [InlineData("bkt-2231.s3-us-west-2.amazonaws.com")]
    [InlineData("s3-external-1.amazonaws.com")]
    [InlineData("s3.dualstack.us-east-1.amazonaws.com")] // dual-stack
    [InlineData("bucket.s3.dualstack.us-east-1.amazonaws.com")]
    [InlineData("S3-US-WEST-2.AMAZONAWS.COM")] // upper case is lowered first
    [InlineData("content.dropboxapi.com")]
    [InlineData("x.content.dropboxapi.com")]
    [InlineData("mega.nz")]
    [InlineData("gfs270n123.userstorage.mega.nz")]
    [InlineData("mega.co.nz")]
    [InlineData("g.api.mega.co.nz")]
    public void Cloud_storage_hosts_fire(string host)
    {
        Assert.Equal(Exfil, EngineProbe.Detect(Hunting(Q("https://" + host + "/upload"))));
        Assert.Equal(Exfil, EngineProbe.Detect(Hunting(Q(host))));
    }

    [Theory]
    [InlineData("s3.amazonaws.com.evil.example")] // the storage name is not the end of the host
    [InlineData("xs3.amazonaws.com")] // neither equal, nor "." + name, nor "(^|\.)s3[.-]"
    [InlineData("mys3.amazonaws.com")]
    [InlineData("nots3.amazonaws.com")]
    [InlineData("s3amazonaws.com")]
    [InlineData("s3.amazonaws.co")]
    [InlineData("s3.eu-west-1.amazonaws.com.cn")] // "$" is the end of the host
    [InlineData("s3.eu-west-1.amazonaws.com.")] // a trailing dot is part of the host
    [InlineData("s3.eu_west_1.amazonaws.com")] // '_' is no label character of the regex
    [InlineData("s3..amazonaws.com")]
    [InlineData("xs3-us-west-2.amazonaws.com")]
    [InlineData("amazonaws.com")]
    [InlineData("dropboxapi.com")]
    [InlineData("www.dropbox.com")]
    [InlineData("evilcontent.dropboxapi.com")]
    [InlineData("content.dropboxapi.com.attacker.example")]
    [InlineData("notmega.nz")]
    [InlineData("mega.nz.evil.example")]
    [InlineData("mega.io")]
    [InlineData("storage.googleapis.com")]
    public void Lookalike_hosts_do_not_fire(string host)
    {
        Assert.Null(EngineProbe.Detect(Hunting(Q("https://" + host + "/upload"))));
        Assert.Null(EngineProbe.Detect(Hunting(Q(host))));
        Assert.False(ReferenceHunter.IsCloudStorageExfil(ReferenceHunter.Normalize(Hunting(Q(host)))));
    }

    [Fact]
    public void A_final_newline_is_not_the_end_of_the_host()
    {
        // .NET's "$" would match before a final '\n'; the spec's "$" is the end of the host.
        Assert.Null(EngineProbe.Detect(Hunting("\"s3.eu-west-1.amazonaws.com\\n\"")));
        Assert.Null(EngineProbe.Detect(Hunting("\"s3.amazonaws.com\\n\"")));
    }

    [Fact]
    public void A_query_or_user_info_naming_storage_does_not_make_the_host()
    {
        Assert.Null(EngineProbe.Detect(Hunting(Q("https://evil.example/redirect?u=https://s3.amazonaws.com/bucket"))));
        Assert.Null(EngineProbe.Detect(Hunting(Q("https://s3.amazonaws.com@evil.example/x"))));
        Assert.Equal(Exfil, EngineProbe.Detect(Hunting(Q("https://evil.example@s3.amazonaws.com/x"))));
    }

    // ---- sent_bytes (§7.1) and the byte threshold ----

    [Theory]
    [InlineData("10485761", 10485761L)]
    [InlineData("\"10485761\"", 10485761L)]
    [InlineData("1.5e7", 15000000L)]
    [InlineData("\"1.5e7\"", 15000000L)]
    [InlineData("1.5E+7", 15000000L)]
    [InlineData("1.0485761e7", 10485761L)]
    [InlineData("10485761.0", 10485761L)] // a whole number written with a fraction
    [InlineData("100e-2", 1L)]
    [InlineData("0", 0L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("\"9223372036854775807\"", long.MaxValue)]
    [InlineData("9223372036854775808", null)] // past int64
    [InlineData("1e30", null)]
    [InlineData("-52428800", null)] // negative
    [InlineData("\"-1\"", null)]
    [InlineData("10485761.5", null)] // fraction
    [InlineData("1e-2", null)]
    [InlineData("\"50MB\"", null)]
    [InlineData("\"52428800 bytes\"", null)]
    [InlineData("\" 52428800\"", null)] // the whole text must be a JSON number
    [InlineData("\"52428800 \"", null)]
    [InlineData("\"+52428800\"", null)]
    [InlineData("\"052428800\"", null)] // JSON numbers have no leading zero
    [InlineData("\"0x3200000\"", null)]
    [InlineData("\"\"", null)]
    [InlineData("true", null)]
    [InlineData("null", null)]
    [InlineData("[52428800]", null)]
    [InlineData("{\"v\":52428800}", null)]
    // Exact arithmetic: past 28 significant digits a decimal would round these to whole numbers.
    [InlineData("10485760.99999999999999999999999", null)]
    [InlineData("\"20000000.000000000000000000000000000000001\"", null)]
    [InlineData("20000000.000000000000000000000000000000000", 20000000L)]
    [InlineData("-0", 0L)]
    [InlineData("-0.0e5", 0L)]
    [InlineData("0e-999999999999", 0L)]
    [InlineData("1e999999999999", null)]
    [InlineData("922337203685477580.7e1", long.MaxValue)]
    [InlineData("922337203685477580.8e1", null)]
    [InlineData("92233720368547758070e-1", long.MaxValue)]
    [InlineData("0.00000000000000000000000000000000000000001e41", 1L)]
    public void Sent_bytes_is_a_whole_non_negative_int64(string sentBytesJson, long? expected)
    {
        string json = Hunting(Q("https://content.dropboxapi.com/2/files/upload"), sentBytesJson);
        Assert.Equal(expected, EngineProbe.Normalize(json)[Column.SentBytes]);
        Assert.Equal(expected, ReferenceHunter.Normalize(json).SentBytes);
    }

    [Fact]
    public void Sent_bytes_agrees_with_exact_big_integer_arithmetic_on_random_number_texts()
    {
        var rng = new Random(20261128);
        for (int n = 0; n < 20_000; n++)
        {
            string text = RandomNumberText(rng);
            long? engine = ValueTransforms.Int64(System.Text.Json.JsonTokenType.Number, System.Text.Encoding.ASCII.GetBytes(text), out long v) ? v : null;
            Assert.True(ReferenceJsonNumber.ToWholeNonNegativeInt64(text) == engine, $"{text}: engine {engine?.ToString() ?? "null"}");
        }
    }

    private static string RandomNumberText(Random rng)
    {
        static string Digits(Random rng, int n, bool leadingNonZero)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < n; i++) sb.Append(i == 0 && leadingNonZero ? (char)('1' + rng.Next(9)) : rng.Next(3) == 0 ? '0' : (char)('0' + rng.Next(10)));
            return sb.ToString();
        }
        var t = new System.Text.StringBuilder();
        if (rng.Next(6) == 0) t.Append('-');
        t.Append(rng.Next(5) == 0 ? "0" : Digits(rng, rng.Next(1, 24), true));
        if (rng.Next(2) == 0) t.Append('.').Append(rng.Next(3) == 0 ? new string('0', rng.Next(1, 40)) : Digits(rng, rng.Next(1, 40), false));
        if (rng.Next(2) == 0) t.Append(rng.Next(2) == 0 ? 'e' : 'E').Append(rng.Next(3) switch { 0 => "-", 1 => "+", _ => "" }).Append(rng.Next(10) == 0 ? Digits(rng, rng.Next(10, 14), true) : rng.Next(0, 45).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return t.ToString();
    }

    [Theory]
    [InlineData("10485760", false)] // exactly 10 MiB: not more than
    [InlineData("\"10485760\"", false)]
    [InlineData("10485760.0", false)]
    [InlineData("1.048576e7", false)]
    [InlineData("10380902", false)] // 9.9 MB
    [InlineData("10485761", true)]
    [InlineData("\"10485761\"", true)]
    [InlineData("1.5e7", true)]
    [InlineData("\"1.5e7\"", true)]
    [InlineData("52428800", true)]
    [InlineData("9223372036854775807", true)]
    [InlineData("-52428800", false)]
    [InlineData("12345678.5", false)]
    [InlineData("\"50MB\"", false)]
    [InlineData("1e30", false)]
    [InlineData("null", false)]
    public void Cloud_storage_needs_more_than_10_MiB_sent(string sentBytesJson, bool fires) =>
        Assert.Equal(fires ? Exfil : null, EngineProbe.Detect(Hunting(Q("https://content.dropboxapi.com/2/files/upload"), sentBytesJson)));

    [Fact]
    public void A_record_without_sent_bytes_cannot_fire()
    {
        string json = """{"Timestamp":"2026-05-04T09:10:11Z","DeviceName":"d","ActionType":"ConnectionSuccess","RemoteIP":"1.2.3.4","RemoteUrl":"https://s3.amazonaws.com/b","InitiatingProcessFileName":"aws.exe","ReceivedBytes":99999999}""";
        Assert.Null(EngineProbe.Normalize(json)[Column.SentBytes]);
        Assert.Null(EngineProbe.Detect(json));
    }

    [Fact]
    public void Duplicate_sent_bytes_keys_take_the_last()
    {
        string big = """{"Timestamp":"2026-05-04T09:10:11Z","DeviceName":"d","ActionType":"a","RemoteIP":"1.2.3.4","RemoteUrl":"s3.amazonaws.com","SentBytes":1024,"SentBytes":52428800}""";
        string small = """{"Timestamp":"2026-05-04T09:10:11Z","DeviceName":"d","ActionType":"a","RemoteIP":"1.2.3.4","RemoteUrl":"s3.amazonaws.com","SentBytes":52428800,"SentBytes":1024}""";
        Assert.Equal(Exfil, EngineProbe.Detect(big));
        Assert.Null(EngineProbe.Detect(small));
    }

    // ---- the network kinds (§7.2) ----

    [Fact]
    public void Streaming_export_takes_properties_timestamp_else_time()
    {
        const string withTimestamp = """{"time":"2026-07-18T14:00:54.7649349Z","tenantId":"t","operationName":"Publish","category":"AdvancedHunting-DeviceNetworkEvents","properties":{"DeviceName":"mbp16","ActionType":"ConnectionSuccess","RemoteIP":"20.42.65.85","LocalIP":"10.0.0.183","RemoteUrl":"https://content.dropboxapi.com/2/files/upload","InitiatingProcessFileName":"curl","InitiatingProcessAccountName":"rob","InitiatingProcessAccountUpn":"rob@m7kni.io","SentBytes":"52428800","Timestamp":"2026-07-18T13:58:42.666487Z"},"Tenant":"DefaultTenant"}""";
        var row = EngineProbe.Normalize(withTimestamp);
        Assert.Equal(RecordKind.MdeNetworkStreaming, row.Kind);
        Assert.Equal(Ms("2026-07-18T13:58:42.666Z"), row[Column.EventTime]);
        Assert.Equal("Microsoft Defender for Endpoint", row[Column.LogSourceType]);
        Assert.Equal("rob@m7kni.io", row[Column.Username]);
        Assert.Equal("10.0.0.183", row[Column.SourceIp]);
        Assert.Equal("ConnectionSuccess", row[Column.EventName]);
        Assert.Equal("content.dropboxapi.com", row[Column.RemoteHost]);
        Assert.Equal("curl", row[Column.ProcessName]);
        Assert.Equal(52428800L, row[Column.SentBytes]);
        Assert.Equal("mbp16", row[Column.DeviceName]);
        Assert.Equal(Exfil, EngineProbe.Detect(withTimestamp));

        // properties.Timestamp null or missing: time; InitiatingProcessAccountUpn null: the account name.
        string nullTimestamp = withTimestamp.Replace("\"Timestamp\":\"2026-07-18T13:58:42.666487Z\"", "\"Timestamp\":null", StringComparison.Ordinal)
            .Replace("\"InitiatingProcessAccountUpn\":\"rob@m7kni.io\"", "\"InitiatingProcessAccountUpn\":null", StringComparison.Ordinal);
        var fallback = EngineProbe.Normalize(nullTimestamp);
        Assert.Equal(Ms("2026-07-18T14:00:54.764Z"), fallback[Column.EventTime]);
        Assert.Equal("rob", fallback[Column.Username]);
        string missingTimestamp = withTimestamp.Replace(",\"Timestamp\":\"2026-07-18T13:58:42.666487Z\"", "", StringComparison.Ordinal);
        Assert.Equal(Ms("2026-07-18T14:00:54.764Z"), EngineProbe.Normalize(missingTimestamp)[Column.EventTime]);
    }

    [Fact]
    public void Streaming_export_needs_an_object_properties()
    {
        const string asString = """{"time":"2026-07-18T14:00:54Z","category":"AdvancedHunting-DeviceNetworkEvents","properties":"{\"DeviceName\":\"d\",\"RemoteUrl\":\"s3.amazonaws.com\",\"SentBytes\":52428800}"}""";
        Assert.Equal(RecordKind.Unknown, EngineProbe.Normalize(asString).Kind);
        Assert.Null(EngineProbe.Detect(asString));
        const string otherCategory = """{"time":"2026-07-18T14:00:54Z","category":"AdvancedHunting-DeviceEvents","properties":{"RemoteUrl":"s3.amazonaws.com","SentBytes":52428800}}""";
        Assert.Null(EngineProbe.Detect(otherCategory));
    }

    [Fact]
    public void Hunting_export_takes_timestamp_else_time_generated()
    {
        const string sentinelRow = """{"TenantId":"t","TimeGenerated":"2026-05-04T09:10:12.5Z","DeviceName":"fin-ws-0142","ActionType":"ConnectionSuccess","RemoteIP":"52.217.1.1","RemoteUrl":"bucket.s3.eu-west-1.amazonaws.com:443","LocalIP":"10.1.2.3","InitiatingProcessFileName":"aws.exe","InitiatingProcessAccountName":"svc-backup","SentBytes":"1.5e7","Type":"DeviceNetworkEvents"}""";
        var row = EngineProbe.Normalize(sentinelRow);
        Assert.Equal(RecordKind.MdeNetworkHunting, row.Kind);
        Assert.Equal(Ms("2026-05-04T09:10:12.5Z"), row[Column.EventTime]);
        Assert.Equal("svc-backup", row[Column.Username]);
        Assert.Equal("bucket.s3.eu-west-1.amazonaws.com", row[Column.RemoteHost]);
        Assert.Equal(15_000_000L, row[Column.SentBytes]);
        Assert.Equal("fin-ws-0142", row[Column.DeviceName]);
        Assert.Equal(Exfil, EngineProbe.Detect(sentinelRow));

        string both = sentinelRow.Replace("\"TimeGenerated\"", "\"Timestamp\":\"2026-05-04T09:00:00Z\",\"TimeGenerated\"", StringComparison.Ordinal);
        Assert.Equal(Ms("2026-05-04T09:00:00Z"), EngineProbe.Normalize(both)[Column.EventTime]);
    }

    private static string Cef(string vendorJson, string? requestUrlJson, string? destinationHostJson, string? computerJson, string? deviceNameJson, string sentBytesJson = "52428800")
    {
        var fields = new List<string>
        {
            "\"TenantId\":\"t\"", "\"TimeGenerated\":\"2026-08-01T12:00:00.250Z\"", $"\"DeviceVendor\":{vendorJson}", "\"DeviceProduct\":\"NSSWeblog\"",
            "\"DeviceVersion\":\"6.1\"", "\"Activity\":\"Allowed\"", "\"SourceUserName\":\"bob@contoso.com\"", "\"SourceIP\":\"10.20.30.40\"",
            "\"DestinationIP\":\"162.125.4.14\"", "\"ApplicationProtocol\":\"HTTPS\"", "\"RequestMethod\":\"POST\"",
        };
        if (requestUrlJson is not null) fields.Add($"\"RequestURL\":{requestUrlJson}");
        if (destinationHostJson is not null) fields.Add($"\"DestinationHostName\":{destinationHostJson}");
        if (computerJson is not null) fields.Add($"\"Computer\":{computerJson}");
        if (deviceNameJson is not null) fields.Add($"\"DeviceName\":{deviceNameJson}");
        fields.Add($"\"SentBytes\":{sentBytesJson}");
        fields.Add("\"Type\":\"CommonSecurityLog\"");
        return "{" + string.Join(",", fields) + "}";
    }

    [Fact]
    public void Cef_rows_from_web_proxies()
    {
        string zscaler = Cef("\"Zscaler\"", Q("https://content.dropboxapi.com/2/files/upload"), Q("www.example.com"), Q("zscaler-nss-01"), Q("proxy-01"));
        var row = EngineProbe.Normalize(zscaler);
        Assert.Equal(RecordKind.LaCommonSecurityLog, row.Kind);
        Assert.Equal("CEF Zscaler", row[Column.LogSourceType]);
        Assert.Equal(Ms("2026-08-01T12:00:00.250Z"), row[Column.EventTime]);
        Assert.Equal("bob@contoso.com", row[Column.Username]);
        Assert.Equal("10.20.30.40", row[Column.SourceIp]);
        Assert.Equal("Allowed", row[Column.EventName]);
        Assert.Equal("content.dropboxapi.com", row[Column.RemoteHost]); // RequestURL first
        Assert.Equal("zscaler-nss-01", row[Column.DeviceName]); // Computer first
        Assert.Equal(Exfil, EngineProbe.Detect(zscaler));

        // DeviceVendor null: "CEF" alone; RequestURL and Computer missing: DestinationHostName and DeviceName.
        string fallback = Cef("null", null, Q("S3.US-EAST-2.AMAZONAWS.COM"), null, Q("PA-3220"));
        var f = EngineProbe.Normalize(fallback);
        Assert.Equal(RecordKind.LaCommonSecurityLog, f.Kind);
        Assert.Equal("CEF", f[Column.LogSourceType]);
        Assert.Equal("s3.us-east-2.amazonaws.com", f[Column.RemoteHost]);
        Assert.Equal("PA-3220", f[Column.DeviceName]);
        Assert.Equal(Exfil, EngineProbe.Detect(fallback));

        Assert.Equal("CEF Palo Alto Networks", EngineProbe.Normalize(Cef("\"Palo Alto Networks\"", "null", Q("mega.nz"), "null", Q("pa"))).Values[Column.LogSourceType]);
        Assert.Equal("mega.nz", EngineProbe.Normalize(Cef("\"Palo Alto Networks\"", "null", Q("mega.nz"), "null", Q("pa"))).Values[Column.RemoteHost]);
        Assert.Equal("pa", EngineProbe.Normalize(Cef("\"Palo Alto Networks\"", "null", Q("mega.nz"), "null", Q("pa"))).Values[Column.DeviceName]);
    }

    [Fact]
    public void Cef_request_url_that_is_empty_does_not_fall_back()
    {
        // "X, else Y" falls back only for missing or null; "" is a value whose host is empty, so null.
        string json = Cef("\"Zscaler\"", "\"\"", Q("content.dropboxapi.com"), null, null);
        Assert.Null(EngineProbe.Normalize(json)[Column.RemoteHost]);
        Assert.Null(EngineProbe.Detect(json));
        Assert.Null(ReferenceHunter.Normalize(json).RemoteHost);
    }

    [Fact]
    public void Cef_request_url_decides_over_the_destination_host()
    {
        Assert.Null(EngineProbe.Detect(Cef("\"Zscaler\"", Q("https://www.example.com/upload"), Q("content.dropboxapi.com"), null, null)));
        Assert.Equal(Exfil, EngineProbe.Detect(Cef("\"Zscaler\"", "\"<null>\"", Q("content.dropboxapi.com"), null, null)));
    }

    [Fact]
    public void Cef_needs_device_vendor_and_product_present()
    {
        string noVendor = Cef("\"Zscaler\"", Q("s3.amazonaws.com"), null, null, null).Replace("\"DeviceVendor\":\"Zscaler\",", "", StringComparison.Ordinal);
        Assert.Equal(RecordKind.Unknown, EngineProbe.Normalize(noVendor).Kind);
        Assert.Null(EngineProbe.Detect(noVendor));
    }

    // ---- the seed's Test 3 and the order of labels ----

    [Fact]
    public void Seed_test_3_device_network_event_to_dropbox_fires()
    {
        const string record = """{"Timestamp":"2026-03-02T08:15:00Z","DeviceName":"fin-ws-0142","ActionType":"ConnectionSuccess","RemoteIP":"162.125.4.14","RemotePort":443,"RemoteUrl":"content.dropboxapi.com","InitiatingProcessFileName":"curl.exe","InitiatingProcessAccountUpn":"alice@contoso.com","LocalIP":"10.0.0.12","SentBytes":52428800}""";
        var result = EngineProbe.ScanText(record);
        var d = Assert.Single(result.Detections);
        Assert.Equal(Exfil, d.DetectionType);
        Assert.Equal(Ms("2026-03-02T08:15:00Z"), d.EventTimeMs);
        Assert.Equal("alice@contoso.com", d.Username);
        Assert.Equal("10.0.0.12", d.SourceIp);
        Assert.Equal("ConnectionSuccess", d.EventName);
        Assert.Equal("Microsoft Defender for Endpoint", d.LogSourceType);
        Assert.Equal("content.dropboxapi.com", d.RemoteHost);
        Assert.Equal("curl.exe", d.ProcessName);
        Assert.Equal(52428800L, d.SentBytes);
        Assert.Equal("fin-ws-0142", d.DeviceName);
        Assert.Equal(1, d.EventCount);
        Assert.Null(d.WindowEndMs);
        Assert.Null(d.TargetUser);
        Assert.Equal(0, d.SourceOffset);
        Assert.Equal(record, d.Raw);
        Assert.Equal(1, result.Summary.DetectionsByType[Exfil]);
    }

    [Fact]
    public void The_initiating_process_is_reported_not_required()
    {
        Assert.Equal(Exfil, EngineProbe.Detect(Hunting(Q("s3.amazonaws.com"), process: "notepad.exe")));
        string noProcess = Hunting(Q("s3.amazonaws.com")).Replace("\"InitiatingProcessFileName\":\"curl.exe\",", "", StringComparison.Ordinal);
        Assert.Null(EngineProbe.Normalize(noProcess)[Column.ProcessName]);
        Assert.Equal(Exfil, EngineProbe.Detect(noProcess));
    }

    [Fact]
    public void A_record_matching_a_section_3_pattern_keeps_that_label()
    {
        // A CEF row from an Office 365 connector: its log source contains "Office 365", so Teams_ITImpersonation,
        // tried first, labels it although it also meets CloudStorageExfil. One record, one detection.
        string json = """{"TimeGenerated":"2026-08-01T12:00:00Z","DeviceVendor":"Microsoft Office 365","DeviceProduct":"Teams","Activity":"MessageSent","SourceUserName":"IT.HelpDesk@contoso-support.onmicrosoft.com","SourceIP":"203.0.113.9","RequestURL":"https://s3.amazonaws.com/drop/x","SentBytes":52428800,"Computer":"connector-01"}""";
        Assert.Equal("CEF Microsoft Office 365", EngineProbe.Normalize(json)[Column.LogSourceType]);
        Assert.Equal(PatternCatalog.TeamsImpersonation, EngineProbe.Detect(json));
        var d = Assert.Single(EngineProbe.ScanText(json).Detections);
        Assert.Equal(PatternCatalog.TeamsImpersonation, d.DetectionType);
        Assert.Equal("s3.amazonaws.com", d.RemoteHost); // the extra columns are still written
        Assert.Equal(52428800L, d.SentBytes);

        string benignUser = json.Replace("IT.HelpDesk", "alice", StringComparison.Ordinal);
        Assert.Equal(Exfil, EngineProbe.Detect(benignUser));
    }

    [Fact]
    public void Network_detections_respect_the_time_window()
    {
        string record = Hunting(Q("https://s3.amazonaws.com/b"));
        long t = Ms("2026-05-04T09:10:11.123Z");
        Assert.Equal(Exfil, EngineProbe.Detect(record, new TimeWindow(t, t + 1)));
        Assert.Null(EngineProbe.Detect(record, new TimeWindow(t + 1, null)));
        Assert.Null(EngineProbe.Detect(record, new TimeWindow(null, t))); // [from, to): to is excluded
    }

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
}
