using HuntEngine.Parsing;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Parsing;

/// <summary>Spec §2 "Reading the table", one rule per test, on small real-shaped records.</summary>
public sealed class NormalizationRuleTests
{
    private const string UalTeams = """{"CreationTime":"2026-11-20T10:15:30","Id":"a","Operation":"MessageSent","RecordType":25,"UserId":"IT.HelpDesk@evil.onmicrosoft.com","ClientIP":"203.0.113.7","UserType":0,"Workload":"MicrosoftTeams"}""";

    [Fact]
    public void Ual_record_maps_every_column_of_its_row()
    {
        var row = EngineProbe.Normalize(UalTeams);
        Assert.Equal(RecordKind.Ual, row.Kind);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 15, 30, TimeSpan.Zero).ToUnixTimeMilliseconds(), row[Column.EventTime]);
        Assert.Equal("IT.HelpDesk@evil.onmicrosoft.com", row[Column.Username]);
        Assert.Equal("203.0.113.7", row[Column.SourceIp]);
        Assert.Equal("MessageSent", row[Column.EventName]);
        Assert.Equal("Microsoft Office 365", row[Column.LogSourceType]);
        Assert.Null(row[Column.AppName]);
        Assert.Null(row[Column.AppDisplayName]);
        Assert.Equal("Regular", row[Column.UserType]);
        Assert.Null(row[Column.RiskLevel]);
    }

    [Theory]
    [InlineData("""{"CreationTime":"x","Operation":"o","Workload":"w"}""", RecordKind.Ual)]
    [InlineData("""{"CreationTime":"x","Operation":"o","RecordType":null}""", RecordKind.Ual)] // null counts as present
    [InlineData("""{"CreationTime":"x","Operation":"o"}""", RecordKind.Unknown)]
    [InlineData("""{"creationTime":"x","Operation":"o","Workload":"w"}""", RecordKind.Unknown)] // names are case-sensitive
    [InlineData("""{"time":"x","category":"SignInLogs","properties":{}}""", RecordKind.AzureMonitorSignIn)]
    [InlineData("""{"time":"x","category":"NonInteractiveUserSignInLogs","properties":{}}""", RecordKind.AzureMonitorSignIn)]
    [InlineData("""{"time":"x","category":"ServicePrincipalSignInLogs","properties":{}}""", RecordKind.Unknown)]
    [InlineData("""{"time":"x","category":"SignInLogs","properties":"{\"a\":1}"}""", RecordKind.Unknown)] // a string of JSON is not an object
    [InlineData("""{"time":"x","category":"AuditLogs","properties":{}}""", RecordKind.AzureMonitorAudit)]
    [InlineData("""{"time":"x","category":"Audit\u004cogs","properties":{}}""", RecordKind.AzureMonitorAudit)] // escaped value
    [InlineData("""{"createdDateTime":"x","userPrincipalName":null}""", RecordKind.GraphSignIn)]
    [InlineData("""{"activityDateTime":"x","activityDisplayName":"y"}""", RecordKind.GraphAudit)]
    [InlineData("""{"TimeGenerated":"x","Operation":"o","OfficeWorkload":"w"}""", RecordKind.LaOfficeActivity)]
    [InlineData("""{"TimeGenerated":"x","UserPrincipalName":"u","AppDisplayName":"a"}""", RecordKind.LaSigninLogs)]
    [InlineData("""{"TimeGenerated":"x","OperationName":"o","TargetResources":"[]"}""", RecordKind.LaAuditLogs)]
    [InlineData("""{"time":"x","category":"AdvancedHunting-DeviceNetworkEvents","properties":{}}""", RecordKind.MdeNetworkStreaming)]
    [InlineData("""{"DeviceName":"d","ActionType":"a","RemoteIP":"r","Timestamp":"t"}""", RecordKind.MdeNetworkHunting)]
    [InlineData("""{"DeviceName":"d","ActionType":"a","RemoteIP":"r"}""", RecordKind.Unknown)]
    [InlineData("""{"TimeGenerated":"x","DeviceVendor":"v","DeviceProduct":"p"}""", RecordKind.LaCommonSecurityLog)]
    [InlineData("""{"a":1}""", RecordKind.Unknown)]
    [InlineData("""{}""", RecordKind.Unknown)]
    public void Kinds_are_recognised_by_top_level_properties_in_order(string json, RecordKind expected) =>
        Assert.Equal(expected, EngineProbe.Normalize(json).Kind);

    [Fact]
    public void Ual_wins_over_later_kinds_when_both_match()
    {
        // UAL and Graph sign-in both recognise this record; UAL is tried first.
        var row = EngineProbe.Normalize("""{"CreationTime":"x","Operation":"o","Workload":"w","createdDateTime":"y","userPrincipalName":"u"}""");
        Assert.Equal(RecordKind.Ual, row.Kind);
    }

    [Fact]
    public void Escaped_keys_and_values_are_read_unescaped()
    {
        var row = EngineProbe.Normalize("""{"CreationTime":"2026-01-01T00:00:00Z","Operation":"Message\u0053ent","Workload":"MicrosoftTeams","\u0055serId":"\u0048elpdesk@x.com"}""");
        Assert.Equal(RecordKind.Ual, row.Kind);
        Assert.Equal("MessageSent", row[Column.EventName]);
        Assert.Equal("Helpdesk@x.com", row[Column.Username]);
    }

    [Fact]
    public void Duplicate_keys_last_one_wins_even_when_the_last_is_null()
    {
        var row = EngineProbe.Normalize("""{"CreationTime":"x","Operation":"o","Workload":"w","UserId":"first","UserId":"second"}""");
        Assert.Equal("second", row[Column.Username]);
        row = EngineProbe.Normalize("""{"CreationTime":"x","Operation":"o","Workload":"w","UserId":"first","UserId":null}""");
        Assert.Null(row[Column.Username]);
    }

    [Fact]
    public void Duplicate_objects_last_one_wins_as_a_whole()
    {
        // The second "properties" has no userPrincipalName: the first one's must not leak through.
        var row = EngineProbe.Normalize("""{"time":"2026-01-01T00:00:00Z","category":"SignInLogs","properties":{"userPrincipalName":"a@x","ipAddress":"1.1.1.1"},"properties":{"ipAddress":"2.2.2.2"}}""");
        Assert.Equal(RecordKind.AzureMonitorSignIn, row.Kind);
        Assert.Null(row[Column.Username]);
        Assert.Equal("2.2.2.2", row[Column.SourceIp]);
    }

    [Fact]
    public void Null_and_the_null_literal_take_the_fallback_but_an_empty_string_is_a_value()
    {
        const string head = """{"time":"t","category":"SignInLogs","callerIpAddress":"9.9.9.9","properties":{""";
        Assert.Equal("9.9.9.9", EngineProbe.Normalize(head + """ "ipAddress":null}}""")[Column.SourceIp]);
        Assert.Equal("9.9.9.9", EngineProbe.Normalize(head + """ "ipAddress":"<null>"}}""")[Column.SourceIp]);
        Assert.Equal("9.9.9.9", EngineProbe.Normalize(head + """ "other":1}}""")[Column.SourceIp]);
        Assert.Equal("", EngineProbe.Normalize(head + """ "ipAddress":""}}""")[Column.SourceIp]);
        Assert.Null(EngineProbe.Normalize("""{"CreationTime":"x","Operation":"o","Workload":"w","UserId":"<null>"}""")[Column.Username]);
    }

    [Fact]
    public void Audit_username_falls_back_to_the_initiating_app()
    {
        var row = EngineProbe.Normalize("""{"activityDateTime":"2026-01-01T00:00:00Z","activityDisplayName":"Consent to application","initiatedBy":{"user":null,"app":{"displayName":"Some App"}},"targetResources":[{"displayName":"Dropbox","userPrincipalName":"g#EXT#@x"}]}""");
        Assert.Equal(RecordKind.GraphAudit, row.Kind);
        Assert.Equal("Some App", row[Column.Username]);
        Assert.Null(row[Column.SourceIp]);
        Assert.Equal("Dropbox", row[Column.AppName]);
        Assert.Equal("g#EXT#@x", row[Column.TargetUser]);
    }

    [Fact]
    public void Azure_monitor_audit_event_name_falls_back_to_operation_name()
    {
        var row = EngineProbe.Normalize("""{"time":"2026-01-01T00:00:00Z","category":"AuditLogs","operationName":"Consent to application","callerIpAddress":"8.8.8.8","properties":{"initiatedBy":{"user":{"userPrincipalName":"u@x"}},"targetResources":[{"displayName":"MEGA"}]}}""");
        Assert.Equal("Consent to application", row[Column.EventName]);
        Assert.Equal("8.8.8.8", row[Column.SourceIp]);
        Assert.Equal("MEGA", row[Column.AppName]);
    }

    [Theory]
    [InlineData("1.0", "1.0")]
    [InlineData("true", "true")]
    [InlineData("{ \"a\" : [1, 2] }", "{ \"a\" : [1, 2] }")]
    [InlineData("[ ]", "[ ]")]
    [InlineData("-0.5e3", "-0.5e3")]
    public void Wrong_json_types_are_written_as_their_json_text_exactly(string literal, string expected)
    {
        var row = EngineProbe.Normalize($$"""{"CreationTime":"x","Operation":"o","Workload":"w","UserId":{{literal}}}""");
        Assert.Equal(expected, row[Column.Username]);
    }

    [Theory]
    [InlineData("0", "Regular")]
    [InlineData("2", "Admin")]
    [InlineData("5", "Application")]
    [InlineData("10", "Guest")]
    [InlineData("11", "11")]
    [InlineData("2.0", "2.0")]
    [InlineData("-1", "-1")]
    [InlineData("1e1", "1e1")]
    [InlineData("\"Guest\"", "Guest")]
    [InlineData("\"10\"", "10")]
    [InlineData("null", null)]
    [InlineData("\"<null>\"", null)]
    [InlineData("false", "false")]
    public void Ual_user_type_numbers_become_enum_names(string literal, string? expected)
    {
        var row = EngineProbe.Normalize($$"""{"CreationTime":"x","Operation":"o","RecordType":1,"UserType":{{literal}}}""");
        Assert.Equal(expected, row[Column.UserType]);
    }

    [Theory]
    [InlineData("\"guest\"", "Guest")]
    [InlineData("\"Guest\"", "Guest")]
    [InlineData("\"member\"", "Member")]
    [InlineData("\"\"", "")]
    [InlineData("\"élan\"", "Élan")]
    [InlineData("\"ıx\"", "ıx")] // .NET invariant casing leaves dotless ı alone (Unicode would give I); no pattern depends on it
    [InlineData("1", "1")]
    [InlineData("null", null)]
    public void Sign_in_user_type_has_its_first_letter_upper_cased(string literal, string? expected)
    {
        var row = EngineProbe.Normalize($$"""{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"u","userType":{{literal}}}""");
        Assert.Equal(expected, row[Column.UserType]);
    }

    [Fact]
    public void Ual_app_name_is_the_id_of_the_first_target_of_type_1()
    {
        const string head = """{"CreationTime":"x","Operation":"Consent to application.","Workload":"AzureActiveDirectory","Target":""";
        Assert.Equal("Dropbox", EngineProbe.Normalize(head + """[{"ID":"sp","Type":2},{"ID":"Dropbox","Type":1},{"ID":"Other","Type":1}]}""")[Column.AppName]);
        Assert.Equal("Dropbox", EngineProbe.Normalize(head + """[{"Type":1.0,"ID":"Dropbox"}]}""")[Column.AppName]);
        Assert.Null(EngineProbe.Normalize(head + """[{"ID":"Dropbox","Type":"1"}]}""")[Column.AppName]);
        Assert.Null(EngineProbe.Normalize(head + """[{"ID":"sp","Type":2}]}""")[Column.AppName]);
        Assert.Null(EngineProbe.Normalize(head + """[{"Type":1},{"ID":"Later","Type":1}]}""")[Column.AppName]); // the first Type 1 has no ID
        Assert.Equal("Later", EngineProbe.Normalize(head + """["x",5,{"ID":"Later","Type":1}]}""")[Column.AppName]);
        Assert.Equal("B", EngineProbe.Normalize(head + """[{"ID":"A","Type":2,"Type":1,"ID":"B"}]}""")[Column.AppName]);
        Assert.Null(EngineProbe.Normalize(head + """{"ID":"Dropbox","Type":1}}""")[Column.AppName]);
    }

    [Fact]
    public void A_target_entry_that_is_a_string_holding_json_text_is_read_through()
    {
        // Spec §2: a path passes through a string holding JSON text, the entries of Target[] too.
        const string head = """{"CreationTime":"x","Operation":"Consent to application.","Workload":"AzureActiveDirectory","Target":""";
        static string Text(string json) => System.Text.Json.JsonSerializer.Serialize(json); // json as a JSON string
        string AppName(string target) => (string?)EngineProbe.Normalize(head + target + "}")[Column.AppName] ?? "(null)";
        const string Dropbox = """{"ID":"Dropbox","Type":1}""";
        Assert.Equal("Dropbox", AppName("[" + Text(Dropbox) + "]"));
        Assert.Equal("Dropbox", AppName("[" + Text("""{"ID":"sp","Type":2}""") + "," + Dropbox + "]"));
        Assert.Equal("First", AppName("[" + Text("""{"ID":"First","Type":1}""") + """,{"ID":"Second","Type":1}]"""));
        // Doubly encoded, and inside a Target array that is itself JSON text.
        Assert.Equal("Dropbox", AppName("[" + Text(Text(Dropbox)) + "]"));
        Assert.Equal("Dropbox", AppName(Text("[" + Text(Dropbox) + "]")));
        // Text that is not one JSON object, or an object without Type 1, is passed over.
        Assert.Equal("Later", AppName("[" + Text("""{"ID":"x" """) + "," + Text("[1]") + "," + Text("""{"ID":"y","Type":"1"}""") + """,{"ID":"Later","Type":1}]"""));
        Assert.Equal("SuspiciousOAuthGrant", EngineProbe.Detect("""{"CreationTime":"2026-11-20T10:17:30","Operation":"Consent to application.","RecordType":8,"UserId":"alice@corp.com","Workload":"AzureActiveDirectory","ClientIP":"203.0.113.5","Target":""" + "[" + Text(Dropbox) + "]}"));
    }

    [Fact]
    public void A_path_passes_through_a_string_holding_json_text()
    {
        var row = EngineProbe.Normalize("""{"TimeGenerated":"2026-01-01T00:00:00Z","OperationName":"Consent to application","TargetResources":"[{\"displayName\":\"Dropbox Sync\",\"userPrincipalName\":\"g#EXT#@x\"}]","InitiatedBy":"{\"user\":{\"userPrincipalName\":\"victim@corp\",\"ipAddress\":\"198.51.100.4\"}}"}""");
        Assert.Equal(RecordKind.LaAuditLogs, row.Kind);
        Assert.Equal("Dropbox Sync", row[Column.AppName]);
        Assert.Equal("g#EXT#@x", row[Column.TargetUser]);
        Assert.Equal("victim@corp", row[Column.Username]);
        Assert.Equal("198.51.100.4", row[Column.SourceIp]);
    }

    [Fact]
    public void A_string_that_is_not_json_gives_null_not_an_error()
    {
        var row = EngineProbe.Normalize("""{"TimeGenerated":"2026-01-01T00:00:00Z","OperationName":"x","TargetResources":"not json [","InitiatedBy":"{\"app\":{\"displayName\":\"A\"}} trailing"}""");
        Assert.Null(row[Column.AppName]);
        Assert.Null(row[Column.Username]);
    }

    [Fact]
    public void Target_list_in_json_text_for_log_analytics_office_activity()
    {
        var row = EngineProbe.Normalize("""{"TimeGenerated":"2026-01-01T00:00:00Z","Operation":"Consent to application.","OfficeWorkload":"AzureActiveDirectory","UserId":"u@x","Target":"[{\"ID\":\"sp\",\"Type\":2},{\"ID\":\"pCloud Drive\",\"Type\":1}]","UserType":"0"}""");
        Assert.Equal(RecordKind.LaOfficeActivity, row.Kind);
        Assert.Equal("pCloud Drive", row[Column.AppName]);
        Assert.Equal("0", row[Column.UserType]);
    }

    [Fact]
    public void Graph_sign_in_event_name_is_the_constant()
    {
        var row = EngineProbe.Normalize("""{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"u","ipAddress":"1.2.3.4","appDisplayName":"Microsoft Teams","riskLevelDuringSignIn":"high","userType":"guest"}""");
        Assert.Equal("Sign-in activity", row[Column.EventName]);
        Assert.Equal("Microsoft Azure Active Directory", row[Column.LogSourceType]);
        Assert.Equal("Microsoft Teams", row[Column.AppDisplayName]);
        Assert.Equal("high", row[Column.RiskLevel]);
    }

    [Fact]
    public void La_signin_event_name_falls_back_to_the_constant()
    {
        Assert.Equal("Sign-in activity", EngineProbe.Normalize("""{"TimeGenerated":"x","UserPrincipalName":"u","AppDisplayName":"a"}""")[Column.EventName]);
        Assert.Equal("Sign-in activity", EngineProbe.Normalize("""{"TimeGenerated":"x","UserPrincipalName":"u","AppDisplayName":"a","OperationName":null}""")[Column.EventName]);
        Assert.Equal("Other", EngineProbe.Normalize("""{"TimeGenerated":"x","UserPrincipalName":"u","AppDisplayName":"a","OperationName":"Other"}""")[Column.EventName]);
    }

    [Theory]
    [InlineData("2026-11-20T10:15:30", "2026-11-20T10:15:30.000Z")]
    [InlineData("2026-11-20T10:15:30Z", "2026-11-20T10:15:30.000Z")]
    [InlineData("2026-11-20T10:15:30.1234567Z", "2026-11-20T10:15:30.123Z")]
    [InlineData("2026-11-20T10:15:30.9999999Z", "2026-11-20T10:15:30.999Z")] // truncated, not rounded
    [InlineData("2026-11-20T10:15:30.5Z", "2026-11-20T10:15:30.500Z")]
    [InlineData("2026-11-20T10:15:30+02:00", "2026-11-20T08:15:30.000Z")]
    [InlineData("2019-10-18T04:45:48.0729893-05:00", "2019-10-18T09:45:48.072Z")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z")]
    [InlineData("0001-01-01T00:30:00-01:00", "0001-01-01T01:30:00.000Z")]
    [InlineData("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00.000Z")]
    [InlineData("9999-12-31T23:30:00+01:00", "9999-12-31T22:30:00.000Z")]
    [InlineData("9999-12-31T22:59:59.999-01:00", "9999-12-31T23:59:59.999Z")]
    public void Iso_timestamps_are_read_to_utc_milliseconds(string text, string expectedUtc)
    {
        var row = EngineProbe.Normalize($$"""{"CreationTime":"{{text}}","Operation":"o","Workload":"w"}""");
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), row[Column.EventTime]);
    }

    [Theory]
    [InlineData("2026-11-20")]
    [InlineData("2026-11-20 10:15:30")]
    [InlineData("2026-11-20T10:15")]
    [InlineData("2026-02-30T10:15:30Z")]
    [InlineData("2026-11-20T24:00:00Z")]
    [InlineData("2026-11-20T10:15:30.Z")]
    [InlineData("2026-11-20T10:15:30z")]
    [InlineData("2026-11-20T10:15:30+0200")]
    [InlineData("9/20/2023 4:05:03 AM")] // US portal form: CSV files only
    [InlineData("0001-01-01T00:59:59.999+01:00")] // an instant before year 1 UTC
    [InlineData("9999-12-31T23:30:00-01:00")] // an instant after year 9999 UTC
    [InlineData("not a time")]
    [InlineData("")]
    public void Unparseable_timestamps_give_null(string text)
    {
        var row = EngineProbe.Normalize($$"""{"CreationTime":"{{text}}","Operation":"o","Workload":"w"}""");
        Assert.Equal(RecordKind.Ual, row.Kind);
        Assert.Null(row[Column.EventTime]);
    }

    [Fact]
    public void A_numeric_timestamp_is_null()
    {
        Assert.Null(EngineProbe.Normalize("""{"CreationTime":1700000000,"Operation":"o","Workload":"w"}""")[Column.EventTime]);
    }

    [Theory]
    [InlineData("9/20/2023 4:05:03 AM", "2023-09-20T04:05:03.000Z")]
    [InlineData("9/19/2023, 1:45:17.287 PM", "2023-09-19T13:45:17.287Z")]
    [InlineData("12/1/2023 12:00:00 AM", "2023-12-01T00:00:00.000Z")]
    [InlineData("12/1/2023 12:30:00 PM", "2023-12-01T12:30:00.000Z")]
    public void Us_portal_timestamps_are_read_in_csv_mode(string text, string expectedUtc)
    {
        var row = EngineProbe.Normalize($$"""{"TimeGenerated":"{{text}}","UserPrincipalName":"u","AppDisplayName":"a"}""", csvTimestamps: true);
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), row[Column.EventTime]);
    }
}
