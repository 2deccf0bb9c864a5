using HuntEngine.Tests.Support;
using System.IO.Compression;
using System.Text;
using K4os.Compression.LZ4.Streams;
using Xunit;

namespace HuntEngine.Tests.Reference;

/// <summary>Checks of the reference implementation itself, on tiny inline records, so that it can be trusted.</summary>
public sealed class ReferenceHunterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "huntengine-reference-" + Guid.NewGuid().ToString("N"));

    public ReferenceHunterTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteFile(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string WriteFile(string name, string text) => WriteFile(name, Encoding.UTF8.GetBytes(text));

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    // ---- the seed's validation cases (spec §6) -----------------------------------------------------------

    private const string SeedTest1Teams =
        """{"CreationTime":"2026-11-20T10:15:30","Id":"a1","Operation":"MessageSent","RecordType":25,"Workload":"MicrosoftTeams","UserId":"IT.HelpDesk@evil.onmicrosoft.com","ClientIP":"203.0.113.7","CommunicationType":"OneOnOne","UserType":0}""";

    private const string SeedTest2Consent =
        """{"id":"c1","activityDateTime":"2026-11-20T11:00:00.1234567Z","activityDisplayName":"Consent to application","initiatedBy":{"user":{"userPrincipalName":"alice@contoso.com","ipAddress":"198.51.100.4"}},"targetResources":[{"displayName":"Dropbox Sync","type":"ServicePrincipal"}]}""";

    [Fact]
    public void SeedTest1_TeamsImpersonation_Fires()
    {
        string file = WriteFile("t1.json", SeedTest1Teams + "\n");
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([file]));
        Assert.Equal("Teams_ITImpersonation", d.DetectionType);
        Assert.Equal(Ms("2026-11-20T10:15:30Z"), d.EventTimeMs);
        Assert.Equal("IT.HelpDesk@evil.onmicrosoft.com", d.Username);
        Assert.Equal("203.0.113.7", d.SourceIp);
        Assert.Equal("MessageSent", d.EventName);
        Assert.Equal("Microsoft Office 365", d.LogSourceType);
        Assert.Equal("Regular", d.UserType);
        Assert.Equal(file, d.SourceFile);
        Assert.Equal(0, d.SourceOffset);
        Assert.Equal(SeedTest1Teams, d.Raw);
        Assert.Equal(1, d.EventCount);
        Assert.Null(d.WindowEndMs);
    }

    [Fact]
    public void SeedTest2_ConsentToCloudStorageApp_Fires()
    {
        string file = WriteFile("t2.json", SeedTest2Consent);
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([file]));
        Assert.Equal("SuspiciousOAuthGrant", d.DetectionType);
        Assert.Equal(Ms("2026-11-20T11:00:00.123Z"), d.EventTimeMs);
        Assert.Equal("alice@contoso.com", d.Username);
        Assert.Equal("198.51.100.4", d.SourceIp);
        Assert.Equal("Dropbox Sync", d.AppName);
        Assert.Equal("Microsoft Azure Active Directory", d.LogSourceType);
    }

    [Fact]
    public void SeedTest2_LogAnalyticsAuditLogs_WithJsonTextColumns_Fires()
    {
        const string record =
            """{"TimeGenerated":"2026-11-20T11:00:00Z","OperationName":"Consent to application","InitiatedBy":"{\"user\":{\"userPrincipalName\":\"bob@contoso.com\",\"ipAddress\":\"192.0.2.1\"}}","TargetResources":"[{\"displayName\":\"MEGA Uploader\"}]"}""";
        ReferenceRow row = ReferenceHunter.Normalize(record);
        Assert.Equal("LaAuditLogs", row.Kind);
        Assert.Equal("bob@contoso.com", row.Username);
        Assert.Equal("192.0.2.1", row.SourceIp);
        Assert.Equal("MEGA Uploader", row.AppName);
        Assert.Equal("SuspiciousOAuthGrant", ReferenceHunter.SingleRecordLabel(row));
    }

    [Fact]
    public void SeedTest3_CloudStorageExfil_Fires()
    {
        const string record =
            """{"Timestamp":"2026-11-20T12:00:00Z","DeviceName":"ws01","ActionType":"ConnectionSuccess","RemoteIP":"52.216.0.1","RemoteUrl":"https://Bucket.S3.amazonaws.com/x?y","InitiatingProcessFileName":"aws.exe","SentBytes":"1.5e7","LocalIP":"10.0.0.5","InitiatingProcessAccountName":"alice"}""";
        ReferenceRow row = ReferenceHunter.Normalize(record);
        Assert.Equal("MdeNetworkHunting", row.Kind);
        Assert.Equal("bucket.s3.amazonaws.com", row.RemoteHost);
        Assert.Equal(15_000_000, row.SentBytes);
        Assert.Equal("alice", row.Username);
        Assert.Equal("CloudStorageExfil", ReferenceHunter.SingleRecordLabel(row));

        ReferenceRow small = ReferenceHunter.Normalize(record.Replace("1.5e7", "10485760", StringComparison.Ordinal));
        Assert.Null(ReferenceHunter.SingleRecordLabel(small)); // must be strictly greater than 10 MiB
    }

    [Fact]
    public void SeedTest4_GuestInviteBurst_Fires()
    {
        // Six events within the hour, then a seventh one more than an hour after the first: it is left over.
        string[] times = ["09:00:00", "09:10:00", "09:20:00", "09:30:00", "09:40:00", "09:50:00", "10:10:00"];
        var lines = new StringBuilder();
        for (int i = 0; i < times.Length; i++)
        {
            lines.Append($$$"""{"activityDateTime":"2026-11-20T{{{times[i]}}}Z","activityDisplayName":"Invite external user","initiatedBy":{"user":{"userPrincipalName":"mallory@contoso.com","ipAddress":"203.0.113.9"}},"targetResources":[{"displayName":"g{{{i}}}","userPrincipalName":"g{{{i}}}_evil.com#EXT#@contoso.onmicrosoft.com"}]}""").Append('\n');
        }
        string file = WriteFile("t4.ndjson", lines.ToString());
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([file]));
        Assert.Equal("GuestInviteBurst", d.DetectionType);
        Assert.Equal(6, d.EventCount);
        Assert.Equal(Ms("2026-11-20T09:00:00Z"), d.EventTimeMs);
        Assert.Equal(Ms("2026-11-20T09:50:00Z"), d.WindowEndMs);
        Assert.Equal("g0_evil.com#EXT#@contoso.onmicrosoft.com", d.TargetUser);
        Assert.Equal("mallory@contoso.com", d.Username);
        Assert.Equal(0, d.SourceOffset);
    }

    [Fact]
    public void GuestInviteBurst_FiveEventsAreNotEnough_AndTheHourIsHalfOpen()
    {
        var lines = new StringBuilder();
        // 5 events in the first hour and the 6th exactly one hour after the first: no burst.
        string[] times = ["09:00:00", "09:10:00", "09:20:00", "09:30:00", "09:40:00", "10:00:00"];
        foreach (string t in times)
        {
            lines.Append($$$"""{"activityDateTime":"2026-11-20T{{{t}}}Z","activityDisplayName":"Invite external user","initiatedBy":{"user":{"userPrincipalName":"m@c.com"}},"targetResources":[{"userPrincipalName":"x#EXT#@c.com"}]}""").Append('\n');
        }
        string file = WriteFile("t4b.ndjson", lines.ToString());
        Assert.Empty(ReferenceHunter.Hunt([file]));
    }

    // ---- recognition ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"CreationTime":"2026-01-01T00:00:00","Operation":"x","Workload":"y"}""", "UAL")]
    [InlineData("""{"CreationTime":null,"Operation":null,"RecordType":null}""", "UAL")]
    [InlineData("""{"time":"2026-01-01T00:00:00Z","category":"SignInLogs","properties":{}}""", "AzureMonitorSignIn")]
    [InlineData("""{"time":"2026-01-01T00:00:00Z","category":"NonInteractiveUserSignInLogs","properties":{}}""", "AzureMonitorSignIn")]
    [InlineData("""{"time":"2026-01-01T00:00:00Z","category":"AuditLogs","properties":{}}""", "AzureMonitorAudit")]
    [InlineData("""{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"a"}""", "GraphSignIn")]
    [InlineData("""{"activityDateTime":"2026-01-01T00:00:00Z","activityDisplayName":"a"}""", "GraphAudit")]
    [InlineData("""{"TimeGenerated":"x","Operation":"x","OfficeWorkload":"x"}""", "LaOfficeActivity")]
    [InlineData("""{"TimeGenerated":"x","UserPrincipalName":"x","AppDisplayName":"x"}""", "LaSigninLogs")]
    [InlineData("""{"TimeGenerated":"x","OperationName":"x","TargetResources":"x"}""", "LaAuditLogs")]
    [InlineData("""{"time":"x","category":"AdvancedHunting-DeviceNetworkEvents","properties":{}}""", "MdeNetworkStreaming")]
    [InlineData("""{"DeviceName":"x","ActionType":"x","RemoteIP":"x","TimeGenerated":"x"}""", "MdeNetworkHunting")]
    [InlineData("""{"DeviceName":"x","ActionType":"x","RemoteIP":"x","Timestamp":"x"}""", "MdeNetworkHunting")]
    [InlineData("""{"TimeGenerated":"x","DeviceVendor":null,"DeviceProduct":"x"}""", "LaCommonSecurityLog")]
    [InlineData("""{}""", "Unknown")]
    [InlineData("""{"creationTime":"2026-01-01T00:00:00","Operation":"x","Workload":"y"}""", "Unknown")] // case-sensitive
    [InlineData("""{"time":"x","category":"SignInLogs","properties":"{}"}""", "Unknown")] // JSON text is not an object
    [InlineData("""{"time":"x","category":"signinlogs","properties":{}}""", "Unknown")]
    [InlineData("""{"\u0043reationTime":"x","Operation":"x","Workload":"y"}""", "UAL")] // escaped names are names
    public void Recognition(string record, string kind)
    {
        Assert.Equal(kind, ReferenceHunter.Normalize(record).Kind);
    }

    [Fact]
    public void UnknownRecord_HasOnlyNullColumns()
    {
        ReferenceRow row = ReferenceHunter.Normalize("""{"UserId":"helpdesk","Operation":"MessageSent"}""");
        Assert.Equal(new ReferenceRow("Unknown", null, null, null, null, null, null, null, null, null, null, null, null, null, null), row);
    }

    // ---- column rules ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"user":{"userPrincipalName":"u@c.com"},"app":{"displayName":"App"}}""", "u@c.com")]
    [InlineData("""{"user":{"userPrincipalName":null},"app":{"displayName":"App"}}""", "App")]
    [InlineData("""{"user":{"userPrincipalName":"<null>"},"app":{"displayName":"App"}}""", "App")]
    [InlineData("""{"user":null,"app":{"displayName":"App"}}""", "App")]
    [InlineData("""{"app":{"displayName":"App"}}""", "App")]
    [InlineData("""{"user":{"userPrincipalName":""},"app":{"displayName":"App"}}""", "")] // empty string is a value
    [InlineData("""{"user":{"userPrincipalName":7},"app":{"displayName":"App"}}""", "7")] // wrong type is a value
    [InlineData("""{"user":{"userPrincipalName":null},"app":{"displayName":null}}""", null)]
    public void Fallback_ElseTakesOverOnMissingNullAndNullLiteral(string initiatedBy, string? expected)
    {
        string record = $$$"""{"time":"2026-01-01T00:00:00Z","category":"AuditLogs","callerIpAddress":"1.2.3.4","operationName":"op","properties":{"initiatedBy":{{{initiatedBy}}}}}""";
        ReferenceRow row = ReferenceHunter.Normalize(record);
        Assert.Equal(expected, row.Username);
        Assert.Equal("op", row.EventName); // activityDisplayName missing: falls back to operationName
        Assert.Equal("1.2.3.4", row.SourceIp); // no initiatedBy.user.ipAddress: falls back to callerIpAddress
    }

    [Fact]
    public void Fallback_SourceIp_AndEventName()
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"time":"2026-01-01T00:00:00Z","category":"AuditLogs","callerIpAddress":"1.2.3.4","operationName":"op","properties":{"activityDisplayName":"","initiatedBy":{"user":{"ipAddress":null}}}}""");
        Assert.Equal("1.2.3.4", row.SourceIp);
        Assert.Equal("", row.EventName);

        ReferenceRow laSignin = ReferenceHunter.Normalize("""{"TimeGenerated":"x","UserPrincipalName":"u","AppDisplayName":"a","OperationName":null}""");
        Assert.Equal("Sign-in activity", laSignin.EventName);
    }

    [Fact]
    public void DuplicateKeys_LastOneWins_EverywhereIncludingRecognition()
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"CreationTime":"2026-01-01T00:00:00Z","Operation":"Ignored","Workload":"MicrosoftTeams","UserId":"first","Operation":"MessageSent","UserId":"helpdesk@x.com"}""");
        Assert.Equal("MessageSent", row.EventName);
        Assert.Equal("helpdesk@x.com", row.Username);
        Assert.Equal("Teams_ITImpersonation", ReferenceHunter.SingleRecordLabel(row));

        // category: the last value decides recognition, the same way.
        ReferenceRow notSignin = ReferenceHunter.Normalize("""{"time":"x","category":"SignInLogs","category":"Other","properties":{}}""");
        Assert.Equal("Unknown", notSignin.Kind);

        // nested duplicates too
        ReferenceRow nested = ReferenceHunter.Normalize(
            """{"activityDateTime":"x","activityDisplayName":"a","initiatedBy":{"user":{"userPrincipalName":"one"},"user":{"userPrincipalName":"two"}}}""");
        Assert.Equal("two", nested.Username);
    }

    [Fact]
    public void WrongType_IsWrittenAsItsJsonText()
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"CreationTime":"2026-01-01T00:00:00Z","Operation":true,"Workload":"w","UserId":1.0,"ClientIP":{ "a" : [1, 2] }}""");
        Assert.Equal("true", row.EventName);
        Assert.Equal("1.0", row.Username);
        Assert.Equal("""{ "a" : [1, 2] }""", row.SourceIp);
    }

    [Theory]
    [InlineData("0", "Regular")]
    [InlineData("2", "Admin")]
    [InlineData("10", "Guest")]
    [InlineData("2.0", "2.0")]
    [InlineData("11", "11")]
    [InlineData("-1", "-1")]
    [InlineData("1e0", "1e0")]
    [InlineData("\"Guest\"", "Guest")]
    [InlineData("\"2\"", "2")]
    [InlineData("\"<null>\"", null)]
    [InlineData("null", null)]
    [InlineData("false", "false")]
    public void UalUserType(string json, string? expected)
    {
        ReferenceRow row = ReferenceHunter.Normalize($$"""{"CreationTime":"x","Operation":"o","RecordType":1,"UserType":{{json}}}""");
        Assert.Equal(expected, row.UserType);
    }

    [Theory]
    [InlineData("\"guest\"", "Guest")]
    [InlineData("\"Guest\"", "Guest")]
    [InlineData("\"member\"", "Member")]
    [InlineData("\"\"", "")]
    [InlineData("\"ärger\"", "Ärger")]
    [InlineData("1", "1")]
    [InlineData("[\"guest\"]", "[\"guest\"]")]
    public void SigninUserType_FirstLetterUpperCased(string json, string expected)
    {
        ReferenceRow row = ReferenceHunter.Normalize($$"""{"createdDateTime":"x","userPrincipalName":"u","userType":{{json}}}""");
        Assert.Equal(expected, row.UserType);
    }

    [Theory]
    [InlineData("""[{"Type":1,"ID":"Dropbox"}]""", "Dropbox")]
    [InlineData("""[{"Type":1.0,"ID":"A"}]""", "A")]
    [InlineData("""[{"Type":1e0,"ID":"A"}]""", "A")]
    [InlineData("""[{"Type":10e-1,"ID":"A"}]""", "A")]
    [InlineData("""[{"Type":"1","ID":"A"}]""", null)]
    [InlineData("""[{"Type":2,"ID":"B"},{"Type":1,"ID":"A"},{"Type":1,"ID":"C"}]""", "A")]
    [InlineData("""[{"Type":1},{"Type":1,"ID":"C"}]""", null)] // the first Type-1 entry has no ID
    [InlineData("""[5,"x",{"Type":1,"ID":"A"}]""", "A")]
    [InlineData("""[{"Type":1,"ID":null}]""", null)]
    [InlineData("""[{"Type":1,"ID":42}]""", "42")]
    [InlineData("""[]""", null)]
    [InlineData("""{"Type":1,"ID":"A"}""", null)]
    [InlineData("\"[{\\\"Type\\\":1,\\\"ID\\\":\\\"FromText\\\"}]\"", "FromText")]
    public void UalAppName_FirstTargetWithTypeOne(string target, string? expected)
    {
        ReferenceRow row = ReferenceHunter.Normalize($$"""{"CreationTime":"x","Operation":"o","Workload":"w","Target":{{target}}}""");
        Assert.Equal(expected, row.AppName);
    }

    [Theory]
    [InlineData("2026-11-20T10:15:30", "2026-11-20T10:15:30.000Z")]
    [InlineData("2026-11-20T10:15:30Z", "2026-11-20T10:15:30.000Z")]
    [InlineData("2026-11-20T10:15:30.1234567Z", "2026-11-20T10:15:30.123Z")]
    [InlineData("2026-11-20T10:15:30.9999999Z", "2026-11-20T10:15:30.999Z")] // truncated, not rounded
    [InlineData("2026-11-20T10:15:30.5", "2026-11-20T10:15:30.500Z")]
    [InlineData("2026-11-20T10:15:30+02:00", "2026-11-20T08:15:30.000Z")]
    [InlineData("2026-11-20T00:15:30-01:30", "2026-11-20T01:45:30.000Z")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z")]
    [InlineData("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z")]
    public void IsoTimestamps(string text, string expectedUtc)
    {
        Assert.Equal(Ms(expectedUtc), ReferenceHunter.ParseTimestamp(text, csvTimestamps: false));
    }

    [Theory]
    [InlineData("2026-11-20 10:15:30")]
    [InlineData("2026-11-20t10:15:30")]
    [InlineData("2026-11-20T10:15")]
    [InlineData("2026-11-20T10:15:30.")]
    [InlineData("2026-11-20T10:15:30+0200")]
    [InlineData("2026-11-20T10:15:30z")]
    [InlineData("2026-11-20T24:00:00")]
    [InlineData("2023-02-29T00:00:00")]
    [InlineData("2026-13-01T00:00:00")]
    [InlineData("2026-11-20T10:15:60")]
    [InlineData(" 2026-11-20T10:15:30")]
    [InlineData("2026-11-20T10:15:30Z\n")]
    [InlineData("9/20/2023 4:05:03 AM")] // US form: CSV only
    [InlineData("")]
    public void BadTimestamps_GiveNull(string text)
    {
        Assert.Null(ReferenceHunter.ParseTimestamp(text, csvTimestamps: false));
    }

    [Theory]
    [InlineData("9/20/2023 4:05:03 AM", "2023-09-20T04:05:03.000Z")]
    [InlineData("9/19/2023, 1:45:17.287 PM", "2023-09-19T13:45:17.287Z")]
    [InlineData("12/1/2023 12:00:00 AM", "2023-12-01T00:00:00.000Z")]
    [InlineData("12/1/2023 12:30:00 PM", "2023-12-01T12:30:00.000Z")]
    [InlineData("2026-11-20T10:15:30Z", "2026-11-20T10:15:30.000Z")]
    public void CsvTimestamps(string text, string expectedUtc)
    {
        Assert.Equal(Ms(expectedUtc), ReferenceHunter.ParseTimestamp(text, csvTimestamps: true));
    }

    [Fact]
    public void NonStringTimestamp_GivesNull()
    {
        Assert.Null(ReferenceHunter.Normalize("""{"CreationTime":20261120,"Operation":"o","Workload":"w"}""").EventTimeMs);
    }

    [Theory]
    [InlineData("15000000", 15_000_000L)]
    [InlineData("1.5e7", 15_000_000L)]
    [InlineData("\"1.5e7\"", 15_000_000L)]
    [InlineData("\"12\"", 12L)]
    [InlineData("1.0", 1L)]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("9223372036854775808", null)]
    [InlineData("1.5", null)]
    [InlineData("-1", null)]
    [InlineData("\" 12\"", null)]
    [InlineData("\"12 \"", null)]
    [InlineData("\"012\"", null)]
    [InlineData("\"+12\"", null)]
    [InlineData("\"0x10\"", null)]
    [InlineData("\"<null>\"", null)]
    [InlineData("true", null)]
    [InlineData("1e400", null)]
    [InlineData("1e-400", null)]
    public void SentBytes(string json, long? expected)
    {
        ReferenceRow row = ReferenceHunter.Normalize($$"""{"DeviceName":"d","ActionType":"a","RemoteIP":"r","Timestamp":"t","SentBytes":{{json}}}""");
        Assert.Equal(expected, row.SentBytes);
    }

    [Theory]
    [InlineData("https://Content.DropboxAPI.com/2/files/upload", "content.dropboxapi.com")]
    [InlineData("content.dropboxapi.com:443", "content.dropboxapi.com")]
    [InlineData("https://user:pw@Mega.NZ:8443/x?y#z", "mega.nz")]
    [InlineData("s3.amazonaws.com/bucket/key", "s3.amazonaws.com")]
    [InlineData("host?q=a/b", "host")]
    [InlineData("host#frag", "host")]
    [InlineData("https:///path", null)]
    [InlineData("/path", null)]
    [InlineData("", null)]
    [InlineData("HOST.example", "host.example")]
    [InlineData("https://[2001:db8::1]:443/", "[2001:db8::1]")]
    public void RemoteHost(string value, string? expected)
    {
        Assert.Equal(expected, ReferenceHunter.RemoteHost(value));
    }

    [Fact]
    public void CommonSecurityLog_Columns()
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"TimeGenerated":"2026-01-01T00:00:00Z","DeviceVendor":"Zscaler","DeviceProduct":"NSS","SourceUserName":"u","SourceIP":"10.0.0.1","Activity":"upload","RequestURL":null,"DestinationHostName":"x.s3-us-west-2.amazonaws.com","SentBytes":20000000,"DeviceName":"proxy1"}""");
        Assert.Equal("CEF Zscaler", row.LogSourceType);
        Assert.Equal("x.s3-us-west-2.amazonaws.com", row.RemoteHost);
        Assert.Equal("proxy1", row.DeviceName);
        Assert.Equal("CloudStorageExfil", ReferenceHunter.SingleRecordLabel(row));

        ReferenceRow noVendor = ReferenceHunter.Normalize("""{"TimeGenerated":"x","DeviceVendor":"<null>","DeviceProduct":"p","Computer":"c","DeviceName":"d"}""");
        Assert.Equal("CEF", noVendor.LogSourceType);
        Assert.Equal("c", noVendor.DeviceName);
    }

    [Fact]
    public void MdeStreaming_Columns()
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"time":"2026-01-01T00:00:00Z","category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":null,"InitiatingProcessAccountUpn":"<null>","InitiatingProcessAccountName":"bob","LocalIP":"10.1.1.1","ActionType":"ConnectionSuccess","RemoteUrl":"content.dropboxapi.com","InitiatingProcessFileName":"curl.exe","SentBytes":10485761,"DeviceName":"pc1"}}""");
        Assert.Equal(Ms("2026-01-01T00:00:00Z"), row.EventTimeMs);
        Assert.Equal("bob", row.Username);
        Assert.Equal("Microsoft Defender for Endpoint", row.LogSourceType);
        Assert.Equal("curl.exe", row.ProcessName);
        Assert.Equal("pc1", row.DeviceName);
        Assert.Equal("CloudStorageExfil", ReferenceHunter.SingleRecordLabel(row));
    }

    [Theory]
    [InlineData("s3.amazonaws.com", true)]
    [InlineData("bucket.s3.amazonaws.com", true)]
    [InlineData("s3.eu-west-1.amazonaws.com", true)]
    [InlineData("s3-us-west-2.amazonaws.com", true)]
    [InlineData("b.s3.dualstack.us-east-1.amazonaws.com", true)]
    [InlineData("mega.co.nz", true)]
    [InlineData("x.mega.nz", true)]
    [InlineData("notmega.nz", false)]
    [InlineData("s3.amazonaws.com.evil.com", false)]
    [InlineData("xs3.eu-west-1.amazonaws.com", false)]
    [InlineData("ec2.amazonaws.com", false)]
    [InlineData("dropbox.com", false)]
    public void CloudStorageHosts(string host, bool matches)
    {
        var row = new ReferenceRow("MdeNetworkHunting", 0, null, null, null, null, null, null, null, null, null, host, null, 20_000_000, null);
        Assert.Equal(matches, ReferenceHunter.IsCloudStorageExfil(row));
    }

    // ---- case rules ----------------------------------------------------------------------------------------

    [Fact]
    public void LowerInvariant_KelvinBecomesK_DottedCapitalIDoesNotBecomeI()
    {
        Assert.Equal("k", "\u212A".ToLowerInvariant());
        Assert.NotEqual("i", "\u0130".ToLowerInvariant());
        Assert.DoesNotContain('i', "\u0130".ToLowerInvariant());
        Assert.Equal("s", "S".ToLowerInvariant());
        Assert.Equal("\u017F", "\u017F".ToLowerInvariant());
    }

    [Theory]
    [InlineData("HELPDESK@x.com", true)]
    [InlineData("HelpDesK@x.com", true)]
    [InlineData("helpdes\u212A@x.com", true)]       // Kelvin sign lowers to k
    [InlineData("\u0130TSUPPORT@x.com", false)]      // İ does not become i
    [InlineData("\u0131tsupport@x.com", false)]      // dotless ı is not i
    [InlineData("\u017Fysadmin@x.com", false)]       // long s is not s
    [InlineData("h\\u0065lpdesk@x.com", true)]     // JSON escape: the decoded value counts
    [InlineData("help desk@x.com", false)]
    public void TeamsUsernameKeyword(string username, bool matches)
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            $$"""{"CreationTime":"2026-01-01T00:00:00Z","Operation":"MessageSent","RecordType":25,"UserId":"{{username}}"}""");
        Assert.Equal(matches, ReferenceHunter.IsTeamsItImpersonation(row));
    }

    [Theory]
    [InlineData("DROPBOX", true)]
    [InlineData("My MeGa App", true)]
    [InlineData("Sync.Com", true)]
    [InlineData("synccom", false)]        // the dot is literal
    [InlineData("\uFF2D\uFF25\uFF27\uFF21", false)] // fullwidth MEGA: (?i) folds A-Z only
    [InlineData("dropbo\u0445", false)]   // Cyrillic х
    [InlineData("M\u0395GA", false)]      // Greek Epsilon does not fold
    [InlineData("box.com", true)]
    public void OAuthAppName_AsciiCaseInsensitive(string appName, bool matches)
    {
        var row = new ReferenceRow("GraphAudit", 0, "u", null, "Consent to application", "Microsoft Azure Active Directory",
            appName, null, null, null, null, null, null, null, null);
        Assert.Equal(matches, ReferenceHunter.IsSuspiciousOAuthGrant(row));
    }

    [Fact]
    public void OAuthAppName_AsciiFoldingDoesNotFoldNonAscii()
    {
        Assert.False(ReferenceHunter.AsciiCaseInsensitiveContains("PCLOUD".Replace('C', '\u216D'), "pcloud")); // Roman numeral C
        Assert.True(ReferenceHunter.AsciiCaseInsensitiveContains("xxPCLOUDyy", "pcloud"));
        Assert.False(ReferenceHunter.AsciiCaseInsensitiveContains(null, "pcloud"));
    }

    [Fact]
    public void RiskyGuestSignin_ExactEquals()
    {
        const string template =
            """{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"g@partner.com","userType":"USERTYPE","riskLevelDuringSignIn":"RISK","appDisplayName":"Microsoft Teams"}""";
        string Make(string userType, string risk) => template.Replace("USERTYPE", userType, StringComparison.Ordinal).Replace("RISK", risk, StringComparison.Ordinal);

        Assert.Equal("RiskyGuestSignin", ReferenceHunter.SingleRecordLabel(ReferenceHunter.Normalize(Make("guest", "high"))));
        Assert.Equal("RiskyGuestSignin", ReferenceHunter.SingleRecordLabel(ReferenceHunter.Normalize(Make("Guest", "medium"))));
        Assert.Null(ReferenceHunter.SingleRecordLabel(ReferenceHunter.Normalize(Make("Guest", "High"))));
        Assert.Null(ReferenceHunter.SingleRecordLabel(ReferenceHunter.Normalize(Make("Guest", "low"))));
        Assert.Null(ReferenceHunter.SingleRecordLabel(ReferenceHunter.Normalize(Make("GUEST", "high"))));
        Assert.Null(ReferenceHunter.SingleRecordLabel(ReferenceHunter.Normalize(Make("Guest ", "high"))));
    }

    [Fact]
    public void Label_FirstPatternInOrderWins()
    {
        // A risky guest sign-in by an "itadmin" user is RiskyGuestSignin (Teams needs Office 365).
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"itadmin@partner.com","userType":"Guest","riskLevelDuringSignIn":"high","appDisplayName":"SharePoint Online"}""");
        Assert.Equal("RiskyGuestSignin", ReferenceHunter.SingleRecordLabel(row));

        // Teams and OAuth both hold: Teams comes first.
        var both = new ReferenceRow("UAL", 0, "helpdesk@x", null, "MessageSent; Consent to application", "Microsoft Office 365",
            "Dropbox", null, null, null, null, null, null, null, null);
        Assert.Equal("Teams_ITImpersonation", ReferenceHunter.SingleRecordLabel(both));
    }

    // ---- containers ------------------------------------------------------------------------------------------

    private const string TeamsA = """{"CreationTime":"2026-01-01T00:00:01Z","Operation":"MessageSent","RecordType":25,"UserId":"helpdesk-a@x.com"}""";
    private const string TeamsB = """{"CreationTime":"2026-01-01T00:00:02Z","Operation":"ChatCreated","RecordType":25,"UserId":"sysadmin-b@x.com"}""";

    [Fact]
    public void JsonArray_OffsetsAndRaw()
    {
        string text = "\uFEFF [\n  " + TeamsA + " ,\n 5, " + TeamsB + "\n]\n";
        string file = WriteFile("arr.json", text);
        byte[] bytes = File.ReadAllBytes(file);
        ReferenceScanResult result = ReferenceHunter.Scan([file]);
        Assert.Equal(2, result.Detections.Count);
        Assert.Equal(IndexOf(bytes, TeamsA), result.Detections[0].SourceOffset);
        Assert.Equal(IndexOf(bytes, TeamsB), result.Detections[1].SourceOffset);
        Assert.Equal(TeamsA, result.Detections[0].Raw);
        Assert.Equal(TeamsB, result.Detections[1].Raw);
        Assert.Single(result.Malformed); // the 5
    }

    [Fact]
    public void JsonArray_CutShort_KeepsElementsBeforeTheCut()
    {
        string text = "[" + TeamsA + "," + TeamsB[..20];
        string file = WriteFile("cut.json", text);
        ReferenceScanResult result = ReferenceHunter.Scan([file]);
        HuntEngine.Detection d = Assert.Single(result.Detections);
        Assert.Equal(1, d.SourceOffset);
        ReferenceMalformed bad = Assert.Single(result.Malformed);
        Assert.Equal(1 + TeamsA.Length + 1, bad.SourceOffset);
    }

    [Theory]
    [InlineData("value")]
    [InlineData("records")]
    public void Wrapper_PrettyPrinted(string property)
    {
        string text = "{\n  \"@odata.context\": \"x\",\n  \"" + property + "\": [\n    " + TeamsA + ",\n    " + TeamsB + "\n  ]\n}\n";
        string file = WriteFile("wrap.json", text);
        byte[] bytes = File.ReadAllBytes(file);
        IReadOnlyList<HuntEngine.Detection> detections = ReferenceHunter.Hunt([file]);
        Assert.Equal(2, detections.Count);
        Assert.Equal(IndexOf(bytes, TeamsA), detections[0].SourceOffset);
        Assert.Equal(TeamsB, detections[1].Raw);
    }

    [Fact]
    public void Wrapper_DuplicateValue_LastWins_AndNonArrayValueMeansOneRecord()
    {
        string text = "{\"value\":[" + TeamsA + "],\"value\":[" + TeamsB + "]}";
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([WriteFile("dup.json", text)]));
        Assert.Equal(TeamsB, d.Raw);

        // "value" is not an array: the object is the record itself.
        string single = TeamsA.Replace("{\"CreationTime\"", "{\"value\":5,\"CreationTime\"", StringComparison.Ordinal);
        ReferenceScanResult result = ReferenceHunter.Scan([WriteFile("single.json", "  " + single + "\n")]);
        HuntEngine.Detection s = Assert.Single(result.Detections);
        Assert.Equal(2, s.SourceOffset);
        Assert.Equal(single, s.Raw);
    }

    [Fact]
    public void Wrapper_EmptyValueArray_HasNoRecords()
    {
        ReferenceScanResult result = ReferenceHunter.Scan([WriteFile("empty-page.json", "{\"@odata.context\":\"x\",\"value\":[]}")]);
        Assert.Empty(result.Records);
        Assert.Empty(result.Malformed);
    }

    [Fact]
    public void SinglePrettyPrintedRecord_IsOneRecord()
    {
        string pretty = TeamsA.Replace(",", ",\n  ", StringComparison.Ordinal);
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([WriteFile("pretty.json", pretty + "\r\n")]));
        Assert.Equal(pretty, d.Raw);
    }

    [Fact]
    public void Ndjson_CrLf_Bom_BlankLines_MalformedLines_NoFinalNewline()
    {
        string text = "\uFEFF" + TeamsA + "\r\n\r\n   \t\r\nnot json\r\n[1]\r\n  " + TeamsB;
        string file = WriteFile("lines.ndjson", text);
        byte[] bytes = File.ReadAllBytes(file);
        ReferenceScanResult result = ReferenceHunter.Scan([file]);
        Assert.Equal(2, result.Detections.Count);
        Assert.Equal(3, result.Detections[0].SourceOffset); // after the BOM
        Assert.Equal(IndexOf(bytes, TeamsB), result.Detections[1].SourceOffset);
        Assert.Equal(TeamsA, result.Detections[0].Raw);
        Assert.Equal(2, result.Malformed.Count);
    }

    [Fact]
    public void Ndjson_InvalidUtf8Line_IsMalformed_AndTheScanGoesOn()
    {
        byte[] a = Encoding.UTF8.GetBytes(TeamsA.Replace("helpdesk-a", "helpdesk-\u00e9", StringComparison.Ordinal) + "\n");
        byte[] broken = a.ToArray();
        broken[Array.IndexOf(broken, (byte)0xc3)] = 0xff;
        byte[] all = [.. broken, .. Encoding.UTF8.GetBytes(TeamsB + "\n")];
        ReferenceScanResult result = ReferenceHunter.Scan([WriteFile("utf8.ndjson", all)]);
        HuntEngine.Detection d = Assert.Single(result.Detections);
        Assert.Equal(TeamsB, d.Raw);
        Assert.Single(result.Malformed);
    }

    [Fact]
    public void Compressed_GzipLz4Zstd_MultiMember_SameResult()
    {
        byte[] plain = Encoding.UTF8.GetBytes(TeamsA + "\n" + TeamsB + "\n");
        byte[] first = plain[..30];
        byte[] second = plain[30..]; // a member boundary inside a record

        byte[] gz = [.. Gzip(first), .. Gzip(second)];
        byte[] lz = [.. Lz4(first), .. Lz4(second)];
        byte[] zs = [.. Zstd(first), .. Zstd(second)];

        IReadOnlyList<HuntEngine.Detection> expected = ReferenceHunter.Hunt([WriteFile("p/plain.ndjson", plain)]);
        Assert.Equal(2, expected.Count);
        foreach ((string name, byte[] bytes) in new[] { ("c/a.gz", gz), ("c/a.lz4", lz), ("c/a.zst", zs) })
        {
            IReadOnlyList<HuntEngine.Detection> got = ReferenceHunter.Hunt([WriteFile(name, bytes)]);
            Assert.Equal(expected.Select(x => (x.SourceOffset, x.Raw, x.DetectionType)), got.Select(x => (x.SourceOffset, x.Raw, x.DetectionType)));
        }
    }

    [Fact]
    public void Folders_AreWalkedRecursively_AndSourceFileIsGivenFolderPlusRelativePath()
    {
        WriteFile("tree/b/two.json", TeamsB);
        WriteFile("tree/a.json", TeamsA);
        string tree = Path.Combine(_folder, "tree");
        IReadOnlyList<HuntEngine.Detection> detections = ReferenceHunter.Hunt([tree]);
        Assert.Equal([Path.Combine(tree, "a.json"), Path.Combine(tree, "b", "two.json")], detections.Select(d => d.SourceFile));
    }

    [Fact]
    public void OutputOrder_TimeThenFileThenOffset_NullTimeLast()
    {
        string noTime = TeamsA.Replace("2026-01-01T00:00:01Z", "garbage", StringComparison.Ordinal);
        string file = WriteFile("order.ndjson", noTime + "\n" + TeamsB + "\n" + TeamsA + "\n");
        IReadOnlyList<HuntEngine.Detection> detections = ReferenceHunter.Hunt([file]);
        Assert.Equal(3, detections.Count);
        Assert.Equal(Ms("2026-01-01T00:00:01Z"), detections[0].EventTimeMs);
        Assert.Equal(Ms("2026-01-01T00:00:02Z"), detections[1].EventTimeMs);
        Assert.Null(detections[2].EventTimeMs);
    }

    [Fact]
    public void TimeWindow_IsHalfOpen_AndExcludesNullTimes()
    {
        string noTime = TeamsA.Replace("2026-01-01T00:00:01Z", "garbage", StringComparison.Ordinal);
        string file = WriteFile("window.ndjson", noTime + "\n" + TeamsA + "\n" + TeamsB + "\n");
        long t1 = Ms("2026-01-01T00:00:01Z");
        long t2 = Ms("2026-01-01T00:00:02Z");

        ReferenceScanResult result = ReferenceHunter.Scan([file], fromMs: t1, toMs: t2);
        HuntEngine.Detection d = Assert.Single(result.Detections);
        Assert.Equal(t1, d.EventTimeMs);
        Assert.Equal(2, result.OutsideWindow);

        Assert.Equal(2, ReferenceHunter.Hunt([file], fromMs: t1).Count);
        Assert.Single(ReferenceHunter.Hunt([file], toMs: t2));
        Assert.Equal(3, ReferenceHunter.Hunt([file]).Count);
    }

    [Fact]
    public void SameRecords_InEveryContainer_GiveTheSameDetections()
    {
        string[] records =
        [
            TeamsA,
            TeamsB,
            SeedTest1Teams,
            SeedTest2Consent,
            """{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"g@p.com","userType":"guest","riskLevelDuringSignIn":"medium","appDisplayName":"OneDrive"}""",
            """{"CreationTime":"2026-01-01T00:00:00Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"alice@contoso.com"}""",
        ];
        string ndjson = string.Join("\n", records) + "\n";
        string array = "[\n" + string.Join(",\n", records) + "\n]";
        string wrapper = "{\"value\": [" + string.Join(", ", records) + "]}";
        string records2 = "{\"records\":[" + string.Join(",", records) + "]}";

        (string, string, long?)[] Key(IReadOnlyList<HuntEngine.Detection> ds) =>
            ds.Select(d => (Raw: d.Raw!, d.DetectionType, d.EventTimeMs)).OrderBy(k => k.Raw, StringComparer.Ordinal).ToArray();

        var expected = Key(ReferenceHunter.Hunt([WriteFile("eq/a.ndjson", ndjson)]));
        Assert.Equal(5, expected.Length);
        Assert.Equal(expected, Key(ReferenceHunter.Hunt([WriteFile("eq/b.json", array)])));
        Assert.Equal(expected, Key(ReferenceHunter.Hunt([WriteFile("eq/c.json", wrapper)])));
        Assert.Equal(expected, Key(ReferenceHunter.Hunt([WriteFile("eq/d.json", records2)])));
        Assert.Equal(expected, Key(ReferenceHunter.Hunt([WriteFile("eq/e.json.gz", Gzip(Encoding.UTF8.GetBytes(array)))])));
    }

    [Fact]
    public void JsonEscapes_AreDecodedBeforeMatching()
    {
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"g@p.com","userType":"\u0067uest","riskLevelDuringSignIn":"hi\u0067h","appDisplayName":"Share\u0050oint"}""");
        Assert.Equal("Guest", row.UserType);
        Assert.Equal("RiskyGuestSignin", ReferenceHunter.SingleRecordLabel(row));
    }

    [Fact]
    public void DoubleEncodedJsonText_IsFollowed()
    {
        // InitiatedBy is a string holding a JSON string that holds the object.
        ReferenceRow row = ReferenceHunter.Normalize(
            """{"TimeGenerated":"x","OperationName":"o","TargetResources":[],"InitiatedBy":"\"{\\\"user\\\":{\\\"userPrincipalName\\\":\\\"deep@x.com\\\"}}\""}""");
        Assert.Equal("deep@x.com", row.Username);
    }

    [Fact]
    public void DeeplyNestedRecord_IsStillARecord()
    {
        string deep = new string('[', 200) + new string(']', 200);
        ReferenceRow row = ReferenceHunter.Normalize("{\"CreationTime\":\"2026-01-01T00:00:00Z\",\"Operation\":\"MessageSent\",\"Workload\":\"w\",\"UserId\":\"helpdesk\",\"Deep\":" + deep + "}");
        Assert.Equal("UAL", row.Kind);
    }

    [Fact]
    public void LoneSurrogateEscape_IsReadAsTheReplacementCharacter()
    {
        string file = WriteFile("surrogate.ndjson", TeamsA.Replace("helpdesk-a", "helpdesk\\ud800", StringComparison.Ordinal) + "\n" + TeamsB + "\n");
        ReferenceScanResult result = ReferenceHunter.Scan([file]);
        Assert.Equal(2, result.Detections.Count);
        Assert.Empty(result.Malformed);
        Assert.Contains(result.Records, r => r.Row.Username is { } u && u.StartsWith("helpdesk\ufffd", StringComparison.Ordinal));
    }

    // ---- CSV -------------------------------------------------------------------------------------------------

    [Fact]
    public void UalCsv_AfterAPowerShellTypeLine_IsReadAsTheEngineReadsIt()
    {
        string csv = "#TYPE System.Management.Automation.PSCustomObject\r\nCreationDate,UserIds,Operations,AuditData\r\n"
                     + "9/20/2023 4:05:03 AM,helpdesk-a@x.com,MessageSent,\"" + TeamsA.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\r\n";
        string file = WriteFile("ps51.csv", csv);
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([file]));
        Assert.Equal("Teams_ITImpersonation", d.DetectionType);
        var engine = EngineProbe.ScanFiles(new Dictionary<string, byte[]> { ["ps51.csv"] = System.Text.Encoding.UTF8.GetBytes(csv) });
        Assert.Equal(d.SourceOffset, Assert.Single(engine.Detections).SourceOffset);
    }

    [Fact]
    public void UalCsv_RecordIsTheAuditDataCell()
    {
        string auditData = TeamsA;
        string csv = "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\r\n"
                     + "r1,9/20/2023 4:05:03 AM,25,MessageSent,helpdesk-a@x.com,\"" + auditData.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\r\n";
        string file = WriteFile("ual.csv", csv);
        HuntEngine.Detection d = Assert.Single(ReferenceHunter.Hunt([file]));
        Assert.Equal(auditData, d.Raw);
        Assert.Equal(csv.IndexOf("r1", StringComparison.Ordinal), d.SourceOffset);
        Assert.Equal("Teams_ITImpersonation", d.DetectionType);
    }

    [Fact]
    public void LogAnalyticsCsv_HeadersAndPortalTimestamps()
    {
        string csv = "TimeGenerated [UTC],TimeGenerated [Local Time],UserPrincipalName,AppDisplayName,UserType,RiskLevelDuringSignIn,IPAddress,OperationName\n"
                     + "\"9/19/2023, 1:45:17.287 PM\",ignored,guest@partner.com,Microsoft Teams,Guest,high,,Sign-in activity\n";
        ReferenceScanResult result = ReferenceHunter.Scan([WriteFile("signin.csv", csv)]);
        ReferenceRecord record = Assert.Single(result.Records);
        Assert.Equal("LaSigninLogs", record.Row.Kind);
        Assert.Equal(Ms("2023-09-19T13:45:17.287Z"), record.Row.EventTimeMs);
        Assert.Null(record.Row.SourceIp); // empty cell is null
        HuntEngine.Detection d = Assert.Single(result.Detections);
        Assert.Equal("RiskyGuestSignin", d.DetectionType);
        Assert.DoesNotContain("Local Time", d.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryFile_IsUnsupported()
    {
        ReferenceScanResult result = ReferenceHunter.Scan([WriteFile("img.bin", new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x00, 0x01 })]);
        Assert.Empty(result.Records);
        Assert.Single(result.FileErrors);
    }

    // ---- the real-format samples: the reference must read them without throwing ------------------------------

    [Fact]
    public void RealSamples_ScanWithoutThrowing()
    {
        string? samples = FindUp("shared/samples/real");
        if (samples is null)
        {
            return; // the samples are not part of every checkout
        }
        ReferenceScanResult result = ReferenceHunter.Scan([samples]);
        Assert.NotEmpty(result.Records);
    }

    private static string? FindUp(string relative)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return Directory.Exists("/work/shared/samples/real") ? "/work/shared/samples/real" : null;
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static long IndexOf(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle));

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    private static byte[] Lz4(byte[] data)
    {
        var output = new MemoryStream();
        using (Stream lz4 = LZ4Stream.Encode(output, leaveOpen: true))
        {
            lz4.Write(data);
        }
        return output.ToArray();
    }

    private static byte[] Zstd(byte[] data)
    {
        var output = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
        {
            zstd.Write(data);
        }
        return output.ToArray();
    }
}
