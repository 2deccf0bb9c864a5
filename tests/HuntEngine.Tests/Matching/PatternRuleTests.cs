using System.Text;
using HuntEngine.Matching;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Matching;

/// <summary>Spec §3: each pattern line and each case rule, on focused records.</summary>
public sealed class PatternRuleTests
{
    private static string Teams(string userIdJson, string operation = "MessageSent") =>
        $$"""{"CreationTime":"2026-11-20T10:15:30Z","Id":"x","Operation":"{{operation}}","RecordType":25,"UserId":{{userIdJson}},"Workload":"MicrosoftTeams","CommunicationType":"OneOnOne"}""";

    [Theory]
    [InlineData("\"helpdesk@evil.com\"", true)]
    [InlineData("\"HELPDESK@evil.com\"", true)]
    [InlineData("\"HelpDesK@evil.com\"", true)]
    [InlineData("\"IT.Support@x\"", false)] // "it.support" is not "itsupport"
    [InlineData("\"ITSupport@x\"", true)]
    [InlineData("\"o365SUPPORT@x\"", true)]
    [InlineData("\"m365support@x\"", true)]
    [InlineData("\"MicrosoftSupport.Team@x\"", true)]
    [InlineData("\"sysadmin\"", true)]
    [InlineData("\"\\u0048elpdesk@evil.com\"", true)] // JSON escape: the engine reads the unescaped value
    [InlineData("\"tech\u212Aupport@evil.com\"", false)] // Kelvin sign lowers to k: "techkupport" is no keyword
    [InlineData("\"techsupport@evil.com\"", true)]
    [InlineData("\"TECHSUPPORT@evil.com\"", true)]
    [InlineData("\"HELPDES\u212A@evil.com\"", true)] // Kelvin sign U+212A lowers to ASCII k
    [InlineData("\"HELPDES\\u212A@evil.com\"", true)] // the same, escaped
    [InlineData("\"\u0130TSUPPORT@evil.com\"", false)] // İ (U+0130) does not become ASCII i
    [InlineData("\"\u0131tsupport@evil.com\"", false)] // dotless ı
    [InlineData("\"\u017Fysadmin@evil.com\"", false)] // long s ſ
    [InlineData("\"h\u0435lpdesk@evil.com\"", false)] // Cyrillic е
    [InlineData("\"alice@corp.com\"", false)]
    [InlineData("null", false)]
    [InlineData("\"<null>\"", false)]
    public void Teams_usernames_are_lower_cased_invariantly(string userId, bool fires) =>
        Assert.Equal(fires ? "Teams_ITImpersonation" : null, EngineProbe.Detect(Teams(userId)));

    [Theory]
    [InlineData("MessageSent", true)]
    [InlineData("ChatCreated", true)]
    [InlineData("MeetingInvited", true)]
    [InlineData("MessageSentX", true)] // contains
    [InlineData("messagesent", false)] // LIKE is case-sensitive
    [InlineData("MessageRead", false)]
    public void Teams_event_names_are_case_sensitive_contains(string op, bool fires) =>
        Assert.Equal(fires ? "Teams_ITImpersonation" : null, EngineProbe.Detect(Teams("\"helpdesk@x\"", op)));

    [Fact]
    public void Teams_needs_an_office_365_log_source()
    {
        // Same fields on a Graph sign-in: log source is Azure AD, so no Teams detection.
        Assert.Null(EngineProbe.Detect("""{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"helpdesk@x","Operation":"MessageSent"}"""));
    }

    [Fact]
    public void Keyword_in_another_field_does_not_fire()
    {
        Assert.Null(EngineProbe.Detect("""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","RecordType":25,"UserId":"alice@corp.com","ObjectId":"helpdesk","Workload":"MicrosoftTeams"}"""));
    }

    [Fact]
    public void Username_keyword_mutation_of_kelvin_matches_the_runtime()
    {
        // The lowering table is derived from the runtime: check it against char.ToLowerInvariant for every BMP char.
        var toAscii = InvariantLowering.NonAsciiToAscii.Select(e => Encoding.UTF8.GetString(e.Utf8)[0]).ToHashSet();
        for (int c = 0x80; c <= 0xFFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            bool lowersToAscii = char.ToLowerInvariant((char)c) < 0x80;
            Assert.Equal(lowersToAscii, toAscii.Contains((char)c));
        }
        Assert.Contains('\u212A', toAscii);
        Assert.DoesNotContain('\u0130', toAscii);
    }

    private static string UalConsent(string app, string op = "Consent to application.") =>
        $$"""{"CreationTime":"2026-11-20T10:15:30","Operation":"{{op}}","RecordType":8,"Workload":"AzureActiveDirectory","UserId":"u@corp.com","Target":[{"ID":"ServicePrincipal_1","Type":2},{"ID":"{{app}}","Type":1}]}""";

    [Theory]
    [InlineData("Dropbox", true)]
    [InlineData("DROPBOX Business", true)]
    [InlineData("MEGAsync", true)]
    [InlineData("pCloud Transfer", true)]
    [InlineData("Sync.com", true)]
    [InlineData("SYNC.COM", true)]
    [InlineData("SyncXcom", false)] // the dot is literal
    [InlineData("MediaFire", true)]
    [InlineData("Box.com", true)]
    [InlineData("Boxcom", false)]
    [InlineData("Box", false)]
    [InlineData("Dr0pbox", false)]
    [InlineData("dropbo\u212A", false)] // ASCII-only case-insensitivity: Kelvin sign is not k here
    [InlineData("Omega Analytics", true)] // "mega" inside: the AQL regex fires too
    public void OAuth_app_names_are_ascii_case_insensitive(string app, bool fires) =>
        Assert.Equal(fires ? "SuspiciousOAuthGrant" : null, EngineProbe.Detect(UalConsent(app)));

    [Fact]
    public void OAuth_fires_for_entra_audit_records_too()
    {
        Assert.Equal("SuspiciousOAuthGrant", EngineProbe.Detect("""{"activityDateTime":"2026-09-13T01:22:12.5603524Z","activityDisplayName":"Consent to application","initiatedBy":{"user":{"userPrincipalName":"u@corp","ipAddress":"4.151.103.193"}},"targetResources":[{"displayName":"Dropbox"}]}"""));
        Assert.Null(EngineProbe.Detect("""{"activityDateTime":"2026-09-13T01:22:12Z","activityDisplayName":"Add delegated permission grant","targetResources":[{"displayName":"Dropbox"}]}"""));
    }

    private static string SignIn(string userType, string risk, string app, string op = "Sign-in activity") =>
        $$$"""{"time":"2026-11-20T10:15:30Z","category":"SignInLogs","operationName":"{{{op}}}","callerIpAddress":"1.2.3.4","properties":{"userPrincipalName":"g_partner.com#EXT#@corp.onmicrosoft.com","ipAddress":"1.2.3.4","appDisplayName":"{{{app}}}","userType":"{{{userType}}}","riskLevelDuringSignIn":"{{{risk}}}"}}""";

    [Theory]
    [InlineData("guest", "high", "Microsoft Teams", true)]
    [InlineData("Guest", "medium", "Office 365 SharePoint Online", true)]
    [InlineData("guest", "medium", "OneDrive", true)]
    [InlineData("guest", "high", "Office 365 Exchange Online", true)]
    [InlineData("guest", "low", "Microsoft Teams", false)]
    [InlineData("guest", "High", "Microsoft Teams", false)] // equals is case-sensitive
    [InlineData("guest", "none", "Microsoft Teams", false)]
    [InlineData("member", "high", "Microsoft Teams", false)]
    [InlineData("guests", "high", "Microsoft Teams", false)]
    [InlineData("guest", "high", "Azure Portal", false)]
    [InlineData("guest", "high", "microsoft teams", false)] // LIKE is case-sensitive
    public void Risky_guest_sign_in_rules(string userType, string risk, string app, bool fires) =>
        Assert.Equal(fires ? "RiskyGuestSignin" : null, EngineProbe.Detect(SignIn(userType, risk, app)));

    [Fact]
    public void Risky_guest_needs_a_sign_in_event_name()
    {
        Assert.Null(EngineProbe.Detect(SignIn("guest", "high", "Microsoft Teams", op: "Something else")));
        Assert.Equal("RiskyGuestSignin", EngineProbe.Detect(SignIn("guest", "high", "Microsoft Teams", op: "Sign-in activity (interactive)")));
    }

    [Fact]
    public void Label_is_the_first_pattern_the_record_matches()
    {
        // A risky guest named itadmin: the AQL's CASE would say Teams_ITImpersonation; the engine labels by the branch that matched.
        var json = """{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"itadmin@partner.com","appDisplayName":"Microsoft Teams","userType":"guest","riskLevelDuringSignIn":"high"}""";
        Assert.Equal("RiskyGuestSignin", EngineProbe.Detect(json));
    }

    [Fact]
    public void Time_window_is_half_open_and_excludes_records_without_time()
    {
        long t = DateTimeOffset.Parse("2026-11-20T10:15:30Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var json = Teams("\"helpdesk@x\"");
        Assert.Equal("Teams_ITImpersonation", EngineProbe.Detect(json, new TimeWindow(t, t + 1)));
        Assert.Null(EngineProbe.Detect(json, new TimeWindow(t + 1, null)));
        Assert.Null(EngineProbe.Detect(json, new TimeWindow(null, t)));
        Assert.Equal("Teams_ITImpersonation", EngineProbe.Detect(json, new TimeWindow(null, null)));
        var noTime = json.Replace("2026-11-20T10:15:30Z", "garbage");
        Assert.Equal("Teams_ITImpersonation", EngineProbe.Detect(noTime));
        Assert.Null(EngineProbe.Detect(noTime, new TimeWindow(null, t)));
    }

    [Fact]
    public void Seed_test_1_teams_external_helpdesk_message_fires()
    {
        // Spec §6.1: RecordType MicrosoftTeams (25), MessageSent, external UPN with a helpdesk keyword.
        var json = """{"CreationTime":"2026-11-18T14:02:11","Id":"5b7c8e0e-1f1a-4c55-9f66-0c6a3f2b9d01","Operation":"MessageSent","OrganizationId":"b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd","RecordType":25,"UserKey":"c1a9","UserType":0,"Version":1,"Workload":"MicrosoftTeams","ClientIP":"185.220.101.45","UserId":"it.helpdesk@support-contoso.onmicrosoft.com","CommunicationType":"OneOnOne","ChatThreadId":"19:abc@unq.gbl.spaces","ParticipantInfo":{"HasForeignTenantUsers":true,"HasGuestUsers":false}}""";
        Assert.Equal("Teams_ITImpersonation", EngineProbe.Detect(json));
    }

    [Fact]
    public void Seed_test_2_consent_to_cloud_storage_app_fires()
    {
        // Spec §6.2: Entra audit "Consent to application", targetResources[0].displayName a cloud-storage app, the user's UPN and IP.
        var json = """{"time":"2026-11-18T14:05:00.1234567Z","category":"AuditLogs","operationName":"Consent to application","callerIpAddress":"185.220.101.45","properties":{"activityDisplayName":"Consent to application","activityDateTime":"2026-11-18T14:05:00.1234567+00:00","initiatedBy":{"user":{"userPrincipalName":"victim@contoso.com","ipAddress":"185.220.101.45"}},"targetResources":[{"displayName":"Dropbox","type":"ServicePrincipal"}]}}""";
        var row = EngineProbe.Normalize(json);
        Assert.Equal("victim@contoso.com", row[HuntEngine.Parsing.Column.Username]);
        Assert.Equal("185.220.101.45", row[HuntEngine.Parsing.Column.SourceIp]);
        Assert.Equal("SuspiciousOAuthGrant", EngineProbe.Detect(json));
    }
}
